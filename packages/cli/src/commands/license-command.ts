import { sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, parseConfig } from '@mcpgw/core';
import type { CliIo } from '../cli-io.js';
import type { OptionValues } from '../command-line/parse-command-line.js';
import { UsageError } from '../command-line/usage-error.js';
import { describeReadError } from '../daemon/read-error.js';
import { ExitCodes } from '../exit-codes.js';
import { entitlementsOf, formatLicenseFile, isLicenseTimestamp, LicenseFormatError, licenseeOf, signedBytes, type LicensePayload } from '../license/license-file.js';
import { describeFileError, LicenseKeyError, loadPrivateKey } from '../license/license-keys.js';
import { INVALID_STATUSES, judgeLicense, readLicense, type LicenseReport } from '../license/license-status.js';

const SIGN = 'license sign';

/**
 * `mcpgw license sign`: a license signed with `--key`, on stdout or in
 * `--out`. Exit 1 when the key cannot be used or the file cannot be written;
 * throws {@link UsageError} for a missing option or a malformed value.
 */
export function licenseSignCommand(values: OptionValues, io: CliIo, now: Date = new Date()): number {
  const keyPath = required(values, 'key');
  const payload = payloadOf(values, now);
  let signature: Buffer;
  try {
    signature = sign(null, signedBytes(payload), loadPrivateKey(keyPath));
  } catch (error) {
    if (!(error instanceof LicenseKeyError)) throw error;
    io.err(`mcpgw ${SIGN}: ${error.message}\n`);
    return ExitCodes.FAILURE;
  }
  const text = formatLicenseFile(payload, signature);
  const out = values['out'];
  if (typeof out !== 'string') {
    io.out(text);
    return ExitCodes.OK;
  }
  try {
    writeFileSync(out, text, { mode: 0o644 });
  } catch (error) {
    io.err(`mcpgw ${SIGN}: cannot write ${out}: ${describeFileError(error)}\n`);
    return ExitCodes.FAILURE;
  }
  io.out(`${out}: signed for ${JSON.stringify(payload.licensee)}, expires ${payload.expires}\n`);
  return ExitCodes.OK;
}

/**
 * `mcpgw license show`: the license `license.path` names, judged now as the
 * daemon would at start. Exit 0 when valid or unverified, 1 when it is not
 * (or the config is unusable, or names no license).
 */
export async function licenseShowCommand(configPath: string, io: CliIo, now: Date = new Date()): Promise<number> {
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (error) {
    io.err(`${describeReadError(error, configPath)}\n`);
    return ExitCodes.FAILURE;
  }
  let license;
  try {
    license = parseConfig(text).license;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`${error.format(configPath)}\n`);
    return ExitCodes.FAILURE;
  }
  if (license === undefined) {
    io.err(`${configPath} has no license.path: the gateway runs without a license\n`);
    return ExitCodes.FAILURE;
  }
  const configDir = dirname(resolve(configPath));
  const path = resolve(configDir, license.path);
  const report = judgeLicense(readLicense(path, license.public_key, configDir), now);
  io.out(formatReport(path, report));
  return INVALID_STATUSES.has(report.status) ? ExitCodes.FAILURE : ExitCodes.OK;
}

function formatReport(path: string, report: LicenseReport): string {
  const rows: Array<[string, string]> = [
    ['license', path],
    ['licensee', report.licensee ?? '-'],
    ['issued', report.issued ?? '-'],
    ['expires', report.expires ?? '-'],
    ['entitlements', report.entitlements === null ? '-' : report.entitlements.join(', ') || '(none)'],
    ['status', report.status],
    ['days left', report.days_left === null ? '-' : String(report.days_left)],
  ];
  if (report.reason !== null) rows.push(['reason', report.reason]);
  return rows.map(([name, value]) => `${`${name}:`.padEnd(14)}${value}\n`).join('');
}

function payloadOf(values: OptionValues, now: Date): LicensePayload {
  const issued = typeof values['issued'] === 'string' ? timestampOption(values, 'issued') : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const expires = timestampOption(values, 'expires');
  if (Date.parse(expires) <= Date.parse(issued)) throw new UsageError(`--expires ${expires} is not after --issued ${issued}`, SIGN);
  const list = values['entitlements'];
  try {
    const licensee = licenseeOf(required(values, 'licensee'));
    const entitlements = entitlementsOf(typeof list === 'string' ? list.split(',').map((item) => item.trim()) : []);
    return { licensee, issued, expires, entitlements };
  } catch (error) {
    if (!(error instanceof LicenseFormatError)) throw error;
    throw new UsageError(error.message.replace(/^"(licensee|entitlements)"/, '--$1'), SIGN);
  }
}

/** `--expires 2027-12-31` (that day's first second, UTC) or `2027-12-31T12:00:00Z`, as the license writes it. */
function timestampOption(values: OptionValues, name: string): string {
  const text = required(values, name);
  const timestamp = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  if (!isLicenseTimestamp(timestamp)) {
    throw new UsageError(`--${name} must be a date such as 2027-12-31 or a UTC time such as 2027-12-31T12:00:00Z (got ${JSON.stringify(text)})`, SIGN);
  }
  return timestamp;
}

function required(values: OptionValues, name: string): string {
  const value = values[name];
  if (typeof value !== 'string') throw new UsageError(`--${name} is required`, SIGN);
  return value;
}
