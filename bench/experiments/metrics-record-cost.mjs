// Experiment: what the daemon's Prometheus series cost per request, apart
// from serving it. One `decision` audit event — a tools/call allowed under a
// rate-limit rule — recorded again and again into mcpgw's instruments on the
// daemon's MeterProvider, as the daemon records each decision: one counter,
// one histogram, one rule-match counter. Prints ns per event, per round.
// Build first (`npx turbo run build`): it imports the packages' dist/.
//
//   node bench/experiments/metrics-record-cost.mjs [--rounds 5] [--events 500000]

import { parseArgs } from 'node:util';
import { compilePolicy, parseConfig, PolicyHandle } from '../../packages/core/dist/index.js';
import { createDaemonMetrics } from '../../packages/cli/dist/metrics/daemon-metrics.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, events: { type: 'string', default: '500000' } } });
const config = parseConfig(`upstreams:
  - name: demo
    url: http://127.0.0.1:3001/mcp
policy:
  rules:
    - name: limit-echo
      action: rate_limit
      match: { method: tools/call, tool: "^echo$" }
      limit: 100
      window: 1m
`);
const metrics = createDaemonMetrics(config, { handle: new PolicyHandle(compilePolicy(config)) });
const event = {
  time: '2026-12-03T00:00:00.000Z', event: 'decision', generation: 1, upstream: 'demo', session: null, client: null, method: 'tools/call', tool: 'echo',
  id: 1, action: 'allow', rules: ['limit-echo'], redactions: { request: 0, response: 0 }, status: 200, error_code: null, is_error: false, duration_ms: 1.234,
};
const events = Number(values.events);
const perRound = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < events; i++) metrics.series.recordAudit(event);
  perRound.push(Number(process.hrtime.bigint() - start) / events);
}
const median = [...perRound].sort((a, b) => a - b)[Math.floor(perRound.length / 2)];
console.log(`ns per decision event, per round: ${perRound.map((ns) => ns.toFixed(0)).join(' ')}; median ${median.toFixed(0)}`);
