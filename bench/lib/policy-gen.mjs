// Realistic generated policies (as YAML text, so the benchmark goes through
// parseConfig + compilePolicy) and a varied stream of tools/call requests
// that hit them.

import { createRandom, ALPHA } from './random.mjs';
import { SECRET_PATTERNS } from './secret-patterns.mjs';

export const UPSTREAMS = ['up-0', 'up-1', 'up-2', 'up-3'];

const quote = (text) => JSON.stringify(text); // a YAML double-quoted scalar

/**
 * The kind of rule `i` (i >= 2; rules 0 and 1 are the same in every policy):
 * deny rules naming tools exactly, by alternation or by a real regex, deny
 * rules with args / headers / upstream conditions, rate limits per client
 * (limits far too high to refuse), and tool-scoped redact rules.
 */
export const RULE_KINDS = [
  'deny-exact', // ^tool_42$
  'deny-alternation', // ^(tool_42_a|tool_42_b)$
  'deny-regex', // ^(exec|shell|run)_v42(_[a-z]+)?$
  'rate-limit', // ^search_42$, key client
  'redact-scoped', // ^(fetch|http)_42(_[a-z]+)?$, 3 secret patterns
  'deny-args', // ^fs_write_42$ + args.path
  'rate-limit-upstream', // ^(query|lookup)_42_[a-z]+$ on one upstream
  'deny-headers', // ^admin_42$ + x-tenant header
  'deny-upstream-regex', // (?i)^(drop|delete)_table_42$ on two upstreams
  'deny-exact-prefix', // ^mcp__srv42__[a-z_]+$ (a real regex with a long literal prefix)
];

export function ruleKind(i) {
  return RULE_KINDS[i % RULE_KINDS.length];
}

function ruleYaml(i) {
  const kind = ruleKind(i);
  const name = `${kind}-${i}`;
  const secret = (k) => SECRET_PATTERNS[(3 * i + k) % SECRET_PATTERNS.length].source;
  switch (kind) {
    case 'deny-exact':
      return `    - name: ${name}\n      action: deny\n      match: { method: tools/call, tool: ${quote(`^tool_${i}$`)} }\n      message: tool_${i} is disabled\n`;
    case 'deny-alternation':
      return `    - name: ${name}\n      action: deny\n      match: { method: tools/call, tool: ${quote(`^(tool_${i}_a|tool_${i}_b)$`)} }\n`;
    case 'deny-regex':
      return `    - name: ${name}\n      action: deny\n      match: { method: tools/call, tool: ${quote(`^(exec|shell|run)_v${i}(_[a-z]+)?$`)} }\n      message: shell tools are disabled\n`;
    case 'rate-limit':
      return `    - name: ${name}\n      action: rate_limit\n      match: { method: tools/call, tool: ${quote(`^search_${i}$`)} }\n      limit: 100000000\n      window: 1h\n      key: client\n`;
    case 'redact-scoped':
      return (
        `    - name: ${name}\n      action: redact\n      direction: both\n      match: { method: tools/call, tool: ${quote(`^(fetch|http)_${i}(_[a-z]+)?$`)} }\n` +
        `      patterns:\n${[0, 1, 2].map((k) => `        - ${quote(secret(k))}\n`).join('')}      replacement: "[REDACTED:${i}]"\n`
      );
    case 'deny-args':
      return `    - name: ${name}\n      action: deny\n      match:\n        method: tools/call\n        tool: ${quote(`^fs_write_${i}$`)}\n        args: { path: ${quote('^/(etc|root|boot)/')} }\n`;
    case 'rate-limit-upstream':
      return `    - name: ${name}\n      action: rate_limit\n      match: { method: tools/call, upstream: ${UPSTREAMS[i % 4]}, tool: ${quote(`^(query|lookup)_${i}_[a-z]+$`)} }\n      limit: 100000000\n      window: 10m\n      key: client\n`;
    case 'deny-headers':
      return `    - name: ${name}\n      action: deny\n      match:\n        method: tools/call\n        tool: ${quote(`^admin_${i}$`)}\n        headers: { x-tenant: ${quote('^blocked-[0-9]+$')} }\n`;
    case 'deny-upstream-regex':
      return `    - name: ${name}\n      action: deny\n      match: { method: tools/call, upstream: [up-0, up-1], tool: ${quote(`(?i)^(drop|delete)_table_${i}$`)} }\n`;
    case 'deny-exact-prefix':
      return `    - name: ${name}\n      action: deny\n      match: { method: tools/call, tool: ${quote(`^mcp__srv${i}__[a-z_]+$`)} }\n`;
    default:
      throw new Error(`unknown rule kind ${kind}`);
  }
}

/**
 * A config with `ruleCount` rules. Rules 0 and 1 apply to every tools/call
 * in every policy size: a redact rule for cloud keys (the AWS-key-like
 * strings in the request stream hit it) and a per-client rate limit.
 */
