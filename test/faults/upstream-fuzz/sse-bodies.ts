// SSE streams a hostile upstream answers with: the messages of
// answer-bodies.ts as events (mutated or not, data lines with or without the
// space, split across lines), events whose `id:`, `event:`, `retry:`,
// comment and unknown lines carry secrets, CR, LF and CRLF line ends, a BOM,
// a last event without its blank line.

import { secret, secretText, deepText, messagesFor, mutatedJson, serverMessage, type BodyContext } from './answer-bodies.js';

/** An SSE stream, with the byte ranges of its events (to cut one in the middle). */
export interface SseBody {
  readonly bytes: Buffer;
  readonly events: ReadonlyArray<readonly [number, number]>;
}

export function sseBody(ctx: BodyContext): SseBody {
  const { g } = ctx;
  const eol = g.weighted<() => string>([
    [14, () => '\n'],
    [4, () => '\r\n'],
    [1, () => '\r'],
    [1, () => g.pick(['\n', '\r\n', '\r'])],
  ]);
  const chunks: Buffer[] = [];
  const events: Array<[number, number]> = [];
  let at = 0;
  const add = (bytes: Buffer, isEvent: boolean) => {
    chunks.push(bytes);
    if (isEvent) events.push([at, at + bytes.length]);
    at += bytes.length;
  };
  if (g.chance(0.05)) add(Buffer.from([0xef, 0xbb, 0xbf]), false);
  const datas: Buffer[] = [];
  for (const message of messagesFor(ctx)) datas.push(g.chance(0.85) ? mutatedJson(ctx, JSON.stringify(message)) : Buffer.from(JSON.stringify(message)));
  if (g.chance(0.2)) datas.splice(g.int(datas.length + 1), 0, Buffer.from(g.pick([secretText(ctx), '[DONE]', '', `${secret(ctx).slice(0, 10)}\n${ctx.secrets[ctx.secrets.length - 1]?.slice(10)}`])));
  if (g.chance(0.05)) datas.splice(g.int(datas.length + 1), 0, Buffer.from(deepText(ctx, g.between(1_001, 1_300))));
  for (const data of datas) {
    const fields: string[] = [];
    if (g.chance(0.15)) fields.push(`id: ${g.chance(0.6) ? secretText(ctx) : String(g.int(100))}`);
    if (g.chance(0.1)) fields.push(`event: ${g.chance(0.6) ? secretText(ctx) : 'message'}`);
    if (g.chance(0.1)) fields.push(`: ${secretText(ctx)}`);
    if (g.chance(0.05)) fields.push(`retry: ${g.chance(0.5) ? secretText(ctx) : '1000'}`);
    if (g.chance(0.05)) fields.push(`x-unknown: ${secretText(ctx)}`);
    if (fields.length > 0) ctx.labels.push(`sse fields: ${fields.map((f) => f.split(':')[0] || 'comment').join(',')}`);
    const head = Buffer.from(fields.map((field) => `${field}${eol()}`).join(''));
    const lines = splitLines(data, g.chance(0.1));
    const noSpace = g.chance(0.2);
    const body = Buffer.concat(lines.map((line) => Buffer.concat([Buffer.from(noSpace ? 'data:' : 'data: '), line, Buffer.from(eol())])));
    add(Buffer.concat([head, body, Buffer.from(eol())]), true);
  }
  if (g.chance(0.1)) {
    ctx.labels.push('sse: last event without its blank line');
    add(Buffer.from(`data: ${JSON.stringify(serverMessage(ctx))}`), true);
  }
  return { bytes: Buffer.concat(chunks), events };
}

/** Data as `data:` lines: one line, or split at random places (a secret may straddle two lines). */
function splitLines(data: Buffer, split: boolean): Buffer[] {
  if (!split || data.length < 4) return [data];
  const at = Math.floor(data.length / 2);
  return [data.subarray(0, at), data.subarray(at)];
}

