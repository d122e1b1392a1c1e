import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { McpgwError } from '@mcpgw/core';
import { AuditLog } from '../../src/audit/audit-log.js';
import { AuditLogError, AuditLogErrorCodes } from '../../src/audit/audit-log-error.js';
import { makeTempDir, parseLines } from './fixtures/audit-files.js';

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
afterEach(() => cleanup());

describe('AuditLog errors', () => {
  it('a directory that cannot be created is reported, and write neither throws nor crashes', async () => {
    writeFileSync(path.join(dir, 'blocker'), '');
    const file = path.join(dir, 'blocker', 'logs', 'audit.jsonl');
    const errors: Error[] = [];
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: true, onError: (e) => errors.push(e) });
    expect(() => {
      for (let i = 0; i < 100; i++) log.write({ event: 'decision', i });
    }).not.toThrow();
    await log.close();
    // Reported at open; retries are at most once a second, so not once per line.
    expect(errors).toHaveLength(1);
    const error = errors[0];
    expect(error).toBeInstanceOf(AuditLogError);
    expect(error).toBeInstanceOf(McpgwError);
    expect(error).toMatchObject({ code: AuditLogErrorCodes.WRITE_FAILED, path: file });
    expect(error?.message).toMatch(/cannot open: .*ENOTDIR/);
    expect((error?.cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
  });

  it('works without onError, and survives an onError that throws', async () => {
    writeFileSync(path.join(dir, 'blocker'), '');
    const file = path.join(dir, 'blocker', 'audit.jsonl');
    const silent = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false });
    silent.write({ event: 'x' });
    const throwing = AuditLog.open({
      path: file,
      maxSizeMb: 1,
      compressRotated: false,
      onError: () => {
        throw new Error('handler bug');
      },
    });
    expect(() => throwing.write({ event: 'x' })).not.toThrow();
    await Promise.all([silent.close(), throwing.close()]);
  });

  it('writes again once the file can be opened, and says how many lines were dropped', async () => {
    const blocker = path.join(dir, 'logs');
    writeFileSync(blocker, '');
    const file = path.join(blocker, 'audit.jsonl');
    const errors: Error[] = [];
    const options = { path: file, maxSizeMb: 1, compressRotated: false, onError: (e: Error) => errors.push(e) };
    const log = AuditLog.open(options);
    log.write({ event: 'lost', n: 1 });
    log.write({ event: 'lost', n: 2 });
    rmSync(blocker);
    log.reconfigure(options); // a reload retries at once
    log.write({ event: 'kept' });
    await log.close();
    expect(parseLines(readFileSync(file, 'utf8')).map((l) => l.event)).toEqual(['kept']);
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('cannot open'), `${file}: writable again; 2 lines were dropped meanwhile`]);
  });

  it('retries a failed open on a later write after a second', async () => {
    const blocker = path.join(dir, 'logs');
    writeFileSync(blocker, '');
    const file = path.join(blocker, 'audit.jsonl');
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false });
    log.write({ event: 'lost' });
    rmSync(blocker);
    log.write({ event: 'lost' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    log.write({ event: 'kept' });
    await log.close();
    expect(parseLines(readFileSync(file, 'utf8')).map((l) => l.event)).toEqual(['kept']);
  });

  it('an event that is not serializable is reported and dropped; the next one is written', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const errors: Error[] = [];
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false, onError: (e) => errors.push(e) });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    log.write({ event: 'bad', big: 1n });
    log.write({ event: 'bad', cyclic });
    log.write({ event: 'good' });
    await log.close();
    expect(parseLines(readFileSync(file, 'utf8')).map((l) => l.event)).toEqual(['good']);
    expect(errors.map((e) => (e as AuditLogError).code)).toEqual([AuditLogErrorCodes.EVENT_INVALID, AuditLogErrorCodes.EVENT_INVALID]);
  });

  it('a write after close is reported once and dropped', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const errors: Error[] = [];
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false, onError: (e) => errors.push(e) });
    log.write({ event: 'a' });
    await log.close();
    log.write({ event: 'b' });
    log.write({ event: 'c' });
    await log.close();
    expect(parseLines(readFileSync(file, 'utf8')).map((l) => l.event)).toEqual(['a']);
    expect(errors.map((e) => (e as AuditLogError).code)).toEqual([AuditLogErrorCodes.CLOSED]);
  });

  it('rejects a size limit that is not positive', () => {
    expect(() => AuditLog.open({ path: path.join(dir, 'a.jsonl'), maxSizeMb: 0, compressRotated: false })).toThrow(RangeError);
  });
});
