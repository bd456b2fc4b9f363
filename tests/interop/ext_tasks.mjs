// The extension's own client library, `@modelcontextprotocol/ext-tasks` on
// `@modelcontextprotocol/client` 2.x, against a server, as a new user would write it:
//
//   node ext_tasks.mjs <url> <modern|legacy> <case> [reference.json]
//
// Cases: sync (greet), task (slow_compute to completion), input (confirm_delete, answered
// through the library's `onInputRequest`), cancel (a long slow_compute, then cancel and
// watch the server report `cancelled`), failed (protocol_error_job), start (create a task
// and hand off its serialized reference: printed as {reference, rejoin?}), resume (this
// second process resumes the printed `{reference, rejoin?}` and settles it).
//
// `modern` pins 2026-07-28 and gives the library the host pieces its README asks for on
// that era: `rawDispatch` (here: one Streamable HTTP POST per request, routing headers
// included) and `v2RequestFraming`. `legacy` is the plain 2025-11-25 connection (Tasks v1).
// Prints one JSON line: what the library decoded.
//
// `scripts/install-test-deps.sh` installs both packages into `.cache/interop/ext-tasks`
// (override with MCP_INTEROP_EXT_TASKS_NODE_MODULES).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nodeModules =
  process.env.MCP_INTEROP_EXT_TASKS_NODE_MODULES ??
  resolve(here, '../../.cache/interop/ext-tasks/node_modules');
const pkg = (name) => join(nodeModules, '@modelcontextprotocol', name);
for (const name of ['ext-tasks', 'client']) {
  if (!existsSync(join(pkg(name), 'package.json'))) {
    console.error(
      `@modelcontextprotocol/${name} is not installed in ${nodeModules}: run \`bash scripts/install-test-deps.sh\``,
    );
    process.exit(3);
  }
}
const version = (name) => JSON.parse(readFileSync(join(pkg(name), 'package.json'), 'utf8')).version;
const { Client, StreamableHTTPClientTransport } = await import(
  pathToFileURL(join(pkg('client'), 'dist/index.mjs')).href
);
const { createTaskSessionFromClient, resultFromTaskOutcome } = await import(
  pathToFileURL(join(pkg('ext-tasks'), 'dist/client/index.js')).href
);

const [url, era, kase, referenceArg] = process.argv.slice(2);
if (!url || !['modern', 'legacy'].includes(era) || !kase) {
  console.error('usage: ext_tasks.mjs <url> <modern|legacy> <case> [reference-json]');
  process.exit(2);
}
const MODERN = '2026-07-28';
const clientInfo = { name: 'ext-tasks-interop', version: '1.0.0' };
const capabilities = { elicitation: {} };
// Serialized references are scoped to an endpoint identity the host chooses.
const endpointId = `mcp-tasks-server ${url}`;

/** One JSON-RPC request over Streamable HTTP, as the library's `rawDispatch`. */
function rawDispatcher() {
  let next = 0;
  return async (request, options = {}) => {
    const params = request.params ?? {};
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': request.method,
      ...(options.context?.headers ?? {}),
    };
    // The library adds `Mcp-Name` to tasks/*; tools/call's comes from the tool name.
    const name = params.name ?? params.uri ?? params.taskId;
    if (typeof name === 'string' && !Object.keys(headers).some((h) => h.toLowerCase() === 'mcp-name')) {
      headers['mcp-name'] = name;
    }
    const body = { jsonrpc: '2.0', id: `ext-${++next}`, ...request };
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: options.signal,
    });
    const text = await res.text();
    let msg;
    if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      msg = text
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim())
        .filter(Boolean)
        .map((d) => JSON.parse(d))
        .find((m) => m.id === body.id);
    } else {
      msg = JSON.parse(text);
    }
    if (!msg) throw new Error(`no response to ${request.method} (HTTP ${res.status}): ${text}`);
    return msg.error ? { kind: 'error', error: msg.error } : { kind: 'result', result: msg.result };
  };
}

/**
 * A connected client and a task session over it; `asked` records the input requests.
 * `rejoin` ({session, capabilities, protocolVersion}) reconnects to an existing 2025-11-25
 * session instead of initializing a new one: the SDK skips `initialize` for a transport
 * that already has a session id, so the host hands the library the capabilities it
 * persisted with the session.
 */
