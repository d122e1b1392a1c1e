// GET /metrics on a running `mcpgw serve`: the series of SPEC §11 under their
// exact names, counted from real decisions (the official MCP SDK client and
// server), a real reload, a real unreachable upstream and a real audit log
// that cannot be written; bounded label values; and `metrics.listen`.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freePort, run, startDaemon, tempDir } from '../daemon/harness.js';
import { connect, EXPECTED_CALLS, makeDecisions, METRICS_RULES } from './decisions.js';
import { scrape, valueOf, type Sample } from './exposition.js';
import { gatewayConfig, withDemoUpstream } from './fixture.js';
import { opensslKeyPair, signWithCli } from '../license/license-fixtures.js';

const SERIES = [
  'mcpgw_requests_total',
  'mcpgw_rule_matches_total',
  'mcpgw_request_duration_seconds_bucket',
  'mcpgw_request_duration_seconds_sum',
  'mcpgw_request_duration_seconds_count',
  'mcpgw_policy_generation',
  'mcpgw_policy_reloads_total',
  'mcpgw_audit_write_errors_total',
  'mcpgw_upstream_errors_total',
  'mcpgw_license_expiry_timestamp_seconds',
];

const rpc = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify(body) });

describe('mcpgw serve: GET /metrics', () => {
  const { url: upstreamUrl, started } = withDemoUpstream();

  it('counts decisions, rule matches, durations, reloads, upstream failures and audit problems under the names of SPEC §11', async () => {
    const dir = tempDir();
    const deadPort = await freePort();
    // The audit log's path is a directory: every attempt to open it fails.
    mkdirSync(join(dir, 'audit.jsonl'));
    const issuer = opensslKeyPair(dir);
    await signWithCli(issuer.privateKey, join(dir, 'license.json'), ['--licensee', 'Acme', '--expires', '2027-01-31']);
    const config = (rules: string, extra = '') => `listen: "127.0.0.1:0"
${extra}
upstreams:
  - name: demo
    url: ${upstreamUrl()}
  - name: dead
    url: http://127.0.0.1:${deadPort}/mcp
routes:
  - { path: /dead, upstream: dead }
default_upstream: demo
license: { path: license.json, public_key: ${issuer.publicKey} }
audit: { path: audit.jsonl }
policy:
  rules:
${rules}
`;
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, config(METRICS_RULES));
    const daemon = await startDaemon(configPath, ['--no-watch']);
    started.push(daemon.proc);
    const origin = new URL(daemon.url).origin;

    await makeDecisions(daemon.url);
    expect((await rpc(`${origin}/dead`, { jsonrpc: '2.0', id: 1, method: 'tools/list' })).status).toBe(502);
    // A reload that applies the policy, and says that metrics.listen waits for a restart.
    writeFileSync(configPath, config(METRICS_RULES, 'metrics: { listen: "127.0.0.1:0" }'));
    daemon.proc.signal('SIGHUP');
    await daemon.proc.waitForMsg(/^policy reload: ok/);
    await daemon.proc.waitForMsg('policy reload: restart required to apply: metrics');
    writeFileSync(configPath, config('    - name: broken\n      action: nonsense'));
    daemon.proc.signal('SIGHUP');
    await daemon.proc.waitForMsg(/^policy reload: rejected/);

    const samples = await scrape(`${origin}/metrics`);
    expect(new Set(samples.map((sample) => sample.name))).toEqual(new Set([...SERIES, 'target_info']));
    const calls = (action: string) => valueOf(samples, 'mcpgw_requests_total', { upstream: 'demo', method: 'tools/call', action });
    expect({ allow: calls('allow'), deny: calls('deny'), rate_limit: calls('rate_limit') }).toEqual(EXPECTED_CALLS);
    expect(valueOf(samples, 'mcpgw_requests_total', { upstream: 'demo', method: 'initialize', action: 'allow' })).toBe(1);
    expect(valueOf(samples, 'mcpgw_requests_total', { upstream: 'dead', method: 'tools/list', action: 'allow' })).toBe(1);
    // Each rule with its action and mode, as configured.
    expect(valueOf(samples, 'mcpgw_rule_matches_total', { rule: 'deny-exec' })).toBe(1);
    expect(samples.find((sample) => sample.name === 'mcpgw_rule_matches_total' && sample.labels['rule'] === 'deny-exec')?.labels).toEqual({ rule: 'deny-exec', action: 'deny', mode: 'enforce' });
    expect(valueOf(samples, 'mcpgw_rule_matches_total', { rule: 'limit-echo', action: 'rate_limit', mode: 'enforce' })).toBe(4);
    // One duration per decision: the histogram's count per action is the requests' count.
    const demoDecisions = samples.filter((sample) => sample.name === 'mcpgw_requests_total' && sample.labels['upstream'] === 'demo').reduce((sum, sample) => sum + sample.value, 0);
    const counted = samples.filter((sample) => sample.name === 'mcpgw_request_duration_seconds_count' && sample.labels['upstream'] === 'demo').reduce((sum, sample) => sum + sample.value, 0);
    expect(counted).toBe(demoDecisions);
    expect(valueOf(samples, 'mcpgw_request_duration_seconds_bucket', { upstream: 'demo', action: 'deny', le: '+Inf' })).toBe(1);
    expect(valueOf(samples, 'mcpgw_policy_reloads_total', { result: 'ok' })).toBe(1);
    expect(valueOf(samples, 'mcpgw_policy_reloads_total', { result: 'failed' })).toBe(1);
    expect(valueOf(samples, 'mcpgw_policy_generation')).toBe(2);
    expect(valueOf(samples, 'mcpgw_upstream_errors_total', { upstream: 'dead', kind: 'unreachable' })).toBe(1);
    expect(valueOf(samples, 'mcpgw_upstream_errors_total', { upstream: 'demo', kind: 'unreachable' })).toBe(0);
    expect(valueOf(samples, 'mcpgw_audit_write_errors_total')).toBeGreaterThan(0);
    expect(valueOf(samples, 'mcpgw_license_expiry_timestamp_seconds')).toBe(Date.parse('2027-01-31T00:00:00Z') / 1000);
    // No OpenTelemetry scope labels: every series has exactly the labels SPEC §11 names.
    expect(samples.every((sample) => !Object.keys(sample.labels).some((label) => label.startsWith('otel_')))).toBe(true);
    expect(valueOf(samples, 'target_info', { service_name: 'mcpgw' })).toBe(1);
  });

  it('keeps the number of series fixed whatever method and tool names clients send', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, gatewayConfig(upstreamUrl()));
    const daemon = await startDaemon(configPath, ['--no-watch']);
    started.push(daemon.proc);
    const metricsUrl = `${new URL(daemon.url).origin}/metrics`;
    const client = await connect(daemon.url);
    const unknownMethod = (i: number) => client.request({ method: `made-up/method-${i}`, params: {} }, z.object({})).catch(() => undefined);
    const unknownTool = (i: number) => client.callTool({ name: `made-up-tool-${i}`, arguments: {} }).catch(() => undefined);
    // One of each first, so that every series the flood can touch exists.
    await unknownMethod(0);
    await unknownTool(0);
    const before = await scrape(metricsUrl);
    for (let i = 1; i <= 200; i++) await Promise.all([unknownMethod(i), unknownTool(i)]);
    await client.close();
    const after = await scrape(metricsUrl);

    const series = (samples: Sample[]) => samples.map((sample) => `${sample.name}${JSON.stringify(sample.labels)}`).sort();
    expect(series(after)).toEqual(series(before));
    expect(valueOf(after, 'mcpgw_requests_total', { method: 'other' })).toBe(201);
    expect(valueOf(after, 'mcpgw_requests_total', { method: 'tools/call' })).toBe(201);
    expect(after.flatMap((sample) => Object.values(sample.labels)).filter((value) => value.includes('made-up'))).toEqual([]);
  });

  it('validate names a metrics.listen that is no host:port', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'mcpgw.yaml'), `metrics: { listen: "9464" }\nupstreams:\n  - name: demo\n    url: ${upstreamUrl()}\n`);
    const result = await run(['validate', '--config', join(dir, 'mcpgw.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('metrics.listen (line 1): must be host:port, like 127.0.0.1:9464 or [::1]:9464');
  });

  it('with metrics.listen, serves /metrics there only; the main address answers 404 and never proxies it', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, gatewayConfig(upstreamUrl(), 'metrics: { listen: "127.0.0.1:0" }'));
    const daemon = await startDaemon(configPath, ['--no-watch']);
    started.push(daemon.proc);
    const listening = await daemon.proc.waitForMsg(/^mcpgw listening on /);
    const metricsOrigin = `http://${String(listening['metrics_listen'])}`;
    await makeDecisions(daemon.url);

    const samples = await scrape(`${metricsOrigin}/metrics`);
    expect(valueOf(samples, 'mcpgw_requests_total', { method: 'tools/call', action: 'deny' })).toBe(1);
    // No license configured: no expiry sample.
    expect(valueOf(samples, 'mcpgw_license_expiry_timestamp_seconds')).toBeUndefined();
    for (const path of ['/metrics', '/METRICS/', '/metrics?x=1']) {
      const main = await fetch(`${new URL(daemon.url).origin}${path}`);
      expect(main.status).toBe(404);
      expect(await main.json()).toEqual({ status: 'not found: /metrics is served on the metrics.listen address' });
    }
    const other = await fetch(`${metricsOrigin}/healthz`);
    expect(other.status).toBe(404);
    expect((await fetch(`${metricsOrigin}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});
