import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, type AuditLogOptions } from '../../src/audit/audit-log.js';
import { AuditLogErrorCodes } from '../../src/audit/audit-log-error.js';
import { makeTempDir, parseLines, readAuditFiles } from './fixtures/audit-files.js';

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
afterEach(() => cleanup());

describe('AuditLog.reconfigure', () => {
  it('a path change sends the next line to the new file, none lost or split', async () => {
    const first = path.join(dir, 'one', 'audit.jsonl');
    const second = path.join(dir, 'two', 'audit.jsonl');
    const log = AuditLog.open({ path: first, maxSizeMb: 1, compressRotated: false });
    for (let seq = 0; seq < 10; seq++) log.write({ event: 'tick', seq });
    log.reconfigure({ path: second, maxSizeMb: 1, compressRotated: false });
    expect(log.path).toBe(second);
    for (let seq = 10; seq < 20; seq++) log.write({ event: 'tick', seq });
    await log.close();
    expect(parseLines(readFileSync(first, 'utf8')).map((l) => l.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(parseLines(readFileSync(second, 'utf8')).map((l) => l.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 10));
  });

  it('a path change applies crash recovery to the new file', async () => {
    const second = path.join(dir, 'audit2.jsonl');
    writeFileSync(second, '{"event":"a"}\n{"eve');
    writeFileSync(`${second}.20260101T000000.000Z`, '{"event":"r"}\n');
    const log = AuditLog.open({ path: path.join(dir, 'audit.jsonl'), maxSizeMb: 1, compressRotated: true });
    log.reconfigure({ path: second, maxSizeMb: 1, compressRotated: true });
    log.write({ event: 'b' });
    await log.close();
    expect(readAuditFiles(second).map((f) => [f.kind, parseLines(f.content).map((l) => l.event)])).toEqual([
      ['gz', ['r']],
      ['live', ['a', 'b']],
    ]);
  });

  it('a new size limit applies from the next write', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false });
    for (let seq = 0; seq < 20; seq++) log.write({ event: 'tick', seq });
    expect(readdirSync(dir)).toEqual(['audit.jsonl']);
    log.reconfigure({ path: file, maxSizeMb: 0.0005, compressRotated: false });
    log.write({ event: 'tick', seq: 20 });
    await log.close();
    const files = readAuditFiles(file);
    expect(files.map((f) => parseLines(f.content).map((l) => l.seq))).toEqual([Array.from({ length: 20 }, (_, i) => i), [20]]);
  });

  it('turning compression on compresses later rotations and the plain ones already there', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const options: AuditLogOptions = { path: file, maxSizeMb: 0.0005, compressRotated: false };
    const log = AuditLog.open(options);
    for (let seq = 0; seq < 30; seq++) log.write({ event: 'tick', seq });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readdirSync(dir).some((name) => name.endsWith('.gz'))).toBe(false);
    log.reconfigure({ ...options, compressRotated: true });
    for (let seq = 30; seq < 60; seq++) log.write({ event: 'tick', seq });
    await log.close();
    const files = readAuditFiles(file);
    expect(files.filter((f) => f.kind === 'plain' || f.kind === 'gz.tmp')).toEqual([]);
    expect(files.flatMap((f) => parseLines(f.content).map((l) => l.seq))).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('turning compression off leaves later rotations plain', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const log = AuditLog.open({ path: file, maxSizeMb: 0.0005, compressRotated: true });
    log.reconfigure({ path: file, maxSizeMb: 0.0005, compressRotated: false });
    for (let seq = 0; seq < 30; seq++) log.write({ event: 'tick', seq });
    await log.close();
    expect(readdirSync(dir).some((name) => name.endsWith('.gz'))).toBe(false);
  });

  it('a new path that cannot be opened is reported and writing goes on to the old file', async () => {
    const file = path.join(dir, 'audit.jsonl');
    writeFileSync(path.join(dir, 'blocker'), '');
    const errors: Error[] = [];
    const log = AuditLog.open({ path: file, maxSizeMb: 1, compressRotated: false, onError: (e) => errors.push(e) });
    log.write({ event: 'a' });
    log.reconfigure({ path: path.join(dir, 'blocker', 'audit.jsonl'), maxSizeMb: 1, compressRotated: false, onError: (e) => errors.push(e) });
    log.write({ event: 'b' });
    await log.close();
    expect(log.path).toBe(file);
    expect(parseLines(readFileSync(file, 'utf8')).map((l) => l.event)).toEqual(['a', 'b']);
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual([AuditLogErrorCodes.WRITE_FAILED, AuditLogErrorCodes.WRITE_FAILED]);
    expect(errors[1]?.message).toContain(`still writing to ${file}`);
  });
});
