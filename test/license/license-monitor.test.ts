// The license monitor with a controlled clock: the 30/7/1-day warnings once
// per threshold, the move to expired logged and audited once, the check
// repeated on its own timer (an interval of milliseconds standing for the
// hour), and the expiry the metrics gauge reads. Real keys and signatures.

import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatLicenseFile, signedBytes } from '../../packages/cli/dist/license/license-file.js';
import { LICENSE_CHECK_INTERVAL_MS, licenseCheckIntervalMs, LicenseMonitor, type LicenseInvalidEvent } from '../../packages/cli/dist/license/license-monitor.js';
import { tempDir } from '../daemon/harness.js';
import { flipSignatureBit, memoryLogger, opensslKeyPair } from './license-fixtures.js';

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;
const EXPIRES = '2027-12-01T00:00:00Z';
const EXPIRY = Date.parse(EXPIRES);

let dir: string;
let keys: { privateKey: string; publicKey: string };
beforeAll(() => {
  dir = tempDir('mcpgw-license-');
  keys = opensslKeyPair(dir);
});

function licenseFile(name: string): string {
  const payload = { licensee: 'Example Corp', issued: '2026-12-01T00:00:00Z', expires: EXPIRES, entitlements: ['gateway'] };
  const path = join(dir, name);
  writeFileSync(path, formatLicenseFile(payload, sign(null, signedBytes(payload), createPrivateKey(readFileSync(keys.privateKey)))));
  return path;
}

/** A monitor on a clock the test moves; its log lines (msg, level) and audit events. */
function monitorAt(start: number, options: { path?: string; publicKey?: string | undefined; intervalMs?: number } = {}) {
  const clock = { now: start };
  const { logger, lines } = memoryLogger();
  const audited: LicenseInvalidEvent[] = [];
  const monitor = new LicenseMonitor({
    path: options.path ?? licenseFile('license.json'),
    publicKey: 'publicKey' in options ? options.publicKey : keys.publicKey,
    configDir: dir,
    logger,
    audit: (event) => audited.push(event),
    now: () => new Date(clock.now),
    ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
  });
  const said = () => lines.filter((line) => line['level'] !== 20).map((line) => `${String(line['level'])} ${String(line['msg'])}`);
  return { monitor, clock, lines, audited, said };
}

