import { existsSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { tryLockRotation } from '../../src/audit/rotation-lock.js';
import { makeTempDir, parseLines, readAuditFiles } from './fixtures/audit-files.js';

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
afterEach(() => cleanup());

describe('the rotation lock', () => {
  it('is held by one at a time and gone once released', () => {
    const file = path.join(dir, 'audit.jsonl');
    const first = tryLockRotation(file);
    expect(first).not.toBeNull();
    expect(tryLockRotation(file)).toBeNull();
    first?.release();
    expect(existsSync(`${file}.lock`)).toBe(false);
    const again = tryLockRotation(file);
    expect(again).not.toBeNull();
    again?.release();
  });

  it('while another process holds it, lines go on past the limit, and the next write after it is released rotates', async () => {
    const file = path.join(dir, 'audit.jsonl');
    writeFileSync(`${file}.lock`, '4242\n');
    const errors: Error[] = [];
    const log = AuditLog.open({ path: file, maxSizeMb: 0.0005, compressRotated: false, onError: (e) => errors.push(e) });
    for (let seq = 0; seq < 20; seq++) log.write({ event: 'tick', seq });
    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', 'audit.jsonl.lock']);
    expect(parseLines(readAuditFiles(file)[0]?.content ?? '')).toHaveLength(20);
    rmSync(`${file}.lock`);
    log.write({ event: 'tick', seq: 20 });
    await log.close();
    expect(readAuditFiles(file).map((f) => parseLines(f.content).map((l) => l.seq))).toEqual([Array.from({ length: 20 }, (_, i) => i), [20]]);
    expect(errors).toEqual([]);
  });

  it('a lock left by a crash is removed once stale, and rotation goes on', async () => {
    const file = path.join(dir, 'audit.jsonl');
    writeFileSync(`${file}.lock`, '4242\n');
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, minuteAgo, minuteAgo);
    const errors: Error[] = [];
    const log = AuditLog.open({ path: file, maxSizeMb: 0.0005, compressRotated: false, onError: (e) => errors.push(e) });
    for (let seq = 0; seq < 20; seq++) log.write({ event: 'tick', seq });
    await log.close();
    const files = readAuditFiles(file);
    expect(files.length).toBeGreaterThan(2);
    expect(files.flatMap((f) => parseLines(f.content).map((l) => l.seq))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(readdirSync(dir).filter((name) => name.includes('.lock'))).toEqual([]);
    expect(errors).toEqual([]);
  });
});
