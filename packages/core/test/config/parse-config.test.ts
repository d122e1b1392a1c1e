import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/index.js';
import { CONFIG_DEFAULTS } from '../../src/internal.js';
import { firstRuleField } from '../helpers.js';
import { UPSTREAM } from './helpers.js';

// SPEC §2, verbatim.
const SPEC_EXAMPLE = `listen: "127.0.0.1:8080"            # host:port                          restart
allowed_origins: []                 # optional; Origin values let through  restart
license:
  path: /etc/mcpgw/license.json     # optional                            restart
upstreams:                          #                                     restart
  - name: everything                # [a-z0-9-]+, unique
    url: http://127.0.0.1:3001/mcp  # the upstream's MCP endpoint
    timeout_ms: 30000               # optional, default 30000
routes:                             # optional                            restart
  - path: /mcp/everything           # exact request path on the gateway
    upstream: everything
default_upstream: everything        # optional: serves paths no route names   restart
policy:                             #                                     HOT
  rules:
    - name: deny-shell
      action: deny
      match:
        method: tools/call          # string or list, exact JSON-RPC method
        tool: "^(exec|shell)"       # RE2 on params.name
      message: shell tools are disabled
    - name: redact-secrets
      action: redact
      direction: both               # request | response | both (default both)
      patterns:
        - "AKIA[0-9A-Z]{16}"
        - "ghp_[A-Za-z0-9]{36}"
      replacement: "[REDACTED]"     # default "[REDACTED]"
    - name: limit-search
      action: rate_limit
      match: { tool: "^search$" }
      limit: 10                     # requests ...
      window: 1m                    # ... per window: 500ms, 10s, 1m, 1h
      key: client                   # global | client | session | header:<name>
audit:                              #                                     HOT
  path: /var/log/mcpgw/audit.jsonl
  max_size_mb: 100                  # rotate before the file exceeds this (fractions allowed)
  compress_rotated: true            # gzip rotated files
telemetry:
  customer:                         #                                     restart
    endpoint: http://otel-collector:4318   # OTLP/HTTP
    service_name: mcpgw
`;

// Every field of the schema, with non-default values.
const EVERY_FIELD = `listen: "0.0.0.0:9090"
allowed_origins: ["https://app.example.com", "http://localhost:3000"]
license:
  path: /etc/mcpgw/license.json
upstreams:
  - name: everything
    url: http://127.0.0.1:3001/mcp
    timeout_ms: 5000
  - name: docs-2
    url: https://docs.example.com/mcp
  - name: files
    command: npx
    args: ["-y", "@modelcontextprotocol/server-filesystem", "/srv/data"]
    env: { NODE_ENV: production, LOG_LEVEL: "" }
    cwd: servers/files
    max_sessions: 4
    idle_timeout: 90s
    timeout_ms: 10000
routes:
  - path: /mcp/everything
    upstream: everything
  - path: /mcp/docs
    upstream: docs-2
default_upstream: docs-2
policy:
  rules:
    - name: deny-rm
      action: deny
      match:
        method: [tools/call, tools/list]
        tool: "^fs_"
        upstream: [everything, docs-2]
        args:
          path: "^/etc/"
          recursive: "^true$"
        headers:
          x-tenant: "^internal-"
      message: no deleting system files
    - name: redact-out
      action: redact
      direction: response
      patterns: ["sk-[A-Za-z0-9]{20}"]
      replacement: "***"
      match:
        upstream: everything
    - name: limit-tenant
      action: rate_limit
      limit: 3
      window: 500ms
      key: header:x-api-key
audit:
  path: /var/log/mcpgw/audit.jsonl
  max_size_mb: 0.5
  compress_rotated: false
telemetry:
  customer:
    endpoint: https://otel.example.com:4318
    service_name: edge-gateway
    protocol: http/json
`;

function expectDeepFrozen(value: unknown, path = 'config'): void {
  if (value === null || typeof value !== 'object') return;
  expect(Object.isFrozen(value), `${path} is frozen`).toBe(true);
  for (const [key, child] of Object.entries(value)) expectDeepFrozen(child, `${path}.${key}`);
}

