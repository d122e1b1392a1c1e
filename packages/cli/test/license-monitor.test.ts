import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LicenseMonitor } from '../src/license/license-monitor.js';

function memoryLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ base: null }, stream), lines };
}

const licenseFile = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'mcpgw-license-')), 'license.json');
  writeFileSync(path, content);
  return path;
};

describe('LicenseMonitor', () => {
  it('reads the license once and validates it against the clock', async () => {
    const path = licenseFile(JSON.stringify({ licensee: 'Example Corp', expires: '2027-01-31T00:00:00Z' }));
    const { logger, lines } = memoryLogger();
    const monitor = new LicenseMonitor(path, logger);
    expect(monitor.check(new Date('2026-12-01T00:00:00Z'))).toBe(true);
    // The file changes; the monitor keeps what it read at start (a restart re-reads it).
    writeFileSync(path, JSON.stringify({ licensee: 'Someone Else', expires: '2030-01-01T00:00:00Z' }));
    expect(monitor.check(new Date('2027-02-01T00:00:00Z'))).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => [line['msg'], line['licensee'] ?? null])).toEqual([
      ['license: valid', 'Example Corp'],
      ['license: expired', null],
    ]);
  });

  it('warns about a missing or malformed license file and never throws', async () => {
    const { logger, lines } = memoryLogger();
    expect(new LicenseMonitor('/nonexistent/license.json', logger).check(new Date())).toBe(false);
    expect(new LicenseMonitor(licenseFile('{"expires": "soon"}'), logger).check(new Date())).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => line['msg'])).toEqual(['license: cannot read the license file', 'license: cannot read the license file']);
  });
});
