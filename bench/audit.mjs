// Audit log benchmark: what one decision line costs the daemon's AuditLog,
// and what its check of the live path before each write (a stat, so that
// several instances can share one audit file) adds to a bare append.
// In each round, in an order rotated each round, every subject writes the
// same events to a fresh file:
//
//   append           JSON line + one writeSync to an O_APPEND fd (no check)
//   append + stat    the same, plus statSync of the path and an inode compare
//   AuditLog         AuditLog.write, no rotation (max_size_mb 1024)
//   AuditLog, rotating  AuditLog.write, rotating every 1 MiB, gzip on
//                    (the background compressions are not timed)
//
//   node bench/audit.mjs [--writes 100000] [--rounds 5]
//
// Needs the built CLI package (npm run build). Prints a table; writes
// bench/results/audit.json.

import { closeSync, fstatSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AuditLog } from '../packages/cli/dist/audit/audit-log.js';
import { formatAuditLine } from '../packages/cli/dist/audit/format-audit-line.js';
import { machineFacts } from './lib/machine.mjs';
import { formatTable, median, round } from './lib/stats.mjs';

const { values } = parseArgs({ options: { writes: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '5' } } });
const WRITES = Number(values.writes);
const ROUNDS = Number(values.rounds);

/** A decision event as the daemon writes it (about 335 bytes as a line). */
const event = (i) => ({
  event: 'decision',
  generation: 2,
  upstream: 'everything',
  session: '6f1c2a9e-8d4b-4c1e-9a57-3b2f0e6d7c11',
  client: '10.0.0.7',
  method: 'tools/call',
  tool: 'get_config',
  id: i,
  action: 'redact',
  rules: ['redact-secrets'],
  redactions: { request: 0, response: 2 },
  status: 200,
  error_code: null,
  is_error: false,
  duration_ms: 12.4,
});

function bareAppend(file, withStat) {
  const fd = openSync(file, 'a');
  const { dev, ino } = fstatSync(fd);
  const started = process.hrtime.bigint();
  for (let i = 0; i < WRITES; i++) {
    const line = Buffer.from(formatAuditLine(event(i)), 'utf8');
    if (withStat) {
      const found = statSync(file, { throwIfNoEntry: false });
      if (found === undefined || found.dev !== dev || found.ino !== ino) throw new Error('the file moved');
    }
    writeSync(fd, line);
  }
  const ns = Number(process.hrtime.bigint() - started);
  closeSync(fd);
  return ns;
}

async function auditLog(file, maxSizeMb, compressRotated) {
  const log = AuditLog.open({ path: file, maxSizeMb, compressRotated, onError: (error) => console.error(error.message) });
  const started = process.hrtime.bigint();
  for (let i = 0; i < WRITES; i++) log.write(event(i));
  const ns = Number(process.hrtime.bigint() - started);
  await log.close();
  return ns;
}

const SUBJECTS = [
  { name: 'append', run: (file) => bareAppend(file, false) },
  { name: 'append + stat', run: (file) => bareAppend(file, true) },
  { name: 'AuditLog', run: (file) => auditLog(file, 1024, false) },
  { name: 'AuditLog, rotating', run: (file) => auditLog(file, 1, true) },
];

const dir = mkdtempSync(join(os.tmpdir(), 'mcpgw-bench-audit-'));
const lineBytes = Buffer.byteLength(formatAuditLine(event(12345)));
const samples = Object.fromEntries(SUBJECTS.map(({ name }) => [name, []]));
const before = machineFacts();
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < SUBJECTS.length; k++) {
      const subject = SUBJECTS[(k + round) % SUBJECTS.length];
      const sub = join(dir, `r${round}-${k}`);
      mkdirSync(sub);
      const ns = await subject.run(join(sub, 'audit.jsonl'));
      samples[subject.name].push(ns / WRITES / 1000);
      rmSync(sub, { recursive: true, force: true });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const medians = Object.fromEntries(SUBJECTS.map(({ name }) => [name, median(samples[name])]));
const rows = SUBJECTS.map(({ name }) => [name, round(medians[name]), round(Math.min(...samples[name])), round(Math.max(...samples[name]))]);
console.log(`${WRITES} writes of ${lineBytes}-byte decision lines, ${ROUNDS} rounds; µs per write\n`);
console.log(formatTable(['subject', 'median', 'min', 'max'], rows));
const statCost = medians['append + stat'] - medians.append;
console.log(`\nthe stat before each write: +${round(statCost)} µs (${round((statCost / medians.append) * 100)}% of a bare append)`);

const results = join(fileURLToPath(new URL('.', import.meta.url)), 'results');
mkdirSync(results, { recursive: true });
writeFileSync(
  join(results, 'audit.json'),
  `${JSON.stringify({ writes: WRITES, rounds: ROUNDS, lineBytes, microsecondsPerWrite: samples, medians, statCost, machine: { before, after: machineFacts() } }, null, 2)}\n`,
);
