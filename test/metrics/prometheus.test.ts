// A real Prometheus (Debian's `prometheus` package; .ci/run installs it)
// scrapes a running `mcpgw serve` every second; the test makes allowed,
// denied and rate-limited calls with the official MCP SDK client and asks
// Prometheus's HTTP API, in PromQL, what it saw.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, Proc, ROOT, startDaemon, startDemoUpstream, tempDir } from '../daemon/harness.js';
import { connect, EXPECTED_CALLS, makeDecisions } from './decisions.js';
import { gatewayConfig } from './fixture.js';

const PROMETHEUS = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).stdout.trim();
// CI installs it (.ci/run); elsewhere a missing binary skips the suite, saying so.
const missing = PROMETHEUS === '' && process.env['CI'] === undefined;
if (missing) console.warn('prometheus.test.ts skipped: no `prometheus` binary on PATH (apt-get install --no-install-recommends prometheus)');

/** Starts `prometheus` scraping `target` (host:port) every second; resolves once it is ready, with its origin. */
async function startPrometheus(target: string, dir: string, started: Proc[]): Promise<string> {
  if (PROMETHEUS === '') throw new Error('no `prometheus` binary on PATH: .ci/run installs Debian\'s prometheus package');
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: mcpgw\n    static_configs:\n      - targets: ["${target}"]\n`);
  const proc = new Proc(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.format=json']);
  started.push(proc);
  const origin = `http://127.0.0.1:${port}`;
  await expect.poll(() => fetch(`${origin}/-/ready`).then((response) => response.status, () => 0), { timeout: 20_000 }).toBe(200);
  return origin;
}

/** Asks Prometheus an instant PromQL query; resolves with its vector result as `{ "label=value,…": value }` (`{}` without labels). */
async function query(origin: string, promql: string): Promise<Record<string, number>> {
  const response = await fetch(`${origin}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  if (body.status !== 'success') throw new Error(`${promql}: ${JSON.stringify(body)}`);
  return Object.fromEntries(body.data.result.map(({ metric, value }) => [Object.entries(metric).sort().map(([label, text]) => `${label}=${text}`).join(',') || '{}', Number(value[1])]));
}

const OBSERVABILITY = readFileSync(join(ROOT, 'docs/observability.md'), 'utf8');
/** The PromQL blocks of docs/observability.md ("Queries"), with Grafana's `$__rate_interval` as 1m. */
const DOC_QUERIES = [...OBSERVABILITY.matchAll(/^```promql\n([\s\S]*?)^```$/gm)].map((match) => (match[1] as string).replaceAll('$__rate_interval', '1m').trim());

describe.skipIf(missing)('a real Prometheus scraping mcpgw serve', () => {
  const started: Proc[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((proc) => proc.stop()));
  });

  it('the scrape config of docs/observability.md passes promtool check config', () => {
    const [, config] = /^```yaml\n(scrape_configs:[\s\S]*?)^```$/m.exec(OBSERVABILITY) ?? [];
    expect(config).toBeDefined();
    const file = join(tempDir(), 'prometheus.yml');
    writeFileSync(file, config ?? '');
    const check = spawnSync(join(PROMETHEUS, '../promtool'), ['check', 'config', file], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it('sees the allowed, denied and rate-limited calls through PromQL', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const upstream = await startDemoUpstream();
    started.push(upstream.proc);
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, gatewayConfig(upstream.url));
    const daemon = await startDaemon(configPath, ['--no-watch']);
    started.push(daemon.proc);
    const prometheus = await startPrometheus(new URL(daemon.url).host, dir, started);
    // The target is up: Prometheus parsed what /metrics serves.
    await expect.poll(() => query(prometheus, 'sum(up{job="mcpgw"})'), { timeout: 20_000 }).toEqual({ '{}': 1 });

    await makeDecisions(daemon.url);
    await expect
      .poll(() => query(prometheus, 'sum by (action) (mcpgw_requests_total{job="mcpgw", method="tools/call"})'), { timeout: 20_000 })
      .toEqual(Object.fromEntries(Object.entries(EXPECTED_CALLS).map(([action, count]) => [`action=${action}`, count])));
    expect(await query(prometheus, 'sum by (rule, action, mode) (mcpgw_rule_matches_total)')).toEqual({ 'action=deny,mode=enforce,rule=deny-exec': 1, 'action=rate_limit,mode=enforce,rule=limit-echo': 4 });
    expect(await query(prometheus, 'sum(mcpgw_request_duration_seconds_count{action="deny"})')).toEqual({ '{}': 1 });
    expect(await query(prometheus, 'max(mcpgw_policy_generation)')).toEqual({ '{}': 1 });

    // Every query the docs list is valid PromQL over these series; those about requests have data.
    expect(DOC_QUERIES.length).toBeGreaterThanOrEqual(10);
    for (const promql of DOC_QUERIES) await query(prometheus, promql);
    // Calls after the first scrapes, for rate() to see an increase: the docs' request rate and p99 then have values.
    const client = await connect(daemon.url);
    const p99 = DOC_QUERIES.find((promql) => promql.startsWith('histogram_quantile(0.99')) ?? '';
    await expect
      .poll(async () => {
        await client.callTool({ name: 'search', arguments: { query: 'again' } });
        const [seconds] = Object.values(await query(prometheus, p99));
        const allowed = (await query(prometheus, DOC_QUERIES[0] ?? ''))['action=allow'];
        return seconds !== undefined && seconds > 0 && seconds <= 60 && allowed !== undefined && allowed > 0;
      }, { timeout: 20_000, interval: 500 })
      .toBe(true);
    await client.close();
  });
});