describe('parseConfig on valid configs', () => {
  it('parses the SPEC §2 example verbatim, as written', () => {
    const config = parseConfig(SPEC_EXAMPLE);
    expect(config).toEqual({
      listen: '127.0.0.1:8080',
      allowed_origins: [],
      license: { path: '/etc/mcpgw/license.json' },
      upstreams: [{ name: 'everything', url: 'http://127.0.0.1:3001/mcp', timeout_ms: 30000 }],
      routes: [{ path: '/mcp/everything', upstream: 'everything' }],
      default_upstream: 'everything',
      policy: {
        rules: [
          {
            name: 'deny-shell',
            action: 'deny',
            match: { method: 'tools/call', tool: '^(exec|shell)' },
            message: 'shell tools are disabled',
          },
          {
            name: 'redact-secrets',
            action: 'redact',
            direction: 'both',
            patterns: ['AKIA[0-9A-Z]{16}', 'ghp_[A-Za-z0-9]{36}'],
            replacement: '[REDACTED]',
          },
          { name: 'limit-search', action: 'rate_limit', match: { tool: '^search$' }, limit: 10, window: '1m', key: 'client' },
        ],
      },
      audit: { path: '/var/log/mcpgw/audit.jsonl', max_size_mb: 100, compress_rotated: true },
      telemetry: { customer: { endpoint: 'http://otel-collector:4318', service_name: 'mcpgw', protocol: 'http/protobuf' } },
    });
  });

  it('returns a deep-frozen config', () => {
    const config = parseConfig(SPEC_EXAMPLE);
    expectDeepFrozen(config);
    expect(() => {
      (config.upstreams as unknown as Array<{ url: string }>)[0]!.url = 'http://evil/';
    }).toThrow(TypeError);
    expect(() => {
      (config.policy.rules as unknown as unknown[]).push({ name: 'x', action: 'deny' });
    }).toThrow(TypeError);
  });

  it('keeps every field of the schema, with the values given', () => {
    const config = parseConfig(EVERY_FIELD);
    expect(config).toEqual({
      listen: '0.0.0.0:9090',
      allowed_origins: ['https://app.example.com', 'http://localhost:3000'],
      license: { path: '/etc/mcpgw/license.json' },
      upstreams: [
        { name: 'everything', url: 'http://127.0.0.1:3001/mcp', timeout_ms: 5000 },
        { name: 'docs-2', url: 'https://docs.example.com/mcp', timeout_ms: 30000 },
        {
          name: 'files',
          command: 'npx',
          args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/data'],
          env: { NODE_ENV: 'production', LOG_LEVEL: '' },
          cwd: 'servers/files',
          max_sessions: 4,
          idle_timeout: '90s',
          timeout_ms: 10000,
        },
      ],
      routes: [
        { path: '/mcp/everything', upstream: 'everything' },
        { path: '/mcp/docs', upstream: 'docs-2' },
      ],
      default_upstream: 'docs-2',
      policy: {
        rules: [
          {
            name: 'deny-rm',
            action: 'deny',
            match: {
              method: ['tools/call', 'tools/list'],
              tool: '^fs_',
              upstream: ['everything', 'docs-2'],
              args: { path: '^/etc/', recursive: '^true$' },
              headers: { 'x-tenant': '^internal-' },
            },
            message: 'no deleting system files',
          },
          {
            name: 'redact-out',
            action: 'redact',
            direction: 'response',
            patterns: ['sk-[A-Za-z0-9]{20}'],
            replacement: '***',
            match: { upstream: 'everything' },
          },
          { name: 'limit-tenant', action: 'rate_limit', limit: 3, window: '500ms', key: 'header:x-api-key' },
        ],
      },
      audit: { path: '/var/log/mcpgw/audit.jsonl', max_size_mb: 0.5, compress_rotated: false },
      telemetry: { customer: { endpoint: 'https://otel.example.com:4318', service_name: 'edge-gateway', protocol: 'http/json' } },
    });
    expectDeepFrozen(config);
  });

  it('fills in defaults for every optional field left out', () => {
    const config = parseConfig(`${UPSTREAM}  - name: local\n    command: my-server\naudit:\n  path: /tmp/audit.jsonl\ntelemetry:\n  customer:\n    endpoint: http://collector:4318\n`);
    expect(config).toEqual({
      listen: '127.0.0.1:8080',
      upstreams: [
        { name: 'everything', url: 'http://127.0.0.1:3001/mcp', timeout_ms: 30000 },
        { name: 'local', command: 'my-server', args: [], env: {}, max_sessions: 16, idle_timeout: '10m', timeout_ms: 30000 },
      ],
      routes: [],
      policy: { rules: [] },
      audit: { path: '/tmp/audit.jsonl', max_size_mb: 100, compress_rotated: true },
      telemetry: { customer: { endpoint: 'http://collector:4318', service_name: 'mcpgw', protocol: 'http/protobuf' } },
    });
    expect(CONFIG_DEFAULTS).toEqual({
      listen: '127.0.0.1:8080',
      timeout_ms: 30000,
      max_size_mb: 100,
      compress_rotated: true,
      service_name: 'mcpgw',
      telemetry_protocol: 'http/protobuf',
      max_sessions: 16,
      idle_timeout: '10m',
      max_keys: 100_000,
    });
    expectDeepFrozen(config);
  });

  it('leaves audit and telemetry out when they are not configured', () => {
    const config = parseConfig(UPSTREAM);
    expect(config).not.toHaveProperty('audit');
    expect(config).not.toHaveProperty('telemetry');
    expect(config).not.toHaveProperty('default_upstream');
    expect(config.policy.rules).toEqual([]);
    expect(config.routes).toEqual([]);
  });

  it('accepts a policy with an empty rule list and a rule with no match', () => {
    expect(parseConfig(`${UPSTREAM}policy:\n  rules: []\n`).policy.rules).toEqual([]);
    const config = parseConfig(`${UPSTREAM}policy:\n  rules:\n    - name: deny-all\n      action: deny\n`);
    expect(config.policy.rules).toEqual([{ name: 'deny-all', action: 'deny' }]);
  });

  it('accepts fractional audit sizes, IPv6 and host-name listen addresses, and windows in every unit', () => {
    expect(parseConfig(`${UPSTREAM}audit:\n  path: a.jsonl\n  max_size_mb: 0.01\n`).audit?.max_size_mb).toBe(0.01);
    for (const listen of ['127.0.0.1:8080', '[::1]:8080', '[::]:0', 'localhost:65535', 'gateway.internal:443']) {
      expect(parseConfig(`listen: "${listen}"\n${UPSTREAM}`).listen).toBe(listen);
    }
    for (const window of ['500ms', '10s', '1m', '1h', '8784h']) {
      const config = parseConfig(`${UPSTREAM}policy:\n  rules:\n    - name: r\n      action: rate_limit\n      limit: 1\n      window: ${window}\n`);
      expect(firstRuleField(config, 'window')).toBe(window);
    }
  });

  it('accepts every rate-limit key form', () => {
    for (const key of ['global', 'client', 'session', 'header:x-api-key', 'header:X-Tenant-Id']) {
      const config = parseConfig(`${UPSTREAM}policy:\n  rules:\n    - name: r\n      action: rate_limit\n      limit: 1\n      window: 1s\n      key: "${key}"\n`);
      expect(firstRuleField(config, 'key')).toBe(key);
    }
  });

  it('resolves YAML anchors and aliases used sensibly', () => {
    const config = parseConfig(`upstreams:
  - name: a
    url: &url http://127.0.0.1:3001/mcp
telemetry:
  customer:
    endpoint: *url
`);
    expect(config.telemetry?.customer?.endpoint).toBe('http://127.0.0.1:3001/mcp');
  });
});
