import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/index.js';
import { UPSTREAM } from './helpers.js';

const POLICY_ONLY = `policy:
  rules:
    - name: deny-shell
      action: deny
      match: { tool: "^exec$", upstream: filesystem }
audit:
  path: audit.jsonl
`;

function issues(text: string, options: Parameters<typeof parseConfig>[1]): string[] {
  try {
    parseConfig(text, options);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => issue.message);
    throw error;
  }
  return [];
}

describe('parseConfig with requireUpstreams: false (mcpgw stdio, SPEC §10)', () => {
  it('takes a config with a policy and no upstreams, listen, routes or default_upstream', () => {
    const config = parseConfig(POLICY_ONLY, { requireUpstreams: false });
    expect(config.upstreams).toEqual([]);
    expect(config.routes).toEqual([]);
    expect(config.policy.rules.map((rule) => rule.name)).toEqual(['deny-shell']);
  });

  it('without upstreams, default_upstream and match.upstream name the wrapped server: no list to check them against', () => {
    expect(issues(`default_upstream: filesystem\n${POLICY_ONLY}`, { requireUpstreams: false })).toEqual([]);
  });

  it('with upstreams listed, references are checked as for serve', () => {
    expect(issues(`${UPSTREAM}${POLICY_ONLY}`, { requireUpstreams: false })).toEqual(['unknown upstream "filesystem"; upstreams are: everything']);
  });

  it('still refuses what serve refuses: an empty upstreams list, a bad rule, an empty file', () => {
    expect(issues(`upstreams: []\n${POLICY_ONLY}`, { requireUpstreams: false })).toContain("must not be empty");
    expect(issues(POLICY_ONLY.replace('action: deny', 'action: denny'), { requireUpstreams: false })).toHaveLength(1);
    expect(issues('', { requireUpstreams: false })).toEqual(['the config is empty; it needs at least "policy"']);
  });

  it('by default (serve, validate) upstreams are required as before', () => {
    expect(issues(POLICY_ONLY, {})).toEqual(['missing required key "upstreams"', 'unknown upstream "filesystem"; upstreams are: (none)']);
  });
});
