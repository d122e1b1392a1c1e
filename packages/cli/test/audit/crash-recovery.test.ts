import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
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

/** Dates a file back an hour: a temporary gzip that old was left by a compression that died. */
const abandon = (file: string): void => utimesSync(file, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
const line = (event: string): string => `${JSON.stringify({ time: '2026-11-26T00:00:00.000Z', event })}\n`;

describe('AuditLog crash recovery at open', () => {
  it('cuts a partial last line back to the last newline, reports it, and appends cleanly', async () => {
    const file = path.join(dir, 'audit.jsonl');
    writeFileSync(file, `${line('a')}${line('b')}{"time":"2026-11-26T00:00:00.000Z","ev`);
    const errors: Error[] = [];
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false, onError: (e) => errors.push(e) });
    log.write({ event: 'c' });
    await log.close();
    expect(parseLines(readFileSync(file, 'utf8')).map((l) => l.event)).toEqual(['a', 'b', 'c']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: AuditLogErrorCodes.PARTIAL_LINE_CUT, path: file });
    expect(errors[0]?.message).toContain('cut a partial last line of 38 bytes');
  });

  it('cuts a file that holds only a partial line to empty', async () => {
    const file = path.join(dir, 'audit.jsonl');
    writeFileSync(file, '{"time":"2026'.repeat(10_000)); // longer than one 64 KiB read chunk
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false });
    log.write({ event: 'c' });
    await log.close();
    expect(parseLines(readFileSync(file, 'utf8')).map((l) => l.event)).toEqual(['c']);
  });

  it('leaves a file that ends with a newline untouched', async () => {
    const file = path.join(dir, 'audit.jsonl');
    writeFileSync(file, `${line('a')}`);
    const errors: Error[] = [];
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false, onError: (e) => errors.push(e) });
    await log.close();
    expect(readFileSync(file, 'utf8')).toBe(line('a'));
    expect(errors).toEqual([]);
  });

  it('compresses rotated plain files left without a .gz', async () => {
    const file = path.join(dir, 'audit.jsonl');
    writeFileSync(path.join(dir, 'audit.jsonl.20260101T000000.000Z'), line('r1'));
    writeFileSync(path.join(dir, 'audit.jsonl.20260101T000000.000Z-1'), line('r2'));
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: true });
    await log.close();
    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', 'audit.jsonl.20260101T000000.000Z-1.gz', 'audit.jsonl.20260101T000000.000Z.gz']);
    expect(readAuditFiles(file).flatMap((f) => parseLines(f.content).map((l) => l.event))).toEqual(['r1', 'r2']);
  });

  it('leaves rotated plain files alone when compression is off', async () => {
    const file = path.join(dir, 'audit.jsonl');
    writeFileSync(path.join(dir, 'audit.jsonl.20260101T000000.000Z'), line('r1'));
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false });
    await log.close();
    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', 'audit.jsonl.20260101T000000.000Z']);
  });

  it('deletes an abandoned .gz.tmp leftover and compresses its plain file again', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const rotated = path.join(dir, 'audit.jsonl.20260101T000000.000Z');
    writeFileSync(rotated, line('r1') + line('r2'));
    writeFileSync(`${rotated}.gz.tmp`, gzipSync(line('r1') + line('r2')).subarray(0, 20));
    abandon(`${rotated}.gz.tmp`);
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: true });
    await log.close();
    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', 'audit.jsonl.20260101T000000.000Z.gz']);
    expect(readAuditFiles(file).flatMap((f) => parseLines(f.content).map((l) => l.event))).toEqual(['r1', 'r2']);
  });

  it('deletes an abandoned temporary gzip even when compression is now off, keeping the plain file', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const rotated = path.join(dir, 'audit.jsonl.20260101T000000.000Z');
    writeFileSync(rotated, line('r1'));
    writeFileSync(`${rotated}.gz.4242-0a1b2c3d.tmp`, 'partial');
    abandon(`${rotated}.gz.4242-0a1b2c3d.tmp`);
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false });
    await log.close();
    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', 'audit.jsonl.20260101T000000.000Z']);
  });

  it('leaves a recent temporary gzip of a running process alone: another instance may be writing it', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const rotated = path.join(dir, 'audit.jsonl.20260101T000000.000Z');
    const tmp = `${rotated}.gz.${process.pid}-0a1b2c3d.tmp`;
    writeFileSync(rotated, line('r1'));
    writeFileSync(tmp, 'being written');
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: true });
    await log.close();
    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', 'audit.jsonl.20260101T000000.000Z.gz', path.basename(tmp)]);
    expect(readFileSync(tmp, 'utf8')).toBe('being written');
  });

  it('deletes a recent temporary gzip whose process has exited (a restart right after a crash)', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.once('exit', resolve));
    const file = path.join(dir, 'audit.jsonl');
    const rotated = path.join(dir, 'audit.jsonl.20260101T000000.000Z');
    writeFileSync(rotated, line('r1'));
    writeFileSync(`${rotated}.gz.${String(child.pid)}-0a1b2c3d.tmp`, 'partial');
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: true });
    await log.close();
    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', 'audit.jsonl.20260101T000000.000Z.gz']);
  });

  it('removes a rotated plain file whose .gz is complete, keeping that .gz as it is', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const rotated = path.join(dir, 'audit.jsonl.20260101T000000.000Z');
    writeFileSync(rotated, line('r1'));
    writeFileSync(`${rotated}.gz`, gzipSync(line('r1')));
    const gzInode = statSync(`${rotated}.gz`).ino;
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false });
    await log.close();
    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', 'audit.jsonl.20260101T000000.000Z.gz']);
    expect(statSync(`${rotated}.gz`).ino).toBe(gzInode);
  });

  it('replaces a truncated .gz beside its plain file with a complete one', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const rotated = path.join(dir, 'audit.jsonl.20260101T000000.000Z');
    const content = Array.from({ length: 50 }, (_, i) => line(`r${i}`)).join('');
    writeFileSync(rotated, content);
    const gz = gzipSync(content);
    writeFileSync(`${rotated}.gz`, gz.subarray(0, gz.length - 10));
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: true });
    await log.close();
    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', 'audit.jsonl.20260101T000000.000Z.gz']);
    expect(readAuditFiles(file)[0]?.content).toBe(content);
  });

  it('ignores files that are not rotations of its live file', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const others = ['other.jsonl.20260101T000000.000Z', 'audit.jsonl.bak', 'audit.jsonl.1', 'notes.txt'];
    for (const name of others) writeFileSync(path.join(dir, name), 'x');
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: true });
    await log.close();
    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', ...others].sort());
  });
});