export function policyYaml(ruleCount) {
  const head =
    `upstreams:\n${UPSTREAMS.map((name, i) => `  - name: ${name}\n    url: http://127.0.0.1:${3001 + i}/mcp\n`).join('')}` +
    `default_upstream: up-0\npolicy:\n  rules:\n` +
    `    - name: redact-cloud-keys\n      action: redact\n      patterns:\n` +
    `        - ${quote(SECRET_PATTERNS[0].source)}\n        - ${quote(SECRET_PATTERNS[2].source)}\n        - ${quote(SECRET_PATTERNS[9].source)}\n` +
    `      replacement: "[REDACTED]"\n` +
    `    - name: per-client-tool-calls\n      action: rate_limit\n      match: { method: tools/call }\n      limit: 100000000\n      window: 1m\n      key: client\n`;
  let body = '';
  for (let i = 2; i < ruleCount; i++) body += ruleYaml(i);
  return head + body;
}

const PLAIN_TOOLS = ['read_file', 'list_directory', 'weather_lookup', 'get_time', 'list_issues', 'create_issue', 'search_docs', 'summarize', 'translate_text', 'git_log'];
const WORDS = ['quarterly', 'report', 'deploy', 'status', 'invoice', 'customer', 'latency', 'cluster', 'migration', 'backup', 'release', 'notes'];

function plainArguments(rng) {
  return {
    query: `${rng.pick(WORDS)} ${rng.pick(WORDS)} ${rng.pick(WORDS)}`,
    path: `/srv/data/${rng.pick(WORDS)}/${rng.chars(ALPHA.lower, 6)}.json`,
    limit: 1 + rng.int(50),
    options: { recursive: rng.next() < 0.5, format: rng.pick(['json', 'text', 'markdown']) },
  };
}

/**
 * `count` tools/call requests with contexts, drawn for a policy of
 * `ruleCount` rules: about 30% denied, 20% carrying an AWS-key-like string
 * (redacted), 20% rate-limited tools, 10% args/headers conditions that let
 * the call through, 20% tools no tool rule names.
 */
export function requestStream(ruleCount, count, seed = 7) {
  const rng = createRandom(seed);
  const byKind = new Map(RULE_KINDS.map((kind) => [kind, []]));
  for (let i = 2; i < ruleCount; i++) byKind.get(ruleKind(i)).push(i);
  const some = (kind) => rng.pick(byKind.get(kind));
  // Small policies lack some kinds (10 rules: no deny-exact, no deny-alternation): draw among those present.
  const present = (kinds) => kinds.filter((kind) => byKind.get(kind).length > 0);
  const awsKey = () => `AKIA${rng.chars(ALPHA.base32, 16)}`;

  const requests = [];
  for (let n = 0; n < count; n++) {
    const roll = rng.next();
    let name;
    let args = plainArguments(rng);
    let upstream = rng.pick(UPSTREAMS);
    let headers = { 'content-type': 'application/json', 'x-tenant': `tenant-${rng.int(100)}` };
    if (roll < 0.3) {
      // denied
      const kind = rng.pick(present(['deny-exact', 'deny-alternation', 'deny-regex', 'deny-args', 'deny-headers', 'deny-upstream-regex', 'deny-exact-prefix']));
      const i = some(kind);
      if (kind === 'deny-exact') name = `tool_${i}`;
      else if (kind === 'deny-alternation') name = `tool_${i}_b`;
      else if (kind === 'deny-regex') name = rng.pick([`shell_v${i}`, `exec_v${i}_fast`, `run_v${i}`]);
      else if (kind === 'deny-args') [name, args] = [`fs_write_${i}`, { ...args, path: '/etc/passwd' }];
      else if (kind === 'deny-headers') [name, headers] = [`admin_${i}`, { ...headers, 'x-tenant': `blocked-${rng.int(9)}` }];
      else if (kind === 'deny-upstream-regex') [name, upstream] = [rng.pick([`drop_table_${i}`, `DELETE_TABLE_${i}`]), rng.pick(['up-0', 'up-1'])];
      else name = `mcp__srv${i}__danger_zone`;
    } else if (roll < 0.5) {
      // an AWS-key-like string in the arguments: redacted by rule 0 (and by a scoped rule for fetch_*)
      name = rng.next() < 0.5 ? `fetch_${some('redact-scoped')}` : rng.pick(PLAIN_TOOLS);
      args = { ...args, headers: { Authorization: `AWS4-HMAC-SHA256 Credential=${awsKey()}/20250101/us-east-1/s3/aws4_request` } };
    } else if (roll < 0.7) {
      // rate-limited (never refused: the limits are huge)
      const kind = rng.pick(present(['rate-limit', 'rate-limit-upstream']));
      const i = some(kind);
      if (kind === 'rate-limit') name = `search_${i}`;
      else [name, upstream] = [`query_${i}_${rng.pick(['orders', 'users'])}`, UPSTREAMS[i % 4]];
    } else if (roll < 0.8) {
      // a tool with an args or headers condition that does not hold: allowed
      if (rng.next() < 0.5) [name, args] = [`fs_write_${some('deny-args')}`, { ...args, path: '/tmp/out.txt' }];
      else name = `admin_${some('deny-headers')}`;
    } else {
      name = rng.pick(PLAIN_TOOLS);
    }
    requests.push({
      message: { jsonrpc: '2.0', id: n, method: 'tools/call', params: { name, arguments: args } },
      context: { upstream, client: `10.0.${rng.int(4)}.${rng.int(64)}`, session: `s-${rng.int(256)}`, headers },
    });
  }
  return requests;
}
