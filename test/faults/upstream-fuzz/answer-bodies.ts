// Bodies a hostile upstream answers with: JSON-RPC messages carrying secrets
// in every place a message has (strings, object keys, structuredContent,
// error messages, ids, method names, a tools/list offering a denied tool),
// and the same text broken in the ways a parser must survive: escaped
// secrets, invalid UTF-8, duplicate keys, nesting past 1,000 levels,
// truncation, huge strings. (SSE streams of them: sse-bodies.ts.)

import type { Random } from '../random.js';
import type { ClientCall } from './client-calls.js';

/** Secrets the policy redacts: `AKIA[0-9A-Z]{16}` and `ghp_[A-Za-z0-9]{36}`. */
export const SECRET_PATTERN = /AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36}/;

const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM = `${UPPER_DIGITS}abcdefghijklmnopqrstuvwxyz`;

/** What one answer's bodies were built from, so that text-level mutations can find its secrets. */
export interface BodyContext {
  readonly g: Random;
  readonly call: ClientCall;
  readonly secrets: string[];
  readonly labels: string[];
}

/** A fresh random secret of either kind, remembered in `ctx`. */
export function secret(ctx: BodyContext): string {
  const { g } = ctx;
  const value = g.chance(0.5)
    ? `AKIA${Array.from({ length: 16 }, () => g.pick([...UPPER_DIGITS])).join('')}`
    : `ghp_${Array.from({ length: 36 }, () => g.pick([...ALNUM])).join('')}`;
  ctx.secrets.push(value);
  return value;
}

/** Text with one to three secrets among words, non-ASCII and control characters. */
export function secretText(ctx: BodyContext): string {
  const { g } = ctx;
  const parts: string[] = [];
  for (let i = 0, n = g.between(1, 3); i < n; i++) {
    parts.push(g.pick(['key', 'token:', 'é', '█', '日本', '\t', '😀', 'x', '', '"', '\\', '\u2028']), secret(ctx));
  }
  parts.push(g.pick(['', '.', 'Z', '0', ' end']));
  return parts.join(g.pick(['', ' ', '=', '/']));
}

function resultFor(ctx: BodyContext, method: string): Record<string, unknown> {
  const { g } = ctx;
  if (method === 'tools/list' && g.chance(0.7)) return toolsList(ctx);
  const shape = g.int(5);
  if (shape === 0) return {};
  if (shape === 1) return { content: [{ type: 'text', text: secretText(ctx) }] };
  if (shape === 2) return { content: [{ type: 'text', text: 'ok' }], structuredContent: { [secret(ctx)]: secretText(ctx), nested: [{ deeper: { value: secretText(ctx) } }] } };
  if (shape === 3) return { contents: [{ uri: `file:///${secret(ctx)}`, text: secretText(ctx) }], _meta: { note: secretText(ctx) } };
  return { content: [{ type: 'text', text: secretText(ctx) }], isError: true };
}

/** A tools/list result offering the denied tool `exec` (and a tool whose name and description hold secrets). */
function toolsList(ctx: BodyContext): Record<string, unknown> {
  ctx.labels.push('tools/list offering exec');
  const schema = { type: 'object', properties: { command: { type: 'string', description: secretText(ctx) } } };
  const tools = [
    { name: 'echo', description: 'echoes', inputSchema: { type: 'object' } },
    { name: 'exec', description: `runs a command ${secretText(ctx)}`, inputSchema: schema },
    { name: `tool-${secret(ctx)}`, description: secretText(ctx), inputSchema: { type: 'object' } },
  ];
  return { tools: ctx.g.chance(0.5) ? tools : tools.reverse() };
}

/** How an answer names the request it answers: mostly its id, sometimes a lookalike or a secret. */
function answerId(ctx: BodyContext, id: number): unknown {
  const { g } = ctx;
  const how = g.weighted<string>([
    [80, 'same'],
    [5, 'string'],
    [4, 'other'],
    [3, 'null'],
    [3, 'missing'],
    [3, 'secret'],
    [2, 'array'],
  ]);
  if (how !== 'same') ctx.labels.push(`answer id: ${how}`);
  if (how === 'same') return id;
  if (how === 'string') return String(id);
  if (how === 'other') return id + 7;
  if (how === 'null') return null;
  if (how === 'missing') return undefined;
  if (how === 'secret') return secret(ctx);
  return [id];
}

