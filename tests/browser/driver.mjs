// A headless Chromium driven line by line: the Rust tests write one JSON command per line
// on stdin and read one JSON reply per line on stdout ({"ok":true,"value":…} or
// {"ok":false,"error":"…"}). Debian's /usr/bin/chromium, driven by npm playwright-core
// (installed by tests/browser/install.sh); no browser is downloaded.
//
// Usage: node driver.mjs   (env BROWSER_NODE_MODULES: where playwright-core is installed)
import { createInterface } from "node:readline";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(join(process.env.BROWSER_NODE_MODULES, "x.js"));
const { chromium } = require("playwright-core");

const profile = mkdtempSync(join(tmpdir(), "mcp-tasks-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
  viewport: { width: 1280, height: 800 },
});
const page = context.pages()[0] ?? (await context.newPage());
page.setDefaultTimeout(10_000);
// Script errors and CSP violations end up here; a test asks for them with "errors".
const errors = [];
page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });

const T = (c) => ({ timeout: c.timeoutMs ?? 10_000 });
const loc = (c) => {
  if (c.label !== undefined) return page.getByLabel(c.label, { exact: c.exact ?? false });
  if (c.role !== undefined) return page.getByRole(c.role, { name: c.name, exact: c.exact ?? false });
  return page.locator(c.selector);
};

const commands = {
  goto: async (c) => (await page.goto(c.url, { waitUntil: "load" }))?.status() ?? null,
  viewport: async (c) => page.setViewportSize({ width: c.width, height: c.height }),
  // Waits until the element (first match) contains the text; returns the ms it took.
  waitText: async (c) => {
    const t0 = Date.now();
    await loc(c).filter({ hasText: c.text }).first().waitFor({ state: "visible", ...T(c) });
    return Date.now() - t0;
  },
  waitVisible: async (c) => { const t0 = Date.now(); await loc(c).first().waitFor({ state: "visible", ...T(c) }); return Date.now() - t0; },
  waitHidden: async (c) => { await loc(c).first().waitFor({ state: "hidden", ...T(c) }); return null; },
  click: async (c) => loc(c).first().click(T(c)),
  fill: async (c) => loc(c).first().fill(c.value, T(c)),
  check: async (c) => loc(c).first().check(T(c)),
  select: async (c) => loc(c).first().selectOption(c.value, T(c)),
  press: async (c) => loc(c).first().press(c.key, T(c)),
  focusedText: async () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? null),
  keyboard: async (c) => page.keyboard.press(c.key),
  text: async (c) => (await loc(c).first().textContent(T(c)))?.trim() ?? null,
  count: async (c) => loc(c).count(),
  url: async () => page.url(),
  screenshot: async (c) => { await page.screenshot({ path: c.path, fullPage: c.fullPage ?? false }); return c.path; },
  errors: async () => errors.splice(0),
};

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  let reply;
  try {
    const c = JSON.parse(line);
    const f = commands[c.cmd];
    if (!f) throw new Error(`unknown command ${c.cmd}`);
    const value = await f(c);
    reply = { ok: true, value: value ?? null };
  } catch (e) {
    reply = { ok: false, error: String(e?.message ?? e) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
}
await context.close();
rmSync(profile, { recursive: true, force: true });
