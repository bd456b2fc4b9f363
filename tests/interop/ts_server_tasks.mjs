// Interop: an MCP server built on the official TypeScript SDK 1.x (`McpServer` +
// `server.experimental.tasks.registerToolTask`, Tasks v1, protocol 2025-11-25) over stateful
// Streamable HTTP, for the Rust client to drive. Usage: node ts_server_tasks.mjs [PORT]
// (default 0 = any free port); prints `listening on http://127.0.0.1:PORT/mcp` on stderr.
//
// Tools (all `execution.taskSupport: "required"`, tasks kept in the SDK's InMemoryTaskStore,
// per session; input requests travel through the SDK's InMemoryTaskMessageQueue and reach the
// client on the `tasks/result` stream):
//   confirm_delete {filename, delayMs?}  waits delayMs (default 200), then asks
//                                        `elicitation/create` "Delete <filename>?" ({confirm})
//                                        mid-task; completes "Deleted <filename>" when accepted
//                                        with confirm=true, else "Kept <filename>".
//   slow_compute {seconds}               works for `seconds`, stopping early when cancelled;
//                                        completes "Computed in <seconds>s".
//   ask_client_task {mode}                a plain tool that sends the *client* a task-augmented
//                                        `elicitation/create` (client-hosted Tasks v1, through
//                                        `server.experimental.tasks.elicitInputStream`), follows
//                                        the client's task with tasks/get + tasks/result, and
//                                        answers one JSON text: {taskId, events, result,
//                                        pushes, listed, finalStatus} (pushes: the statuses the
//                                        client sent in notifications/tasks/status). mode "cancel" instead creates the
//                                        task with a raw request, cancels it with tasks/cancel
//                                        and reports the cancelled task.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sdk, sdkVersion } from './sdk.mjs';

const port = Number(process.argv[2] ?? 0);

const { McpServer } = await sdk('server/mcp.js');
const { StreamableHTTPServerTransport } = await sdk('server/streamableHttp.js');
const { InMemoryTaskStore, InMemoryTaskMessageQueue } = await sdk(
  'experimental/tasks/stores/in-memory.js',
);
const { ElicitResultSchema, CreateTaskResultSchema, TaskStatusNotificationSchema, isInitializeRequest } =
  await sdk('types.js');
// Zod (a dependency of the SDK, installed next to it) describes the tools' input schemas.
const nodeModules =
  process.env.MCP_INTEROP_NODE_MODULES ??
  resolve(dirname(fileURLToPath(import.meta.url)), '../../.cache/interop/node/node_modules');
const zodModule = await import(pathToFileURL(join(nodeModules, 'zod/index.js')).href);
const z = zodModule.z ?? zodModule;

// One task store and queue for the process: tasks outlive the HTTP connections (and the client
// processes) that created them, scoped to their session by the SDK.
const taskStore = new InMemoryTaskStore();
const taskMessageQueue = new InMemoryTaskMessageQueue();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error('[ts-server]', ...a);

/** A Zod raw shape, as `registerToolTask` takes it. */
const inputSchema = (shape) => shape(z);

/** Still running (not cancelled, not otherwise terminal)? */
async function running(store, taskId) {
  const t = await store.getTask(taskId);
  return t && (t.status === 'working' || t.status === 'input_required');
}