function responseTo(ctx: BodyContext, request: { id: number; method: string }): Record<string, unknown> {
  const { g } = ctx;
  const id = answerId(ctx, request.id);
  const message: Record<string, unknown> = { jsonrpc: '2.0' };
  if (id !== undefined) message['id'] = id;
  if (g.chance(0.15)) {
    message['error'] = { code: g.pick([-32603, -32000, -32002, 42]), message: secretText(ctx), data: g.chance(0.5) ? { detail: secretText(ctx), [secret(ctx)]: 1 } : secretText(ctx) };
  } else {
    message['result'] = resultFor(ctx, request.method);
  }
  if (g.chance(0.05)) {
    ctx.labels.push('secret in an unknown top-level field');
    message['extra'] = secretText(ctx);
  }
  return message;
}

export function serverMessage(ctx: BodyContext): Record<string, unknown> {
  const { g } = ctx;
  switch (g.int(5)) {
    case 0:
      return { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', logger: secretText(ctx), data: secretText(ctx) } };
    case 1:
      return { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 0.5, message: secretText(ctx) } };
    case 2:
      return { jsonrpc: '2.0', id: `srv-${g.int(1000)}`, method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: secretText(ctx) } }], maxTokens: 10 } };
    case 3:
      ctx.labels.push('secret in a notification method name');
      return { jsonrpc: '2.0', method: `notifications/${secret(ctx)}`, params: {} };
    default:
      return { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: `file:///${secretText(ctx)}` } };
  }
}

/** The JSON-RPC messages of an answer: responses to the call's requests, maybe with server messages around them. */
export function messagesFor(ctx: BodyContext): Array<Record<string, unknown>> {
  const { g, call } = ctx;
  const out: Array<Record<string, unknown>> = [];
  if (g.chance(0.2)) out.push(serverMessage(ctx));
  const requests = call.requests.length > 0 ? call.requests : [{ id: 1, method: 'tools/call' }];
  for (const request of requests) if (g.chance(0.9)) out.push(responseTo(ctx, request));
  if (g.chance(0.15)) out.push(serverMessage(ctx));
  return out.length > 0 ? out : [serverMessage(ctx)];
}

/** A JSON text (one message, or a batch array) before any text-level mutation. */
function messageText(ctx: BodyContext, messages: Array<Record<string, unknown>>): string {
  const value = messages.length === 1 && !(ctx.call.requests.length > 1 && ctx.g.chance(0.7)) ? messages[0] : messages;
  return ctx.g.chance(0.1) ? `\n  ${JSON.stringify(value, null, 2)}\n` : JSON.stringify(value);
}

/** Nesting of `depth` arrays or objects around a secret, as a result. */
export function deepText(ctx: BodyContext, depth: number): string {
  const id = ctx.call.requests[0]?.id ?? 1;
  const object = ctx.g.chance(0.5);
  const open = object ? '{"a":'.repeat(depth) : '['.repeat(depth);
  const close = object ? '}'.repeat(depth) : ']'.repeat(depth);
  return `{"jsonrpc":"2.0","id":${id},"result":{"content":[{"type":"text","text":${JSON.stringify(secretText(ctx))}}],"structuredContent":${open}${JSON.stringify(secretText(ctx))}${close}}}`;
}

