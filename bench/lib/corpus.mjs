// A realistic tool-result text to redact: prose, JSON log lines, code and
// config snippets, stack traces, base64 blobs and ids (which look random but
// are not secrets), a little non-ASCII, and a few dozen secrets of common
// kinds sprinkled in. Deterministic for a given seed.

import { ALPHA, createRandom } from './random.mjs';

const WORDS = (
  'the a of to and in is for that with on as by this be are from at or an it not which have has was were will can ' +
  'request response server client tool policy gateway upstream session stream event message result error timeout ' +
  'retry cache build deploy release config value field index query search document file path user account team ' +
  'project region bucket cluster node service worker queue job task schedule report summary latency throughput ' +
  'model prompt context token window agent resource template notification progress cursor page limit offset ' +
  'quickly carefully usually often rarely always never first then later finally however because although while'
).split(' ');

const NON_ASCII = ['café', 'naïve', 'résumé', 'Zürich', 'São Paulo', '“quoted”', '— ', '€42', 'Ångström', '東京', 'façade', '✓'];

const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const HOSTS = ['api.internal', 'db-primary.prod', 'cache-2.eu-west-1', 'search.svc.cluster.local', 'files.example.com'];

function sentence(rng) {
  const length = 6 + rng.int(14);
  const words = [];
  for (let i = 0; i < length; i++) words.push(rng.next() < 0.01 ? rng.pick(NON_ASCII) : rng.pick(WORDS));
  const text = words.join(' ');
  return text[0].toUpperCase() + text.slice(1) + rng.pick(['.', '.', '.', '?', '!', ';']);
}

const uuid = (rng) =>
  `${rng.chars(ALPHA.hex, 8)}-${rng.chars(ALPHA.hex, 4)}-4${rng.chars(ALPHA.hex, 3)}-a${rng.chars(ALPHA.hex, 3)}-${rng.chars(ALPHA.hex, 12)}`;

/** Blocks of ordinary (secret-free) content. */
const BLOCKS = [
  (rng) => Array.from({ length: 2 + rng.int(5) }, () => sentence(rng)).join(' ') + '\n\n',
  (rng) =>
    JSON.stringify({
      ts: new Date(1_750_000_000_000 + rng.int(1e9)).toISOString(),
      level: rng.pick(['info', 'info', 'debug', 'warn', 'error']),
      msg: sentence(rng),
      request_id: uuid(rng),
      user: rng.pick(NAMES),
      latency_ms: rng.int(2000),
      trace_id: rng.chars(ALPHA.hex, 32),
    }) + '\n',
  (rng) =>
    `const ${rng.pick(WORDS)}Config = {\n  region: "${rng.pick(['eu-west-1', 'us-east-1', 'ap-south-1'])}",\n  bucket: "${rng.pick(WORDS)}-${rng.pick(WORDS)}",\n  retries: ${rng.int(9)},\n  endpoint: "https://${rng.pick(HOSTS)}/v${1 + rng.int(3)}/${rng.pick(WORDS)}",\n};\n`,
  (rng) =>
    `${rng.pick(WORDS)}:\n  enabled: ${rng.next() < 0.5}\n  host: ${rng.pick(HOSTS)}\n  port: ${1024 + rng.int(50000)}\n  tags: [${rng.pick(WORDS)}, ${rng.pick(WORDS)}]\n`,
  (rng) =>
    `Error: ${sentence(rng)}\n    at ${rng.pick(WORDS)}${rng.pick(['Handler', 'Service', 'Client'])} (/srv/app/src/${rng.pick(WORDS)}.js:${rng.int(900)}:${rng.int(80)})\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n`,
  (rng) => `sha256:${rng.chars(ALPHA.hex, 64)}  ${rng.pick(WORDS)}-${rng.int(100)}.tar.gz\n`,
  (rng) => `data:application/octet-stream;base64,${rng.chars(ALPHA.base64, 60 + rng.int(200))}==\n`,
  (rng) =>
    `| ${rng.pick(NAMES)} | ${rng.pick(WORDS)} | ${rng.int(100000)} | ${uuid(rng)} |\n`,
  (rng) => `{"type":"text","text":"${sentence(rng)} ${sentence(rng)}"}\n`,
];

