import { verify } from 'node:crypto';
import { LicenseFormatError, parseLicenseFile, signedBytes, type LicensePayload } from './license-file.js';
import { describeFileError, loadPublicKey, readBounded } from './license-keys.js';

/**
 * What the daemon makes of its license, most serious first: `unreadable` (the
 * file or the key cannot be read or is malformed), `invalid signature` (the
 * key did not sign this payload: tampered, or another issuer's key),
 * `expired`, `unverified` (no `license.public_key` to check it with), `valid`.
 */
export type LicenseStatus = 'unreadable' | 'invalid signature' | 'expired' | 'unverified' | 'valid';

/** The statuses that are logged as errors and audited as `license_invalid`. */
export const INVALID_STATUSES: ReadonlySet<LicenseStatus> = new Set(['unreadable', 'invalid signature', 'expired']);

/** A license as read once, at start: its payload (when it parsed) and what its signature showed. */
export interface LicenseReading {
  /** The file, as an absolute path. */
  readonly path: string;
  readonly payload: LicensePayload | null;
  readonly signature: 'verified' | 'invalid' | 'unchecked';
  /** Why it is unreadable, or `null`. */
  readonly unreadable: string | null;
}

/** A reading judged against the clock: what `license show`, the logs and `/readyz` say. */
export interface LicenseReport {
  readonly status: LicenseStatus;
  readonly licensee: string | null;
  readonly issued: string | null;
  readonly expires: string | null;
  readonly entitlements: readonly string[] | null;
  /** Whole days until `expires` (rounded down; negative once expired), or `null` without a payload. */
  readonly days_left: number | null;
  /** Why the status is not `valid`, in words, or `null`. */
  readonly reason: string | null;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Reads the license file at `path` and checks its signature with the key
 * `publicKey` names (PEM inline, or a path relative to `configDir`). Never
 * throws: what cannot be read is said in `unreadable`.
 */
export function readLicense(path: string, publicKey: string | undefined, configDir: string): LicenseReading {
  let text: string;
  try {
    text = readBounded(path).toString('utf8');
  } catch (error) {
    return { path, payload: null, signature: 'unchecked', unreadable: `cannot read ${path}: ${describeFileError(error)}` };
  }
  let file: ReturnType<typeof parseLicenseFile>;
  try {
    file = parseLicenseFile(text);
  } catch (error) {
    if (!(error instanceof LicenseFormatError)) throw error;
    return { path, payload: null, signature: 'unchecked', unreadable: `${path}: ${error.message}` };
  }
  if (publicKey === undefined) return { path, payload: file.payload, signature: 'unchecked', unreadable: null };
  try {
    const key = loadPublicKey(publicKey, configDir);
    const verified = verify(null, signedBytes(file.payload), key, file.signature);
    return { path, payload: file.payload, signature: verified ? 'verified' : 'invalid', unreadable: null };
  } catch (error) {
    return { path, payload: file.payload, signature: 'unchecked', unreadable: (error as Error).message };
  }
}

/** The status of a reading at `now`, with the payload's fields for display. */
export function judgeLicense(reading: LicenseReading, now: Date): LicenseReport {
  const { payload } = reading;
  const daysLeft = payload === null ? null : Math.floor((Date.parse(payload.expires) - now.getTime()) / DAY_MS);
  const shown = {
    licensee: payload?.licensee ?? null,
    issued: payload?.issued ?? null,
    expires: payload?.expires ?? null,
    entitlements: payload?.entitlements ?? null,
    days_left: daysLeft,
  };
  if (reading.unreadable !== null || payload === null) return { status: 'unreadable', ...shown, reason: reading.unreadable ?? 'no payload' };
  if (reading.signature === 'invalid') return { status: 'invalid signature', ...shown, reason: 'not signed by the key in license.public_key' };
  if (Date.parse(payload.expires) <= now.getTime()) return { status: 'expired', ...shown, reason: `expired on ${payload.expires}` };
  if (reading.signature === 'unchecked') return { status: 'unverified', ...shown, reason: 'no license.public_key to check its signature' };
  return { status: 'valid', ...shown, reason: null };
}

/**
 * The log line for a report: `license: valid until …`, `license: expired on …`,
 * `license: <status>: <reason>` for the others.
 */
export function describeLicense(report: LicenseReport): string {
  if (report.status === 'valid') return `license: valid until ${report.expires}`;
  if (report.status === 'expired') return `license: ${report.reason}`;
  return `license: ${report.status}: ${report.reason}`;
}