/** A secret with some of its characters written as \uXXXX escapes (the same string once parsed). */
function escaped(g: Random, value: string): string {
  return [...value].map((c, i) => (i === 0 || g.chance(0.3) ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('');
}

const INVALID_UTF8 = [Buffer.from([0xff]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x96]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), Buffer.from([0x80])];

/** Inserts invalid UTF-8 next to each secret (or at a random place). */
function withInvalidUtf8(ctx: BodyContext, text: string): Buffer {
  const { g } = ctx;
  let bytes = Buffer.from(text, 'utf8');
  const bad = g.pick(INVALID_UTF8);
  const target = ctx.secrets.find((s) => bytes.includes(s));
  const at = target === undefined ? g.int(bytes.length + 1) : bytes.indexOf(target) + (g.chance(0.5) ? 0 : target.length);
  bytes = Buffer.concat([bytes.subarray(0, at), bad, bytes.subarray(at)]);
  return bytes;
}

/** A JSON text mutated in one of the ways an upstream can break or disguise it; returns UTF-8 bytes (maybe invalid). */
export function mutatedJson(ctx: BodyContext, text: string): Buffer {
  const { g } = ctx;
  const how = g.weighted<string>([
    [55, 'as is'],
    [8, 'escaped secret'],
    [6, 'invalid UTF-8'],
    [6, 'duplicate keys'],
    [6, 'truncated'],
    [3, 'lone surrogate'],
    [3, 'BOM'],
    [3, 'trailing garbage'],
  ]);
  if (how !== 'as is') ctx.labels.push(`json: ${how}`);
  switch (how) {
    case 'escaped secret': {
      let out = text;
      for (const s of ctx.secrets) out = out.replace(s, escaped(g, s));
      return Buffer.from(out);
    }
    case 'invalid UTF-8':
      return withInvalidUtf8(ctx, text);
    case 'duplicate keys': {
      const hidden = JSON.stringify({ content: [{ type: 'text', text: secretText(ctx) }] });
      const first = g.chance(0.5);
      const out = text.replace(/"(result|error|id)":/, (match) => (first ? `"result":${hidden},${match}` : `${match}${hidden},${match}`));
      return Buffer.from(out.replace(/"text":/, `"text":${JSON.stringify(secretText(ctx))},"text":`));
    }
    case 'truncated': {
      const bytes = Buffer.from(text);
      return bytes.subarray(0, g.int(bytes.length));
    }
    case 'lone surrogate':
      return Buffer.from(text.replace(/"text":"/, '"text":"\\ud800').replace(/"(AKIA|ghp_)/, '"\\udfff$1'));
    case 'BOM':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    case 'trailing garbage':
      return Buffer.from(`${text}${g.pick(['}', ' x', '\n{"jsonrpc":"2.0"}', `\n${JSON.stringify(secretText(ctx))}`])}`);
    default:
      return Buffer.from(text);
  }
}

/** A JSON body: messages (mutated or not), nesting past the limit, a huge string, a bare value, or nothing. */
export function jsonBody(ctx: BodyContext): Buffer {
  const { g } = ctx;
  const kind = g.weighted<string>([
    [70, 'messages'],
    [6, 'deep'],
    [3, 'deep, under the limit'],
    [3, 'huge'],
    [4, 'empty'],
    [5, 'bare value'],
  ]);
  ctx.labels.push(`json body: ${kind}`);
  switch (kind) {
    case 'deep':
      return Buffer.from(deepText(ctx, g.between(1_001, 1_500)));
    case 'deep, under the limit':
      return Buffer.from(deepText(ctx, g.between(900, 990)));
    case 'huge': {
      const id = ctx.call.requests[0]?.id ?? 1;
      const filler = 'é'.repeat(g.between(256, 1024) * 1024);
      const text = `${secret(ctx)}${filler.slice(0, 65_531)}${secret(ctx)}${filler}${secret(ctx)}`;
      return Buffer.from(JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } }));
    }
    case 'empty':
      return Buffer.alloc(0);
    case 'bare value':
      return Buffer.from(JSON.stringify(g.pick([null, 42, secretText(ctx), [secretText(ctx), { [secret(ctx)]: true }], true])));
    default:
      return mutatedJson(ctx, messageText(ctx, messagesFor(ctx)));
  }
}

/** A non-JSON body: text or an HTML error page with secrets, or random bytes. */
export function textBody(ctx: BodyContext): Buffer {
  const { g } = ctx;
  const kind = g.weighted<string>([
    [5, 'text'],
    [2, 'html'],
    [1, 'bytes'],
    [1, 'empty'],
  ]);
  ctx.labels.push(`text body: ${kind}`);
  if (kind === 'text') return Buffer.from(`${secretText(ctx)}\n${secretText(ctx)}`);
  if (kind === 'html') return Buffer.from(`<html><body><h1>500</h1><pre>${secretText(ctx)}</pre></body></html>`);
  if (kind === 'bytes') return Buffer.concat([g.bytes(g.int(200)), Buffer.from(secret(ctx)), g.bytes(g.int(200))]);
  return Buffer.alloc(0);
}
