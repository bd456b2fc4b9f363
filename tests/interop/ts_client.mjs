// Interop: the official TypeScript SDK's Streamable HTTP client against an MCP server.
// Usage: node ts_client.mjs URL
// Calls the tool `greet {name}`, reads `test://static-text`, gets the prompt
// `test_prompt_with_arguments`, and prints one JSON line with what it got.
import { firstText, run, sdk, sdkVersion } from './sdk.mjs';

const url = process.argv[2];
if (!url) {
  console.error('usage: node ts_client.mjs URL');
  process.exit(64);
}

run(async () => {
  const { Client } = await sdk('client/index.js');
  const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');
  const client = new Client({ name: 'interop-ts-client', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);

  const tools = await client.listTools();
  const tool = await client.callTool({ name: 'greet', arguments: { name: 'Ada' } });
  if (tool.isError) throw new Error(`greet failed: ${JSON.stringify(tool)}`);
  const resource = await client.readResource({ uri: 'test://static-text' });
  const contents = resource.contents.find((c) => c.uri === 'test://static-text');
  if (!contents || typeof contents.text !== 'string') {
    throw new Error(`resource: no text contents in ${JSON.stringify(resource)}`);
  }
  const prompt = await client.getPrompt({
    name: 'test_prompt_with_arguments',
    arguments: { arg1: 'a', arg2: 'b' },
  });
  const message = prompt.messages[0];
  if (message?.content?.type !== 'text') throw new Error(`prompt: ${JSON.stringify(prompt)}`);

  console.log(
    JSON.stringify({
      sdk: `@modelcontextprotocol/sdk@${sdkVersion}`,
      protocolVersion: transport.protocolVersion ?? null,
      sessionId: transport.sessionId ?? null,
      server: client.getServerVersion() ?? null,
      toolCount: tools.tools.length,
      tool: firstText(tool.content, 'greet'),
      resource: contents.text,
      prompt: { role: message.role, text: message.content.text },
    }),
  );
  await transport.terminateSession();
  await client.close();
});
