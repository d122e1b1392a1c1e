import { lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { makeTempDir, parseLines, readAuditFiles } from './fixtures/audit-files.js';

const MiB = 1024 * 1024;
let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
afterEach(() => cleanup());

describe('AuditLog lines', () => {
  it('writes one JSON line per event: time first, then event, then the rest in order', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false });
    const before = Date.now();
    log.write({ event: 'policy_reload', rules: 4, generation: 2 });
    log.write({ generation: 3, event: 'decision', time: '2026-11-26T01:02:03.456Z', note: 'line\nbreak' });
    await log.close();
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')).toHaveLength(3);
    const [first, second] = parseLines(text);
    expect(Object.keys(first ?? {})).toEqual(['time', 'event', 'rules', 'generation']);
    expect(first?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(String(first?.time))).toBeGreaterThanOrEqual(before);
    expect(second).toEqual({ time: '2026-11-26T01:02:03.456Z', event: 'decision', generation: 3, note: 'line\nbreak' });
    expect(Object.keys(second ?? {})).toEqual(['time', 'event', 'generation', 'note']);
  });

  it('a line is in the file as soon as write returns, before close', () => {
    const file = path.join(dir, 'audit.jsonl');
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false });
    log.write({ event: 'startup' });
    expect(parseLines(readFileSync(file, 'utf8'))).toMatchObject([{ event: 'startup' }]);
    log.write({ event: 'shutdown' });
    expect(parseLines(readFileSync(file, 'utf8'))).toMatchObject([{ event: 'startup' }, { event: 'shutdown' }]);
    void log.close();
  });

  it('creates missing directories and appends to an existing file', async () => {
    const file = path.join(dir, 'a', 'b', 'audit.jsonl');
    let log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false });
    log.write({ event: 'startup', n: 1 });
    await log.close();
    log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false });
    log.write({ event: 'startup', n: 2 });
    await log.close();
    expect(parseLines(readFileSync(file, 'utf8')).map((line) => line.n)).toEqual([1, 2]);
  });
});

describe('AuditLog rotation', () => {
  it('rotates before a line would pass the limit, to timestamped names, never splitting a line', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const limit = 0.001 * MiB; // 1048 bytes
    const log = AuditLog.open({ path: file, maxSizeMb: 0.001, compressRotated: false });
    for (let seq = 0; seq < 100; seq++) log.write({ event: 'decision', seq, pad: 'x'.repeat(seq % 37) });
    await log.close();
    const files = readAuditFiles(file);
    expect(files.length).toBeGreaterThan(5);
    for (const rotated of files.slice(0, -1)) {
      expect(rotated.kind).toBe('plain');
      expect(rotated.name).toMatch(/^audit\.jsonl\.\d{8}T\d{6}\.\d{3}Z(-\d+)?$/);
      expect(Buffer.byteLength(rotated.content)).toBeLessThanOrEqual(limit);
      // It was rotated because the next line did not fit: it is reasonably full.
      expect(Buffer.byteLength(rotated.content)).toBeGreaterThan(limit - 200);
    }
    expect(files.at(-1)?.kind).toBe('live');
    const seqs = files.flatMap((f) => parseLines(f.content).map((line) => line.seq));
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('writes a line larger than the limit alone in a fresh file, and rotates after it', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const log = AuditLog.open({ path: file, maxSizeMb: 0.001, compressRotated: false });
    log.write({ event: 'small', seq: 0 });
    log.write({ event: 'big', seq: 1, pad: 'y'.repeat(5000) });
    log.write({ event: 'small', seq: 2 });
    await log.close();
    const files = readAuditFiles(file).map((f) => parseLines(f.content).map((line) => line.seq));
    expect(files).toEqual([[0], [1], [2]]);
  });

  it('an oversized first line goes into the empty live file without a rotation', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const log = AuditLog.open({ path: file, maxSizeMb: 0.001, compressRotated: false });
    log.write({ event: 'big', pad: 'y'.repeat(5000) });
    await log.close();
    expect(readdirSync(dir)).toEqual(['audit.jsonl']);
  });

  it('counts the size of the file found at open', async () => {
    const file = path.join(dir, 'audit.jsonl');
    writeFileSync(file, `${JSON.stringify({ event: 'old', pad: 'z'.repeat(1000) })}\n`);
    const log = AuditLog.open({ path: file, maxSizeMb: 0.001, compressRotated: false });
    log.write({ event: 'new' });
    await log.close();
    expect(readAuditFiles(file).map((f) => parseLines(f.content).map((line) => line.event))).toEqual([['old'], ['new']]);
  });

  it('rotations in the same millisecond get increasing counters that sort in rotation order', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const log = AuditLog.open({ path: file, maxSizeMb: 0.00001, compressRotated: false }); // ~10 bytes: every line rotates
    for (let seq = 0; seq < 50; seq++) log.write({ event: 'tick', seq });
    await log.close();
    const files = readAuditFiles(file);
    expect(files).toHaveLength(50);
    expect(files.some((f) => /-\d+$/.test(f.name))).toBe(true);
    expect(files.map((f) => parseLines(f.content)[0]?.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('continues after the newest rotated file of an earlier run, even if the clock went back', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const future = 'audit.jsonl.29991231T235959.999Z-4';
    writeFileSync(path.join(dir, future), `${JSON.stringify({ event: 'old' })}\n`);
    const log = AuditLog.open({ path: file, maxSizeMb: 0.00001, compressRotated: false });
    log.write({ event: 'a' });
    log.write({ event: 'b' });
    await log.close();
    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', future, 'audit.jsonl.29991231T235959.999Z-5']);
    expect(readAuditFiles(file).map((f) => parseLines(f.content)[0]?.event)).toEqual(['old', 'a', 'b']);
  });

  it('never renames a live path that is not a regular file', async () => {
    // A link to a device, as /dev/stdout is: made without privileges, unlike mknod.
    const device = path.join(dir, 'null');
    symlinkSync('/dev/null', device);
    const log = AuditLog.open({ path: device, maxSizeMb: 0.00001, compressRotated: true });
    for (let i = 0; i < 10; i++) log.write({ event: 'tick', i });
    await log.close();
    expect(readdirSync(dir)).toEqual(['null']);
    expect(lstatSync(device).isSymbolicLink()).toBe(true);
    expect(statSync(device).isCharacterDevice()).toBe(true);
  });
});
