// Interop: the official TypeScript SDK 1.x experimental tasks client (Tasks v1, protocol
// 2025-11-25) against an MCP server. Usage: node ts_tasks.mjs URL
// Runs `confirm_delete {filename}` as a task through `client.experimental.tasks.callToolStream`,
// answers the server's mid-task `elicitation/create` with {action:"accept",content:{confirm:true}}
// from the client's elicitation handler, consumes the stream to its end and prints one JSON line.
import { firstText, run, sdk, sdkVersion } from './sdk.mjs';

const url = process.argv[2];
if (!url) {
  console.error('usage: node ts_tasks.mjs URL');
  process.exit(64);
}
const RELATED_TASK = 'io.modelcontextprotocol/related-task';

run(async () => {
  const { Client } = await sdk('client/index.js');
  const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');
  const { CallToolResultSchema, ElicitRequestSchema } = await sdk('types.js');

  const client = new Client(
    { name: 'interop-ts-tasks', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} } } },
  );
  const elicitations = [];
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    elicitations.push({
      message: request.params.message,
      relatedTaskId: request.params._meta?.[RELATED_TASK]?.taskId ?? null,
      requestedSchema: request.params.requestedSchema,
    });
    return { action: 'accept', content: { confirm: true } };
  });

  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  const tools = await client.listTools();
  const tool = tools.tools.find((t) => t.name === 'confirm_delete');
  if (!tool) throw new Error('the server has no confirm_delete tool');

  const filename = 'important.txt';
  const stream = client.experimental.tasks.callToolStream(
    { name: 'confirm_delete', arguments: { filename } },
    CallToolResultSchema,
    { task: { ttl: 60000 } },
  );
  let taskId = null;
  const statuses = [];
  let result = null;
  for await (const message of stream) {
    switch (message.type) {
      case 'taskCreated':
        taskId = message.task.taskId;
        statuses.push(message.task.status);
        break;
      case 'taskStatus':
        statuses.push(message.task.status);
        break;
      case 'result':
        result = message.result;
        break;
      case 'error':
        throw new Error(`task stream error: ${message.error?.message ?? message.error}`);
      default:
        throw new Error(`unexpected stream message ${JSON.stringify(message)}`);
    }
  }
  if (!taskId) throw new Error('the stream never reported a created task');
  if (!result) throw new Error('the stream ended without a result');
  if (result.isError) throw new Error(`the task failed: ${JSON.stringify(result)}`);
  const task = await client.experimental.tasks.getTask(taskId);

  console.log(
    JSON.stringify({
      sdk: `@modelcontextprotocol/sdk@${sdkVersion}`,
      protocolVersion: transport.protocolVersion ?? null,
      taskSupport: tool.execution?.taskSupport ?? null,
      taskId,
      statuses,
      finalStatus: task.status,
      elicitations,
      text: firstText(result.content, 'confirm_delete'),
    }),
  );
  await transport.terminateSession();
  await client.close();
});