function buildServer() {
  // `notifications/tasks/status` the client pushes about the tasks it hosts.
  const statusPushes = [];
  const server = new McpServer(
    { name: 'ts-sdk-tasks-server', version: sdkVersion },
    {
      capabilities: {
        tools: {},
        tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
      },
      taskStore,
      taskMessageQueue,
    },
  );

  server.server.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
    statusPushes.push({ taskId: n.params.taskId, status: n.params.status });
  });

  server.experimental.tasks.registerToolTask(
    'confirm_delete',
    {
      description: 'Asks for confirmation mid-task (elicitation), then deletes',
      inputSchema: inputSchema((zz) => ({ filename: zz.string(), delayMs: zz.number().optional() })),
      execution: { taskSupport: 'required' },
    },
    {
      createTask: async ({ filename, delayMs }, extra) => {
        const task = await extra.taskStore.createTask({ ttl: 300000, pollInterval: 200 });
        const store = extra.taskStore;
        (async () => {
          await sleep(delayMs ?? 200);
          if (!(await running(store, task.taskId))) return;
          log(`task ${task.taskId}: asking for confirmation`);
          let answer;
          try {
            answer = await extra.sendRequest(
              {
                method: 'elicitation/create',
                params: {
                  mode: 'form',
                  message: `Delete ${filename}?`,
                  requestedSchema: {
                    type: 'object',
                    properties: { confirm: { type: 'boolean', description: 'Really delete?' } },
                    required: ['confirm'],
                  },
                },
              },
              ElicitResultSchema,
              { relatedTask: { taskId: task.taskId }, timeout: 120000 },
            );
          } catch (e) {
            log(`task ${task.taskId}: elicitation failed: ${e}`);
            if (await running(store, task.taskId)) {
              await store.storeTaskResult(task.taskId, 'failed', {
                content: [{ type: 'text', text: `elicitation failed: ${e.message ?? e}` }],
                isError: true,
              });
            }
            return;
          }
          if (!(await running(store, task.taskId))) return;
          await store.updateTaskStatus(task.taskId, 'working');
          const yes = answer.action === 'accept' && answer.content?.confirm === true;
          log(`task ${task.taskId}: answer ${JSON.stringify(answer)}`);
          await store.storeTaskResult(task.taskId, 'completed', {
            content: [{ type: 'text', text: yes ? `Deleted ${filename}` : `Kept ${filename}` }],
          });
        })().catch((e) => log(`task ${task.taskId} crashed: ${e?.stack ?? e}`));
        return { task };
      },
      getTask: async (_args, extra) => extra.taskStore.getTask(extra.taskId),
      getTaskResult: async (_args, extra) => extra.taskStore.getTaskResult(extra.taskId),
    },
  );

  server.experimental.tasks.registerToolTask(
    'slow_compute',
    {
      description: 'Works for a number of seconds (cancellable)',
      inputSchema: inputSchema((zz) => ({ seconds: zz.number() })),
      execution: { taskSupport: 'required' },
    },
    {
      createTask: async ({ seconds }, extra) => {
        const task = await extra.taskStore.createTask({ ttl: 300000, pollInterval: 200 });
        const store = extra.taskStore;
        (async () => {
          const end = Date.now() + seconds * 1000;
          while (Date.now() < end) {
            await sleep(100);
            if (!(await running(store, task.taskId))) {
              log(`task ${task.taskId}: stopped (${(await store.getTask(task.taskId))?.status})`);
              return;
            }
          }
          await store.storeTaskResult(task.taskId, 'completed', {
            content: [{ type: 'text', text: `Computed in ${seconds}s` }],
          });
        })().catch((e) => log(`task ${task.taskId} crashed: ${e?.stack ?? e}`));
        return { task };
      },
      getTask: async (_args, extra) => extra.taskStore.getTask(extra.taskId),
      getTaskResult: async (_args, extra) => extra.taskStore.getTaskResult(extra.taskId),
    },
  );
  server.registerTool(
    'ask_client_task',
    {
      description: 'Runs an elicitation as a task hosted by the client (Tasks v1)',
      inputSchema: inputSchema((zz) => ({ mode: zz.enum(['complete', 'cancel']).optional() })),
    },
    async ({ mode }, extra) => {
      const tasks = server.server.experimental.tasks;
      const params = {
        mode: 'form',
        message: mode === 'cancel' ? 'Take your time' : 'What is your name?',
        requestedSchema: {
          type: 'object',
          properties: { name: { type: 'string', description: 'Your name' } },
          required: ['name'],
        },
      };
      const options = { relatedRequestId: extra.requestId, timeout: 60000 };
      const report = {};
      if (mode === 'cancel') {
        const created = await server.server.request(
          { method: 'elicitation/create', params: { ...params, task: { ttl: 60000 } } },
          CreateTaskResultSchema,
          options,
        );
        report.taskId = created.task.taskId;
        report.created = created.task.status;
        const cancelled = await tasks.cancelTask(created.task.taskId, options);
        report.cancelStatus = cancelled.status;
        report.finalStatus = (await tasks.getTask(created.task.taskId, options)).status;
        for (let i = 0; i < 100; i++) {
          if (statusPushes.some((p) => p.taskId === report.taskId)) break;
          await sleep(50);
        }
        report.pushes = statusPushes.filter((p) => p.taskId === report.taskId).map((p) => p.status);
      } else {
        report.events = [];
        for await (const msg of tasks.elicitInputStream(params, { ...options, task: { ttl: 60000 } })) {
          if (msg.type === 'taskCreated') {
            report.taskId = msg.task.taskId;
            report.events.push(`created:${msg.task.status}`);
          } else if (msg.type === 'taskStatus') {
            report.events.push(`status:${msg.task.status}`);
          } else if (msg.type === 'result') {
            report.result = msg.result;
          } else if (msg.type === 'error') {
            throw msg.error;
          }
        }
        // The push of the final status may trail the tasks/result answer a little.
        for (let i = 0; i < 100; i++) {
          if (statusPushes.some((p) => p.taskId === report.taskId && p.status === 'completed')) break;
          await sleep(50);
        }
        report.pushes = statusPushes.filter((p) => p.taskId === report.taskId).map((p) => p.status);
        const listed = await tasks.listTasks(undefined, options);
        report.listed = listed.tasks.some((t) => t.taskId === report.taskId);
        report.finalStatus = (await tasks.getTask(report.taskId, options)).status;
      }
      log(`client-hosted task: ${JSON.stringify(report)}`);
      return { content: [{ type: 'text', text: JSON.stringify(report) }] };
    },
  );
  return server;
}

