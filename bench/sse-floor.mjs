// The least work the streaming path can do on the large SSE answers of
// bench/sse.mjs when it parses every event that holds a secret (and passes
// the others on untouched, at no cost): for those events only, decode the
// bytes, JSON.parse, JSON.stringify, encode, and one RE2 scan for the
// policy's three response patterns. No replacement, no SSE framing, no
// prefilter over the other events, no garbage from a network stream: a
// lower bound, in one process, best of 15 passes.
//
//   node bench/sse-floor.mjs [--sizes-mib 1,8]
//
// Compare the sum with the bare proxy's time to last byte in bench/sse.mjs:
// the streaming target (mcpgw at most 2x that time) leaves one bare time for
// everything the gateway does.

import { parseArgs } from 'node:util';
import RE2 from 're2';
import { buildSsePayload, REDACTED_PATTERNS } from './http/sse-payload.mjs';

const { values } = parseArgs({ options: { 'sizes-mib': { type: 'string', default: '1,8' } } });

for (const mib of values['sizes-mib'].split(',').map(Number)) {
  const { body } = buildSsePayload({ bytes: mib * 2 ** 20, eventBytes: 4096, id: 1 });
  const events = body
    .split('\n\n')
    .filter((event) => event !== '')
    .map((event) => Buffer.from(event.slice(event.indexOf('data: ') + 'data: '.length)));
  const holdsSecret = (bytes) => REDACTED_PATTERNS.some((pattern) => new RegExp(pattern.source).test(bytes.toString()));
  const hot = events.filter(holdsSecret);
  const hotBytes = hot.reduce((sum, bytes) => sum + bytes.length, 0);
  const scan = new RE2(REDACTED_PATTERNS.map((pattern) => pattern.source).join('|'), 'g');
  const texts = hot.map((bytes) => bytes.toString());
  const values = texts.map((text) => JSON.parse(text));
  const steps = {
    decode: () => hot.forEach((bytes) => bytes.toString()),
    'JSON.parse': () => texts.forEach((text) => JSON.parse(text)),
    'JSON.stringify': () => values.forEach((value) => JSON.stringify(value)),
    encode: () => texts.forEach((text) => Buffer.from(text)),
    'RE2 scan': () =>
      hot.forEach((bytes) => {
        scan.lastIndex = 0;
        while (scan.exec(bytes) !== null);
      }),
  };
  const best = {};
  for (const [name, step] of Object.entries(steps)) {
    let min = Infinity;
    for (let pass = 0; pass < 15; pass++) {
      const start = performance.now();
      step();
      min = Math.min(min, performance.now() - start);
    }
    best[name] = Math.round(min * 100) / 100;
  }
  const sum = Object.values(best).reduce((a, b) => a + b, 0);
  const share = Math.round((100 * hotBytes) / Buffer.byteLength(body));
  console.log(`${mib} MiB: ${hot.length} of ${events.length} events hold a secret, ${share}% of the bytes`);
  console.log(`  ${Object.entries(best).map(([name, ms]) => `${name} ${ms} ms`).join(', ')}; sum ${sum.toFixed(2)} ms`);
}
