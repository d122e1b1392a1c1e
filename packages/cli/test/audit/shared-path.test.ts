import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { makeTempDir, parseLines, readAuditFiles } from './fixtures/audit-files.js';

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
afterEach(() => cleanup());

describe('AuditLog with two writers on one path (a rolling restart on one host)', () => {
  it('every event of two interleaved writers is kept exactly once, whole, in files that stay within the limit', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const maxSizeMb = 0.01;
    const limit = maxSizeMb * 1024 * 1024;
    const errors: Error[] = [];
    const options = { path: file, maxSizeMb, compressRotated: true, onError: (e: Error) => errors.push(e) };
    const first = AuditLog.open(options);
    const second = AuditLog.open(options);
    const total = 4000;
    for (let seq = 0; seq < total; seq++) {
      // Runs of one writer, then the other, of varied lengths.
      const writer = Math.floor(seq / (1 + (seq % 7))) % 2 === 0 ? first : second;
      writer.write({ event: 'decision', seq, pad: 'p'.repeat((seq * 7919) % 200) });
      // Let the background compressions run between writes now and then.
      if (seq % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all([first.close(), second.close()]);

    const files = readAuditFiles(file);
    expect(files.filter((f) => f.kind === 'gz').length).toBeGreaterThan(20);
    const seqs = files.flatMap((f) => parseLines(f.content).map((line) => line.seq as number)); // throws on a split line
    expect(seqs.length).toBe(total);
    expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(files.filter((f) => Buffer.byteLength(f.content) > limit).map((f) => f.name)).toEqual([]);
    expect(files.filter((f) => f.kind === 'plain' || f.kind === 'gz.tmp').map((f) => f.name)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('a writer whose file another writer rotated writes its next line to the new live file', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const options = { path: file, maxSizeMb: 0.0002, compressRotated: false }; // about 210 bytes: two lines
    const first = AuditLog.open(options);
    const second = AuditLog.open(options);
    first.write({ event: 'tick', by: 'first', seq: 0 });
    second.write({ event: 'tick', by: 'second', seq: 1 });
    first.write({ event: 'tick', by: 'first', seq: 2 }); // does not fit: first rotates
    second.write({ event: 'tick', by: 'second', seq: 3 });
    await Promise.all([first.close(), second.close()]);
    expect(readAuditFiles(file).map((f) => [f.kind, parseLines(f.content).map((l) => l.seq)])).toEqual([
      ['plain', [0, 1]],
      ['live', [2, 3]],
    ]);
  });

  it('a live file removed by hand is created again by the next write', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false });
    log.write({ event: 'a' });
    rmSync(file);
    log.write({ event: 'b' });
    await log.close();
    expect(parseLines(readFileSync(file, 'utf8')).map((l) => l.event)).toEqual(['b']);
  });
});
