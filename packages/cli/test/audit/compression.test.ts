import { appendFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { AuditLogErrorCodes } from '../../src/audit/audit-log-error.js';
import { makeTempDir, parseLines, readAuditFiles } from './fixtures/audit-files.js';

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
afterEach(() => cleanup());

describe('AuditLog compression of rotated files', () => {
  it('gzips every rotated file of a burst in the background and removes the plain files', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const errors: Error[] = [];
    const log = AuditLog.open({ path: file, maxSizeMb: 0.001, compressRotated: true, onError: (e) => errors.push(e) });
    for (let seq = 0; seq < 200; seq++) log.write({ event: 'decision', seq });
    // Compression is off the write path: right after the burst, the rotated files are still plain.
    expect(readAuditFiles(file).filter((f) => f.kind === 'plain').length).toBeGreaterThan(5);
    await log.close();
    const files = readAuditFiles(file);
    expect(files.filter((f) => f.kind !== 'gz' && f.kind !== 'live')).toEqual([]);
    expect(files.filter((f) => f.kind === 'gz').length).toBeGreaterThan(5);
    expect(files.flatMap((f) => parseLines(f.content).map((line) => line.seq))).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(errors).toEqual([]);
  });

  it('leaves rotated files plain when compression is off', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const log = AuditLog.open({ path: file, maxSizeMb: 0.001, compressRotated: false });
    for (let seq = 0; seq < 100; seq++) log.write({ event: 'decision', seq });
    await log.close();
    expect(readdirSync(dir).some((name) => name.endsWith('.gz'))).toBe(false);
  });

  it('reports a failed compression and keeps the plain file', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const rotated = path.join(dir, 'audit.jsonl.20260101T000000.000Z');
    writeFileSync(rotated, `${JSON.stringify({ event: 'old' })}\n`);
    mkdirSync(`${rotated}.gz`); // a directory where the gzip must go
    writeFileSync(path.join(`${rotated}.gz`, 'blocker'), '');
    const errors: Error[] = [];
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: true, onError: (e) => errors.push(e) });
    log.write({ event: 'startup' });
    await log.close();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: AuditLogErrorCodes.COMPRESS_FAILED, path: rotated });
    expect(errors[0]?.message).toContain('cannot compress, the plain file is kept');
    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', 'audit.jsonl.20260101T000000.000Z', 'audit.jsonl.20260101T000000.000Z.gz']);
  });

  it('a compression that fails midway removes its temporary file', async () => {
    const file = path.join(dir, 'audit.jsonl');
    mkdirSync(path.join(dir, 'audit.jsonl.20260101T000000.000Z')); // unreadable as a file: gzip fails after the .tmp is created
    const errors: Error[] = [];
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: true, onError: (e) => errors.push(e) });
    await log.close();
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/cannot compress, the plain file is kept: .*EISDIR/)]);
    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', 'audit.jsonl.20260101T000000.000Z']);
  });

  it('waits until a rotated file is quiet: a line another instance appends late is compressed with it', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const rotated = path.join(dir, 'audit.jsonl.20260101T000000.000Z');
    writeFileSync(rotated, `${JSON.stringify({ event: 'r', n: 1 })}\n`);
    const errors: Error[] = [];
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: true, onError: (e) => errors.push(e) });
    // Another instance that checked the live path just before the rename appends one more line.
    await new Promise((resolve) => setTimeout(resolve, 300));
    appendFileSync(rotated, `${JSON.stringify({ event: 'r', n: 2 })}\n`);
    await log.close();
    expect(readAuditFiles(file).map((f) => [f.kind, parseLines(f.content).map((l) => l.n)])).toEqual([
      ['gz', [1, 2]],
      ['live', []],
    ]);
    expect(errors).toEqual([]);
  });

  it('two logs compressing the same rotated file at once leave one complete .gz and no plain or temporary file', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const rotated = path.join(dir, 'audit.jsonl.20260101T000000.000Z');
    const content = Array.from({ length: 2000 }, (_, n) => `${JSON.stringify({ event: 'r', n })}\n`).join('');
    writeFileSync(rotated, content);
    const errors: Error[] = [];
    const options = { path: file, maxSizeMb: 1, compressRotated: true, onError: (e: Error) => errors.push(e) };
    const first = AuditLog.open(options);
    const second = AuditLog.open(options);
    await Promise.all([first.close(), second.close()]);
    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', 'audit.jsonl.20260101T000000.000Z.gz']);
    expect(readAuditFiles(file)[0]?.content).toBe(content);
    expect(errors).toEqual([]);
  });
});
