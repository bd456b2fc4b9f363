// Locates the official TypeScript SDK (`@modelcontextprotocol/sdk` 1.x) that
// `scripts/install-test-deps.sh` installs into `.cache/interop/node` (never globally), and
// imports its ESM modules by path. Override the folder with MCP_INTEROP_NODE_MODULES.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nodeModules =
  process.env.MCP_INTEROP_NODE_MODULES ?? resolve(here, '../../.cache/interop/node/node_modules');
const sdkDir = join(nodeModules, '@modelcontextprotocol/sdk');

if (!existsSync(join(sdkDir, 'package.json'))) {
  console.error(
    `@modelcontextprotocol/sdk is not installed in ${nodeModules}: run \`bash scripts/install-test-deps.sh\``,
  );
  process.exit(3);
}

export const sdkVersion = JSON.parse(readFileSync(join(sdkDir, 'package.json'), 'utf8')).version;

/** Imports `dist/esm/<rel>` of the SDK. */
export function sdk(rel) {
  return import(pathToFileURL(join(sdkDir, 'dist/esm', rel)).href);
}

/** Runs `main`, printing any failure to stderr and exiting non-zero; bounded by a deadline. */
export function run(main, timeoutMs = 60000) {
  const timer = setTimeout(() => {
    console.error(`timed out after ${timeoutMs} ms`);
    process.exit(2);
  }, timeoutMs);
  main().then(
    () => {
      clearTimeout(timer);
      process.exit(0);
    },
    (err) => {
      console.error(err?.stack ?? String(err));
      process.exit(1);
    },
  );
}

/** The text of a result's first text content block, or a thrown error. */
export function firstText(content, what) {
  const block = (content ?? []).find((c) => c.type === 'text');
  if (!block) throw new Error(`${what}: no text content in ${JSON.stringify(content)}`);
  return block.text;
}