// Stateful Streamable HTTP: one transport + McpServer per session, as in the SDK's examples.
const transports = new Map();

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

const http = createServer(async (req, res) => {
  try {
    const sid = req.headers['mcp-session-id'];
    if (req.method === 'POST') {
      const body = await readBody(req);
      let transport = sid ? transports.get(sid) : undefined;
      if (!transport && !sid && isInitializeRequest(body)) {
        transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => {
            transports.set(id, transport);
            log(`session ${id} initialized`);
          },
        });
        transport.onclose = () => {
          if (transport.sessionId) transports.delete(transport.sessionId);
        };
        await buildServer().connect(transport);
      }
      if (!transport) {
        res.writeHead(sid ? 404 : 400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: body?.id ?? null,
            error: { code: -32000, message: sid ? 'Session not found' : 'Bad Request: no session' },
          }),
        );
        return;
      }
      if (body?.method === 'tasks/result' && body.id !== undefined) {
        // SDK 1.32 keeps a `tasks/result` handler running after its client went away; the
        // orphan would dequeue the task's next input request and write it to a dead stream,
        // so a client that rejoins the session (a restarted process) would never see it.
        // Abandon the handler when its HTTP response closes early, as the SDK itself does for
        // a request the client cancels.
        res.on('close', () => {
          if (!res.writableFinished) {
            log(`tasks/result ${body.id} abandoned by its client`);
            transport.onmessage?.({
              jsonrpc: '2.0',
              method: 'notifications/cancelled',
              params: { requestId: body.id, reason: 'client disconnected' },
            });
          }
        });
      }
      await transport.handleRequest(req, res, body);
      return;
    }
    const transport = sid ? transports.get(sid) : undefined;
    if (!transport) {
      res.writeHead(sid ? 404 : 400).end(sid ? 'Session not found' : 'Missing session');
      return;
    }
    await transport.handleRequest(req, res);
  } catch (e) {
    log(`request failed: ${e?.stack ?? e}`);
    if (!res.headersSent) res.writeHead(500).end(String(e));
  }
});

http.listen(port, '127.0.0.1', () => {
  console.error(`listening on http://127.0.0.1:${http.address().port}/mcp (sdk ${sdkVersion})`);
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    taskStore.cleanup();
    process.exit(0);
  });
}
