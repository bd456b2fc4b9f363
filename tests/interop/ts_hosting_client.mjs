// Interop: the official TypeScript SDK 1.x client *hosting* Tasks v1 (protocol 2025-11-25):
// it declares `tasks.requests.elicitation.create` with an `InMemoryTaskStore`, and its
// elicitation handler answers a task-augmented `elicitation/create` with a CreateTaskResult,
// finishing the task later (`storeTaskResult`, which pushes `notifications/tasks/status`).
// Usage: node ts_hosting_client.mjs URL [complete|cancel]
//   complete  calls `approve_via_client_task` (call-and-wait, then explicit form); the
//             server follows the client's task with tasks/get + tasks/result.
//   cancel    calls it as a server task whose client-hosted elicitation never ends, cancels
//             the server task, and waits for the server to cancel the client's task.
// Prints one JSON line.
import { firstText, run, sdk, sdkVersion } from './sdk.mjs';

const url = process.argv[2];
const mode = process.argv[3] ?? 'complete';
if (!url) {
  console.error('usage: node ts_hosting_client.mjs URL [complete|cancel]');
  process.exit(64);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

run(async () => {
  const { Client } = await sdk('client/index.js');
  const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');
  const { InMemoryTaskStore } = await sdk('experimental/tasks/stores/in-memory.js');
  const { CallToolResultSchema, ElicitRequestSchema } = await sdk('types.js');

  const taskStore = new InMemoryTaskStore();
  const client = new Client(
    { name: 'interop-ts-hosting-client', version: '1.0.0' },
    {
      capabilities: {
        elicitation: { form: {} },
        tasks: { list: {}, cancel: {}, requests: { elicitation: { create: {} } } },
      },
      taskStore,
    },
  );
  const hosted = [];
  let plain = 0;
  client.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
    const answer = { action: 'accept', content: { name: 'Ada' } };
    if (!request.params.task) {
      plain += 1;
      return answer;
    }
    const task = await extra.taskStore.createTask({
      ttl: request.params.task.ttl ?? 60000,
      pollInterval: 100,
    });
    hosted.push(task.taskId);
    if (mode === 'complete') {
      // The user answers a little later.
      (async () => {
        await sleep(300);
        await extra.taskStore.storeTaskResult(task.taskId, 'completed', answer);
      })();
    }
    return { task };
  });

  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  const report = { sdk: `@modelcontextprotocol/sdk@${sdkVersion}`, mode };

  if (mode === 'complete') {
    const wait = await client.callTool({ name: 'approve_via_client_task', arguments: {} });
    const explicit = await client.callTool({
      name: 'approve_via_client_task',
      arguments: { explicit: true },
    });
    report.callAndWait = firstText(wait.content, 'call-and-wait');
    report.explicit = firstText(explicit.content, 'explicit');
  } else {
    const stream = client.experimental.tasks.callToolStream(
      { name: 'approve_via_client_task', arguments: {} },
      CallToolResultSchema,
      { task: { ttl: 60000 } },
    );
    for await (const message of stream) {
      if (message.type === 'taskCreated') {
        report.serverTask = message.task.taskId;
        break;
      }
      if (message.type === 'error') throw new Error(`stream error: ${message.error?.message}`);
    }
    if (!report.serverTask) throw new Error('the server ran the call without a task');
    for (let i = 0; i < 300 && hosted.length === 0; i++) await sleep(50);
    if (hosted.length === 0) throw new Error('the server never sent a task-augmented elicitation');
    report.hostedBeforeCancel = (await taskStore.getTask(hosted[0])).status;
    await client.experimental.tasks.cancelTask(report.serverTask);
    let status = null;
    for (let i = 0; i < 300; i++) {
      status = (await taskStore.getTask(hosted[0]))?.status ?? null;
      if (status === 'cancelled') break;
      await sleep(50);
    }
    report.hostedAfterCancel = status;
    report.serverFinal = (await client.experimental.tasks.getTask(report.serverTask)).status;
  }
  report.hosted = [];
  for (const id of hosted) {
    const t = await taskStore.getTask(id);
    report.hosted.push({ taskId: id, status: t?.status ?? null });
  }
  report.plainElicitations = plain;
  console.log(JSON.stringify(report));
  await transport.terminateSession();
  await client.close();
});