/** Secrets in the context they usually leak in. */
const SECRETS = [
  (rng) => `export AWS_ACCESS_KEY_ID=AKIA${rng.chars(ALPHA.base32, 16)}\n`,
  (rng) => `aws_secret_access_key = ${rng.chars(ALPHA.base64, 40)}\n`,
  (rng) => `git remote set-url origin https://x-access-token:ghp_${rng.chars(ALPHA.alnum, 36)}@github.com/acme/app.git\n`,
  (rng) => `{"token":"gho_${rng.chars(ALPHA.alnum, 36)}","scope":"repo"}\n`,
  (rng) => `GITHUB_TOKEN=ghs_${rng.chars(ALPHA.alnum, 36)}\n`,
  (rng) => `token: github_pat_${rng.chars(ALPHA.alnum, 22)}_${rng.chars(ALPHA.alnum, 59)}\n`,
  (rng) => `CI_JOB_TOKEN glpat-${rng.chars(ALPHA.urlsafe, 20)} expires soon\n`,
  (rng) => `SLACK_BOT_TOKEN="xoxb-${rng.chars(ALPHA.digits, 12)}-${rng.chars(ALPHA.digits, 13)}-${rng.chars(ALPHA.alnum, 24)}"\n`,
  (rng) => `slack user: xoxp-${rng.chars(ALPHA.digits, 11)}-${rng.chars(ALPHA.digits, 12)}-${rng.chars(ALPHA.digits, 13)}-${rng.chars(ALPHA.hex, 32)}\n`,
  (rng) => `curl -X POST https://hooks.slack.com/services/T${rng.chars(ALPHA.upper + ALPHA.digits, 9)}/B${rng.chars(ALPHA.upper + ALPHA.digits, 9)}/${rng.chars(ALPHA.alnum, 24)} -d @msg.json\n`,
  (rng) => `Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ${rng.chars(ALPHA.urlsafe, 48)}.${rng.chars(ALPHA.urlsafe, 43)}\n`,
  (rng) =>
    `-----BEGIN RSA PRIVATE KEY-----\n${Array.from({ length: 6 }, () => rng.chars(ALPHA.base64, 64)).join('\n')}\n-----END RSA PRIVATE KEY-----\n`,
  (rng) => `stripe.api_key = "sk_live_${rng.chars(ALPHA.alnum, 32)}"\n`,
  (rng) => `<script src="https://maps.googleapis.com/maps/api/js?key=AIza${rng.chars(ALPHA.urlsafe, 35)}"></script>\n`,
  (rng) => `database:\n  user: app\n  password: "${rng.chars(ALPHA.alnum, 14)}"\n`,
  (rng) => `{"api_key": "${rng.chars(ALPHA.alnum, 32)}"}\n`,
  (rng) => `OPENAI_API_KEY=sk-proj-${rng.chars(ALPHA.urlsafe, 24)}T3BlbkFJ${rng.chars(ALPHA.urlsafe, 24)}\n`,
  (rng) => `//registry.npmjs.org/:_authToken=npm_${rng.chars(ALPHA.alnum, 36)}\n`,
  (rng) => `SENDGRID_API_KEY=SG.${rng.chars(ALPHA.urlsafe, 22)}.${rng.chars(ALPHA.urlsafe, 43)}\n`,
  (rng) => `DATABASE_URL=postgres://${rng.pick(NAMES)}:${rng.chars(ALPHA.alnum, 16)}@${rng.pick(HOSTS)}:5432/app\n`,
  (rng) => `twilio key SK${rng.chars(ALPHA.hex, 32)} for account AC${rng.chars(ALPHA.hex, 32)}\n`,
  (rng) => `x-api-key: sk-ant-api03-${rng.chars(ALPHA.urlsafe, 93)}AA\n`,
];

/**
 * Builds `bytes` bytes (UTF-8) of mixed text with `secrets` secrets spread
 * through it. Returns the text and how many secrets went in.
 */
export function buildCorpus({ bytes = 1 << 20, secrets = 40, seed = 42 } = {}) {
  const rng = createRandom(seed);
  const blocks = [];
  let size = 0;
  const secretBlocks = Array.from({ length: secrets }, (_, i) => SECRETS[i % SECRETS.length](rng));
  const secretBytes = secretBlocks.reduce((sum, block) => sum + Buffer.byteLength(block), 0);
  while (size < bytes - secretBytes) {
    const block = rng.pick(BLOCKS)(rng);
    blocks.push(block);
    size += Buffer.byteLength(block);
  }
  // Spread the secrets evenly, with some jitter, between ordinary blocks.
  const stride = blocks.length / secrets;
  for (let i = secrets - 1; i >= 0; i--) {
    const at = Math.min(blocks.length, Math.floor(i * stride + rng.next() * stride));
    blocks.splice(at, 0, secretBlocks[i]);
  }
  let text = blocks.join('');
  // Trim to exactly `bytes`: cut ordinary text at the end (never a secret: the
  // last secret sits well before the end), then pad with ASCII if short.
  while (Buffer.byteLength(text) > bytes) text = text.slice(0, text.length - Math.max(1, Buffer.byteLength(text) - bytes));
  if (Buffer.byteLength(text) < bytes) text += ' '.repeat(bytes - Buffer.byteLength(text));
  return { text, secrets };
}