describe('LicenseMonitor', () => {
  it('warns once as each of 30, 7 and 1 days before expiry is crossed, then logs and audits the expiry once', () => {
    const { monitor, clock, audited, said } = monitorAt(EXPIRY - 40 * DAY);
    const at = (ms: number) => {
      clock.now = ms;
      return monitor.check().status;
    };
    expect(at(EXPIRY - 40 * DAY)).toBe('valid');
    expect(at(EXPIRY - 31 * DAY)).toBe('valid');
    expect(at(EXPIRY - 30 * DAY)).toBe('valid');
    expect(at(EXPIRY - 29 * DAY)).toBe('valid');
    expect(at(EXPIRY - 8 * DAY)).toBe('valid');
    expect(at(EXPIRY - 7 * DAY + HOUR)).toBe('valid');
    expect(at(EXPIRY - 2 * DAY)).toBe('valid');
    expect(at(EXPIRY - DAY + HOUR)).toBe('valid');
    expect(at(EXPIRY - HOUR)).toBe('valid');
    expect(at(EXPIRY)).toBe('expired');
    expect(at(EXPIRY + HOUR)).toBe('expired');
    expect(at(EXPIRY + 30 * DAY)).toBe('expired');
    expect(said()).toEqual([
      `30 license: valid until ${EXPIRES}`,
      `40 license: expires within 30 days, on ${EXPIRES}`,
      `40 license: expires within 7 days, on ${EXPIRES}`,
      `40 license: expires within 1 day, on ${EXPIRES}`,
      `50 license: expired on ${EXPIRES}`,
    ]);
    expect(audited).toEqual([{ event: 'license_invalid', status: 'expired', license: join(dir, 'license.json'), licensee: 'Example Corp', expires: EXPIRES, reason: `expired on ${EXPIRES}` }]);
  });

  it('started 5 days before expiry, warns of the 7-day threshold only, and of the 1-day one when it comes', () => {
    const { monitor, clock, said } = monitorAt(EXPIRY - 5 * DAY);
    monitor.check();
    clock.now = EXPIRY - 3 * DAY;
    monitor.check();
    clock.now = EXPIRY - 12 * HOUR;
    monitor.check();
    expect(said()).toEqual([`30 license: valid until ${EXPIRES}`, `40 license: expires within 7 days, on ${EXPIRES}`, `40 license: expires within 1 day, on ${EXPIRES}`]);
  });

  it('without a public key warns that the license is unverified, and still warns near expiry', () => {
    const { monitor, audited, said } = monitorAt(EXPIRY - 10 * DAY, { publicKey: undefined });
    expect(monitor.check().status).toBe('unverified');
    expect(said()).toEqual(['40 license: unverified: no license.public_key to check its signature', `40 license: expires within 30 days, on ${EXPIRES}`]);
    expect(audited).toEqual([]);
  });

  it('checks again on its own timer, judging what it read at start against the clock', async () => {
    const path = licenseFile('timed.json');
    const { monitor, clock, lines, audited } = monitorAt(EXPIRY - 2 * HOUR, { path, intervalMs: 20 });
    monitor.start();
    expect(monitor.report.status).toBe('valid');
    // The file changes on disk: the monitor keeps what it read (a restart re-reads it).
    writeFileSync(path, 'garbage');
    clock.now = EXPIRY + HOUR;
    await waitUntil(() => audited.length === 1);
    expect(audited[0]).toMatchObject({ status: 'expired', licensee: 'Example Corp' });
    // The next checks find nothing new: they say so at debug level, and audit nothing more.
    await waitUntil(() => lines.some((line) => line['msg'] === 'license: checked' && line['status'] === 'expired'));
    monitor.stop();
    expect(audited).toHaveLength(1);
    const checks = lines.filter((line) => line['msg'] === 'license: checked').length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines.filter((line) => line['msg'] === 'license: checked').length, 'no check after stop()').toBe(checks);
    expect(LICENSE_CHECK_INTERVAL_MS).toBe(HOUR);
  });

  it('checks hourly unless MCPGW_LICENSE_CHECK_INTERVAL_MS names whole milliseconds >= 100; anything else is logged and ignored', () => {
    const { logger, lines } = memoryLogger();
    expect(licenseCheckIntervalMs({}, logger)).toBe(HOUR);
    expect(licenseCheckIntervalMs({ MCPGW_LICENSE_CHECK_INTERVAL_MS: '' }, logger)).toBe(HOUR);
    expect(licenseCheckIntervalMs({ MCPGW_LICENSE_CHECK_INTERVAL_MS: '250' }, logger)).toBe(250);
    expect(lines).toEqual([]);
    for (const value of ['50', '1e3', '-5', ' 200', '1h']) expect(licenseCheckIntervalMs({ MCPGW_LICENSE_CHECK_INTERVAL_MS: value }, logger), value).toBe(HOUR);
    expect(lines.map((line) => [line['level'], line['msg'], line['value']])).toEqual(
      ['50', '1e3', '-5', ' 200', '1h'].map((value) => [40, 'MCPGW_LICENSE_CHECK_INTERVAL_MS is not whole milliseconds >= 100: checking the license hourly', value]),
    );
  });

  it('gives the metrics gauge the expiry in seconds, or 0 for a license it cannot trust', () => {
    expect(monitorAt(EXPIRY - DAY).monitor.expiryTimestampSeconds).toBe(EXPIRY / 1000);
    expect(monitorAt(EXPIRY + DAY).monitor.expiryTimestampSeconds).toBe(EXPIRY / 1000);
    expect(monitorAt(EXPIRY - DAY, { publicKey: undefined }).monitor.expiryTimestampSeconds).toBe(EXPIRY / 1000);
    expect(monitorAt(EXPIRY - DAY, { path: join(dir, 'missing.json') }).monitor.expiryTimestampSeconds).toBe(0);
    const tampered = licenseFile('tampered.json');
    flipSignatureBit(tampered);
    const { monitor, said, audited } = monitorAt(EXPIRY - DAY, { path: tampered });
    expect(monitor.expiryTimestampSeconds).toBe(0);
    monitor.check();
    expect(said()).toEqual(['50 license: invalid signature: not signed by the key in license.public_key']);
    expect(audited).toMatchObject([{ status: 'invalid signature', reason: 'not signed by the key in license.public_key' }]);
  });
});

async function waitUntil(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not true within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
