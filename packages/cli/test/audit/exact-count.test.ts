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

describe('AuditLog under a burst of rotations with compression', () => {
  it('5,000 events come back exactly once, in order, across gzipped rotations, no file over the limit', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const maxSizeMb = 0.01;
    const limit = maxSizeMb * 1024 * 1024;
    const errors: Error[] = [];
    const log = AuditLog.open({ path: file, maxSizeMb, compressRotated: true, onError: (e) => errors.push(e) });
    const total = 5000;
    for (let seq = 0; seq < total; seq++) {
      // Varied sizes, and now and then a line larger than the whole limit.
      const pad = seq % 997 === 500 ? 'B'.repeat(15_000) : 'p'.repeat((seq * 7919) % 300);
      log.write({ event: 'decision', seq, pad, text: 'ünïcødé ✓' });
      // Let the background compression interleave with the writes now and then.
      if (seq % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await log.close();

    const files = readAuditFiles(file);
    expect(files.at(-1)?.kind).toBe('live');
    const rotated = files.slice(0, -1);
    expect(rotated.length).toBeGreaterThan(50);
    expect(rotated.filter((f) => f.kind !== 'gz')).toEqual([]);

    const seqs: unknown[] = [];
    let oversized = 0;
    for (const f of files) {
      const lines = parseLines(f.content); // throws on a line that is not complete JSON
      expect(lines.length).toBeGreaterThan(0);
      if (Buffer.byteLength(f.content) > limit) {
        expect(lines).toHaveLength(1);
        oversized += 1;
      }
      for (const line of lines) {
        expect(Object.keys(line).slice(0, 2)).toEqual(['time', 'event']);
        expect(line.text).toBe('ünïcødé ✓');
        seqs.push(line.seq);
      }
    }
    expect(seqs).toHaveLength(total);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(oversized).toBe(5);
    expect(errors).toEqual([]);
  });
});
