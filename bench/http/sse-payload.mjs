// The large SSE answer of the benchmark upstream's tool "big", and what the
// benchmark policy must turn it into. Deterministic for given arguments, so
// the upstream (which sends it) and bench/sse.mjs (which checks what arrives)
// build the very same bytes.
//
// The body: `notifications/message` events (every 10th a
// `notifications/progress`) of about `eventBytes` bytes each, whose text is
// log-like prose, JSON log lines, config and stack traces (bench/lib/corpus.mjs),
// then one `tools/call` result whose content[0].text is one large text
// (`resultBytes`, 1 MiB by default). Secrets the benchmark policy redacts
// (AWS key ids, GitHub tokens, internal host names) are spread through both,
// one injected line about every `secretEvery` bytes, besides the few AWS and
// GitHub keys the corpus holds among its other (not redacted) secrets.

import { buildCorpus } from '../lib/corpus.mjs';
import { ALPHA, createRandom } from '../lib/random.mjs';
import { BENCH_POLICY_RULES } from './policy.mjs';

/** The redact patterns of the benchmark policy (bench/http/policy.mjs) that apply to responses, in rule order. */
export const REDACTED_PATTERNS = [/AKIA[0-9A-Z]{16}/g, /ghp_[A-Za-z0-9]{36}/g, /internal-host-[0-9]+/g];
for (const pattern of REDACTED_PATTERNS) {
  if (!BENCH_POLICY_RULES.includes(`"${pattern.source}"`)) throw new Error(`${pattern.source} is not a pattern of bench/http/policy.mjs`);
}
/** The policy's replacement text (its redact rules set none: the default). */
export const REPLACEMENT = '[REDACTED]';

const INJECTED = [
  (rng) => `${stamp(rng)} INFO  deploy: aws configure set aws_access_key_id AKIA${rng.chars(ALPHA.base32, 16)} --profile ci\n`,
  (rng) => `${stamp(rng)} DEBUG git: fetching https://x-access-token:ghp_${rng.chars(ALPHA.alnum, 36)}@github.com/acme/app.git (depth 1)\n`,
  (rng) => `${stamp(rng)} WARN  pool: connection to internal-host-${rng.int(4000)}:5432 reset, retrying in ${rng.int(900)} ms\n`,
];
const stamp = (rng) => new Date(1_760_000_000_000 + rng.int(86_400_000)).toISOString();
const LEVELS = ['info', 'info', 'info', 'debug', 'notice', 'warning', 'error'];

/**
 * Builds the SSE body for `tools/call` "big" with request id `id`: about
 * `bytes` bytes in all (UTF-8, SSE framing included). Returns the body, the
 * body as the policy must leave it (every match of REDACTED_PATTERNS replaced,
 * pattern after pattern), the number of secrets in it, and event counts.
 */
export function buildSsePayload({ bytes, eventBytes = 4096, resultBytes = Math.min(1 << 20, Math.floor(bytes / 2)), secretEvery = 16_384, seed = 7, id = 1 }) {
  const rng = createRandom(seed);
  // Lines of realistic text, about as many bytes as the body will carry (secrets of the corpus included: 40 a MiB, 22 kinds).
  const corpusBytes = bytes + (1 << 16);
  const lines = buildCorpus({ bytes: corpusBytes, secrets: Math.max(1, Math.round((40 * corpusBytes) / (1 << 20))), seed }).text.split(/(?<=\n)/);
  let next = 0;
  let sinceSecret = 0;
  let injected = 0;
  /** The next line of text, and its size once in a JSON string (UTF-8, escapes included). */
  const line = () => {
    let text;
    if (sinceSecret >= secretEvery) {
      sinceSecret = 0;
      text = INJECTED[injected++ % INJECTED.length](rng);
    } else {
      text = lines[next++ % lines.length];
      sinceSecret += text.length;
    }
    return { text, size: Buffer.byteLength(JSON.stringify(text)) - 2 };
  };
  /** Lines of text until their JSON-escaped size reaches `target` bytes. */
  const textOf = (target) => {
    const parts = [];
    for (let size = 0; size < target; ) {
      const next = line();
      parts.push(next.text);
      size += next.size;
    }
    return parts.join('');
  };
  const event = (message) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;

  // Notification events, until what is left is the result's share.
  const events = [];
  let size = 0;
  let notifications = 0;
  while (size + eventBytes + resultBytes <= bytes) {
    notifications++;
    const text = textOf(eventBytes - 160); // the envelope of a notification is under 160 bytes
    const message =
      notifications % 10 === 0
        ? { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: id, progress: notifications, message: text } }
        : { jsonrpc: '2.0', method: 'notifications/message', params: { level: LEVELS[rng.int(LEVELS.length)], logger: 'build', data: text } };
    const out = event(message);
    events.push(out);
    size += Buffer.byteLength(out);
  }
  const result = event({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: textOf(bytes - size - 100) }] } });
  events.push(result);

  const body = events.join('');
  // The policy redacts parsed strings; these patterns can match neither a quote nor a backslash, so on the
  // serialized text they find the same matches and leave the same bytes (the gateway re-serializes with JSON.stringify).
  let redacted = body;
  const secrets = {};
  for (const pattern of REDACTED_PATTERNS) {
    secrets[pattern.source] = redacted.match(pattern)?.length ?? 0;
    redacted = redacted.replace(pattern, REPLACEMENT);
  }
  return {
    body,
    redacted,
    secrets: Object.values(secrets).reduce((a, b) => a + b, 0),
    secretsByPattern: secrets,
    notifications,
    resultEventBytes: Buffer.byteLength(result),
  };
}
