// The tools of the recording test servers, in plain JavaScript so that both
// servers run them: the HTTP upstream (recording-upstream.ts, in the test
// process) and the stdio server (test/stdio/recording-server.mjs, a process
// of its own that node runs as it is). The "leaky" tools carry the secrets
// the secret-leak tests need; `exec` must never run.

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CreateMessageResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

export const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
export const GITHUB_TOKEN = `ghp_${'a1B2c3D4e5'.repeat(3)}abcdef`;
/** Both redact patterns of the test policy, to search raw bytes with. */
export const SECRET_PATTERN = /AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36}/;
/** A base64 `blob` whose decoded bytes carry AWS_KEY (the patterns cannot see it). */
export const BLOB_WITH_SECRET = Buffer.from(`key=${AWS_KEY}`).toString('base64');

/**
 * An MCP SDK server with the recording tools (echo, exec, search,
 * get_config, fail, throws, keys, chatty, slow, ask) and two resources; each
 * tool that runs is pushed onto `executed`.
 * @param {Array<{ tool: string, args: Record<string, unknown> }>} executed
 * @returns {McpServer}
 */
export function buildRecordingServer(executed) {
  const server = new McpServer({ name: 'recording-upstream', version: '1.0.0' }, { capabilities: { logging: {} } });
  const ran = (tool, args) => executed.push({ tool, args });

  server.registerTool('echo', { inputSchema: { text: z.string().optional() } }, async (args) => {
    ran('echo', args);
    return { content: [{ type: 'text', text: String(args.text ?? '') }] };
  });
  server.registerTool('exec', { inputSchema: { cmd: z.string().optional() } }, async (args) => {
    ran('exec', args);
    return { content: [{ type: 'text', text: `ran ${String(args.cmd)}` }] };
  });
  server.registerTool('search', { inputSchema: { q: z.string().optional() } }, async (args) => {
    ran('search', args);
    return { content: [{ type: 'text', text: `results for ${args.q ?? ''}` }] };
  });
  server.registerTool(
    'get_config',
    { outputSchema: { aws: z.string(), nested: z.object({ token: z.string() }) } },
    async () => {
      ran('get_config', {});
      return {
        content: [{ type: 'text', text: `aws=${AWS_KEY} github=${GITHUB_TOKEN}` }],
        structuredContent: { aws: AWS_KEY, nested: { token: GITHUB_TOKEN } },
      };
    },
  );
  server.registerTool('fail', {}, async () => {
    ran('fail', {});
    return { content: [{ type: 'text', text: `failed with ${AWS_KEY}` }], structuredContent: { why: GITHUB_TOKEN }, isError: true };
  });
  server.registerTool('throws', {}, async () => {
    ran('throws', {});
    throw new Error(`boom: ${AWS_KEY}`);
  });
  server.registerTool('keys', {}, async () => {
    ran('keys', {});
    // A secret as an object KEY of the result.
    return { content: [{ type: 'text', text: 'see structuredContent' }], structuredContent: { [AWS_KEY]: 'value', nested: { [GITHUB_TOKEN]: { [AWS_KEY]: 1 } } } };
  });
  server.registerTool('chatty', {}, async (extra) => {
    ran('chatty', {});
    const token = extra._meta?.progressToken;
    if (token !== undefined) {
      await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 2, message: `progress ${AWS_KEY}` } });
    }
    // A logging notification on the request's own stream.
    await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', logger: `logger-${GITHUB_TOKEN}`, data: { line: `log ${AWS_KEY}` } } });
    return { content: [{ type: 'text', text: 'chatty done' }] };
  });
  server.registerTool('slow', { inputSchema: { ms: z.number().optional() } }, async (args, extra) => {
    ran('slow', args);
    const token = extra._meta?.progressToken;
    const steps = 5;
    for (let i = 1; i <= steps; i++) {
      await new Promise((resolve) => setTimeout(resolve, (args.ms ?? 500) / steps));
      if (extra.signal.aborted) return { content: [{ type: 'text', text: 'cancelled' }] };
      if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: steps } });
    }
    return { content: [{ type: 'text', text: 'slow done' }] };
  });
  server.registerTool('ask', {}, async (extra) => {
    ran('ask', {});
    const answer = await extra.sendRequest(
      {
        method: 'sampling/createMessage',
        params: { messages: [{ role: 'user', content: { type: 'text', text: `summarize ${GITHUB_TOKEN}` } }], systemPrompt: `key ${AWS_KEY}`, maxTokens: 10 },
      },
      CreateMessageResultSchema,
    );
    return { content: [{ type: 'text', text: `client said: ${answer.content.type === 'text' ? answer.content.text : ''}` }] };
  });
  server.registerResource('settings', 'file:///settings.env', { mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: `AWS_ACCESS_KEY_ID=${AWS_KEY}` }],
  }));
  server.registerResource('blob', 'file:///key.bin', { mimeType: 'application/octet-stream' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'application/octet-stream', blob: BLOB_WITH_SECRET }],
  }));
  return server;
}