async function open(rejoin) {
  const client = new Client(clientInfo, {
    capabilities,
    ...(era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN } } } : {}),
  });
  const transport = new StreamableHTTPClientTransport(
    new URL(url),
    rejoin?.session ? { sessionId: rejoin.session } : {},
  );
  await client.connect(transport);
  if (rejoin?.session) {
    transport.setProtocolVersion?.(rejoin.protocolVersion);
    client.getServerCapabilities = () => rejoin.capabilities;
  }
  const asked = [];
  const session = createTaskSessionFromClient(client, {
    endpointId,
    ...(era === 'modern'
      ? {
          rawDispatch: rawDispatcher(),
          v2RequestFraming: { protocolVersion: MODERN, clientInfo, clientCapabilities: capabilities },
        }
      : {}),
    // The library's input handling: elicitations (a task's input_required on 2026-07-28, a
    // server request with related-task metadata on 2025-11-25) are answered here.
    onInputRequest: async (request, context) => {
      asked.push({
        kind: request.kind,
        message: request.params?.message,
        scope: context.scope,
        delivery: context.delivery,
        taskId: context.taskId ?? null,
      });
      return { action: 'accept', content: { confirm: true } };
    },
    onError: (e) => console.error(`ext-tasks background error: ${e?.stack ?? e}`),
  });
  return {
    client,
    transport,
    session,
    asked,
    protocolEra: client.getProtocolEra(),
    async close() {
      await session.close();
      await client.close();
    },
  };
}

const textOf = (result) => (result?.content ?? []).find((c) => c.type === 'text')?.text ?? null;
// On 2025-11-25 a task-capable tool becomes a task only when asked (`preference`); on
// 2026-07-28 the server decides.
const taskOptions = { task: { preference: 'prefer' } };

async function settle(execution) {
  const { outcome } = await execution.settle();
  const out = { kind: execution.kind, status: outcome.status, taskId: execution.handle?.taskId ?? null };
  if (outcome.status === 'completed') {
    const result = resultFromTaskOutcome(outcome);
    out.text = textOf(result);
    out.isError = result.isError ?? false;
    out.resultType = result.resultType ?? null;
  } else if (outcome.status === 'failed') {
    out.errorName = outcome.error?.name ?? null;
    out.errorCode = outcome.error?.code ?? null;
    out.errorMessage = outcome.error?.message ?? null;
  }
  return out;
}

async function main() {
  const resume = kase === 'resume' ? JSON.parse(referenceArg) : undefined;
  const s = await open(resume?.rejoin);
  const out = { era: s.protocolEra, generation: s.session.capabilities, libraryVersion: version('ext-tasks'), clientVersion: version('client') };
  try {
    switch (kase) {
      case 'sync': {
        Object.assign(out, await settle(await s.session.callTool('greet', { name: 'Ada' })));
        break;
      }
      case 'task': {
        Object.assign(out, await settle(await s.session.callTool('slow_compute', { seconds: 1 }, taskOptions)));
        break;
      }
      case 'input': {
        Object.assign(
          out,
          await settle(await s.session.callTool('confirm_delete', { filename: 'ext.txt' }, taskOptions)),
        );
        break;
      }
      case 'failed': {
        Object.assign(out, await settle(await s.session.callTool('protocol_error_job', {}, taskOptions)));
        break;
      }
      case 'cancel': {
        const execution = await s.session.callTool('slow_compute', { seconds: 60 }, taskOptions);
        out.kind = execution.kind;
        out.taskId = execution.handle?.taskId ?? null;
        if (execution.kind !== 'task') break;
        await execution.cancel();
        const { outcome } = await execution.settle();
        out.status = outcome.status;
        // Cancellation is cooperative: watch the server's own view of the task.
        const controller = s.session.task(out.taskId);
        const deadline = Date.now() + 20000;
        let view = await controller.snapshot();
        while (view.status !== 'cancelled' && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          view = await controller.snapshot();
        }
        out.serverStatus = view.status;
        break;
      }
      case 'start': {
        const execution = await s.session.callTool('slow_compute', { seconds: 2 }, taskOptions);
        out.kind = execution.kind;
        if (execution.kind === 'task') {
          await execution.handoff((reference) => {
            out.reference = reference;
          });
        }
        // 2025-11-25 tasks belong to the session that created them: persist it too.
        if (era === 'legacy') {
          out.rejoin = {
            session: s.transport.sessionId,
            capabilities: s.client.getServerCapabilities(),
            protocolVersion: s.client.getNegotiatedProtocolVersion?.() ?? '2025-11-25',
          };
        }
        // Exit like a process that persisted its work and went away: closing the session
        // would make the library cancel the task it still tracks (close() of a detached
        // execution cancels it), and would end the legacy session.
        console.log(JSON.stringify(out));
        process.exit(0);
      }
      case 'resume': {
        Object.assign(out, await settle(await s.session.resumeTask(resume.reference)));
        break;
      }
      default:
        throw new Error(`unknown case ${kase}`);
    }
    out.asked = s.asked;
  } finally {
    await s.close();
  }
  console.log(JSON.stringify(out));
}

const timer = setTimeout(() => {
  console.error('timed out after 60 s');
  process.exit(2);
}, 60000);
main().then(
  () => {
    clearTimeout(timer);
    process.exit(0);
  },
  (err) => {
    console.error(err?.stack ?? String(err));
    if (err?.cause) console.error('cause:', err.cause?.stack ?? err.cause);
    process.exit(1);
  },
);
