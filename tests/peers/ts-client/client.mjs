// A client on the official TypeScript SDK 1.x (npm @modelcontextprotocol/sdk, its experimental
// Tasks v1 client), graded by `mcp-tasks-check client`. Behaves like an application: lists the
// tools and calls each, as a task (`client.experimental.tasks.callToolStream`) when the tool's
// execution.taskSupport allows it, answering elicitations with a value per requested field;
// with MCP_CONFORMANCE_SCENARIO=tasks-client-cancel it cancels each task it starts instead.
// Usage: node client.mjs URL   (the SDK 1.x speaks 2025-11-25 over Streamable HTTP only)
import { run, sdk } from '../../interop/sdk.mjs';

const url = process.argv[2];
if (!url?.startsWith('http')) {
  console.error('usage: node client.mjs URL (Streamable HTTP only)');
  process.exit(64);
}
const cancel = process.env.MCP_CONFORMANCE_SCENARIO === 'tasks-client-cancel';

run(async () => {
  const { Client } = await sdk('client/index.js');
  const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');
  const { CallToolResultSchema, ElicitRequestSchema } = await sdk('types.js');
  const client = new Client(
    { name: 'ts-sdk-conformance-client', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} } } },
  );
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    const props = request.params.requestedSchema?.properties ?? {};
    const content = Object.fromEntries(Object.keys(props).map((k) => [k, `answer-${k}`]));
    console.error(`[ts-client] elicitation ${JSON.stringify(request.params.message)} -> ${JSON.stringify(content)}`);
    return { action: 'accept', content };
  });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  const { tools } = await client.listTools();
  for (const tool of tools) {
    const support = tool.execution?.taskSupport ?? 'forbidden';
    try {
      if (support === 'forbidden') {
        const r = await client.callTool({ name: tool.name, arguments: {} });
        console.error(`[ts-client] ${tool.name} -> ${JSON.stringify(r)}`);
        continue;
      }
      const stream = client.experimental.tasks.callToolStream(
        { name: tool.name, arguments: {} },
        CallToolResultSchema,
        { task: { ttl: 60000 } },
      );
      for await (const m of stream) {
        console.error(`[ts-client] ${tool.name}: ${m.type} ${JSON.stringify(m.task ?? m.result ?? m.error ?? {})}`);
        if (cancel && m.type === 'taskCreated') {
          await client.experimental.tasks.cancelTask(m.task.taskId);
          console.error(`[ts-client] cancelled ${m.task.taskId}`);
          break;
        }
      }
    } catch (e) {
      console.error(`[ts-client] ${tool.name} failed: ${e?.message ?? e}`);
    }
  }
  await transport.terminateSession().catch(() => {});
  await client.close();
}, 50000);
