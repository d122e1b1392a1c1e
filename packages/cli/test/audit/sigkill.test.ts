import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { eventually, makeTempDir, parseLines, readAuditFiles } from './fixtures/audit-files.js';
import { transpileAudit } from './fixtures/transpile-audit.js';

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
afterEach(() => cleanup());

// Writes in a tight loop — mostly small lines, now and then a 1 MiB one, so
// that the kill may land in the middle of a write — rotating and compressing,
// yielding to the event loop between batches so compressions run.
const CHILD = `
import { AuditLog } from './audit/audit-log.js';
const log = AuditLog.open({ path: process.argv[2], maxSizeMb: 0.5, compressRotated: true,
  onError: (e) => process.stderr.write(e.message + '\\n') });
const big = 'B'.repeat(1024 * 1024);
let seq = 0;
for (;;) {
  for (let i = 0; i < 100; i++, seq++) log.write({ event: 'tick', seq, pad: i === 99 ? big : 'p'.repeat(seq % 100) });
  await new Promise((resolve) => setImmediate(resolve));
}
`;

describe('AuditLog after SIGKILL', () => {
  it('a killed writer leaves only complete lines but the last; reopening cuts it and appends after', async () => {
    const build = path.join(dir, 'build');
    transpileAudit(build);
    writeFileSync(path.join(build, 'child.mjs'), CHILD);
    const logDir = path.join(dir, 'logs');
    const file = path.join(logDir, 'audit.jsonl');

    const child = spawn(process.execPath, [path.join(build, 'child.mjs'), file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    // Let it rotate and compress a good number of files first.
    await eventually(() => existsSync(logDir) && readdirSync(logDir).filter((name) => name.endsWith('.gz')).length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(stderr).toBe('');

    // As the crash left it: every line complete JSON, except maybe the last one of the live file.
    const before = readAuditFiles(file);
    for (const f of before.filter((f) => f.kind === 'plain' || f.kind === 'gz')) parseLines(f.content);
    const liveBefore = statSync(file, { throwIfNoEntry: false }) === undefined ? '' : readFileSync(file, 'utf8');
    const cut = liveBefore.lastIndexOf('\n') + 1;
    parseLines(liveBefore.slice(0, cut));

    const errors: Error[] = [];
    const log = AuditLog.open({ path: file, maxSizeMb: 0.5, compressRotated: true, onError: (e) => errors.push(e) });
    for (let n = 0; n < 100; n++) log.write({ event: 'after', n });
    await log.close();

    const after = readAuditFiles(file);
    expect(after.filter((f) => f.kind === 'plain' || f.kind === 'gz.tmp').map((f) => f.name)).toEqual([]);
    const lines = after.flatMap((f) => parseLines(f.content));
    const ticks = lines.filter((l) => l.event === 'tick').map((l) => l.seq);
    // Nothing lost but (at most) the line being written when the kill came.
    expect(ticks.length).toBeGreaterThan(100);
    expect(ticks).toEqual(Array.from({ length: ticks.length }, (_, i) => i));
    expect(lines.slice(ticks.length).map((l) => [l.event, l.n])).toEqual(Array.from({ length: 100 }, (_, n) => ['after', n]));
    // A partial tail, when the kill left one, was reported as cut.
    const partial = liveBefore.length - cut;
    expect(errors.map((e) => e.message)).toEqual(partial > 0 ? [`${file}: cut a partial last line of ${partial} bytes left by a crash`] : []);
  });
});
