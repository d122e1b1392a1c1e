import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gunzippedSize, publishGzip } from '../../src/audit/publish-gzip.js';
import { makeTempDir } from './fixtures/audit-files.js';

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
afterEach(() => cleanup());

/** A temporary gzip of `text`, as a compression leaves it before publishing. */
function temporary(name: string, text: string): { tmp: string; ino: number; bytes: number } {
  const tmp = path.join(dir, name);
  writeFileSync(tmp, gzipSync(text));
  return { tmp, ino: statSync(tmp).ino, bytes: Buffer.byteLength(text) };
}

describe('publishGzip', () => {
  it('makes the temporary file the .gz when there is none', async () => {
    const gz = path.join(dir, 'a.gz');
    const ours = temporary('a.gz.1-aa.tmp', 'line 1\n');
    expect(await publishGzip(ours.tmp, gz, { ino: ours.ino, bytes: ours.bytes })).toEqual({ ino: ours.ino, bytes: ours.bytes });
    expect(existsSync(ours.tmp)).toBe(false);
    expect(gunzipSync(readFileSync(gz)).toString()).toBe('line 1\n');
  });

  it('keeps a .gz another process published that holds as much, and drops its own', async () => {
    const gz = path.join(dir, 'a.gz');
    writeFileSync(gz, gzipSync('line 1\nline 2\n'));
    const theirs = statSync(gz).ino;
    const ours = temporary('a.gz.1-aa.tmp', 'line 1\n');
    expect(await publishGzip(ours.tmp, gz, { ino: ours.ino, bytes: ours.bytes })).toEqual({ ino: theirs, bytes: 14 });
    expect(existsSync(ours.tmp)).toBe(false);
    expect(gunzipSync(readFileSync(gz)).toString()).toBe('line 1\nline 2\n');
  });

  it('replaces a .gz that holds less of the file, or is truncated', async () => {
    const gz = path.join(dir, 'a.gz');
    for (const existing of [gzipSync('line 1\n'), gzipSync('line 1\nline 2\n').subarray(0, 10)]) {
      writeFileSync(gz, existing);
      const ours = temporary('a.gz.1-aa.tmp', 'line 1\nline 2\n');
      expect(await publishGzip(ours.tmp, gz, { ino: ours.ino, bytes: ours.bytes })).toEqual({ ino: ours.ino, bytes: ours.bytes });
      expect(gunzipSync(readFileSync(gz)).toString()).toBe('line 1\nline 2\n');
    }
  });
});

describe('gunzippedSize', () => {
  it('counts the bytes of every gzip member, and says undefined for a truncated file', async () => {
    const gz = path.join(dir, 'a.gz');
    writeFileSync(gz, Buffer.concat([gzipSync('abc\n'), gzipSync('de\n')]));
    expect(await gunzippedSize(gz)).toBe(7);
    writeFileSync(gz, gzipSync('abc\n').subarray(0, 8));
    expect(await gunzippedSize(gz)).toBeUndefined();
  });
});
