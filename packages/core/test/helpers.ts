import { compilePolicy, parseConfig, type CompiledPolicy, type McpgwConfig, type RuleInput } from '../src/index.js';

/** A config text with one upstream pair and the given YAML under `policy.rules`. */
export function configWithRules(rulesYaml: string): string {
  const indented = rulesYaml
    .trim()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
  return [
    'upstreams:',
    '  - name: docs',
    '    url: http://127.0.0.1:3001/mcp',
    '  - name: files',
    '    url: http://127.0.0.1:3002/mcp',
    'policy:',
    '  rules:',
    indented,
    '',
  ].join('\n');
}

/** Compiles a policy from rules written in YAML, through parseConfig like the daemon does. */
export function policyOf(rulesYaml: string): CompiledPolicy {
  return compilePolicy(parseConfig(configWithRules(rulesYaml)));
}

/** A field some kind of rule has (redact's `patterns`, rate_limit's `window`, ...). */
type RuleField = RuleInput extends infer Rule ? (Rule extends unknown ? keyof Rule : never) : never;

/** A field of the config's first rule, as parsed; undefined when the rule (of whatever kind) does not have it. */
export function firstRuleField(config: McpgwConfig, field: RuleField): unknown {
  const rule: Partial<Record<RuleField, unknown>> | undefined = config.policy.rules[0];
  return rule?.[field];
}

let nextId = 1;

/** A tools/call request. */
export function call(name: string, args: Record<string, unknown> = {}, id: string | number = nextId++) {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } } as const;
}

/** A request with any method. */
export function request(method: string, params?: Record<string, unknown>, id: string | number = nextId++) {
  return params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
}

/** A fake AWS access key id: AKIA + 16 characters. */
export const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
/** A fake GitHub token: ghp_ + 36 characters. */
export const GITHUB_TOKEN = `ghp_${'a1B2c3D4e5'.repeat(3)}abcdef`;
