import type { Logger } from '../logging/create-logger.js';
import { DAY_MS, describeLicense, INVALID_STATUSES, judgeLicense, readLicense, type LicenseReading, type LicenseReport, type LicenseStatus } from './license-status.js';

/** Hourly, as the hot-reload recipe says. */
export const LICENSE_CHECK_INTERVAL_MS = 60 * 60 * 1000;

/** Days before expiry at which a warning is logged, once each. */
export const EXPIRY_WARNING_DAYS = [30, 7, 1] as const;

/** The audit event of a license the daemon does not accept (docs/audit.md). */
export interface LicenseInvalidEvent {
  readonly event: 'license_invalid';
  readonly status: LicenseStatus;
  readonly license: string;
  readonly licensee: string | null;
  readonly expires: string | null;
  readonly reason: string;
}

export interface LicenseMonitorOptions {
  /** The license file, as an absolute path. */
  readonly path: string;
  /** `license.public_key`: PEM inline or a path relative to `configDir`. */
  readonly publicKey?: string | undefined;
  readonly configDir: string;
  readonly logger: Logger;
  readonly audit: (event: LicenseInvalidEvent) => void;
  /** The clock (tests set it). */
  readonly now?: () => Date;
  /** Time between checks (default {@link LICENSE_CHECK_INTERVAL_MS}). */
  readonly intervalMs?: number;
}

/**
 * Reads the license file and checks its signature once, when created (SIGHUP
 * does not re-read it; a restart does), then judges that reading against the
 * clock at {@link start} and every hour on its own timer. It logs a status
 * when it changes, audits `license_invalid` when the status becomes
 * unreadable, invalid signature or expired, and warns once as each of 30, 7
 * and 1 days before expiry is crossed. It never stops the gateway.
 */
export class LicenseMonitor {
  readonly #options: LicenseMonitorOptions;
  readonly #reading: LicenseReading;
  readonly #now: () => Date;
  #timer: NodeJS.Timeout | null = null;
  #status: LicenseStatus | null = null;
  /** The smallest warning threshold (days) already logged. */
  #warned = Infinity;

  constructor(options: LicenseMonitorOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#reading = readLicense(options.path, options.publicKey, options.configDir);
  }

  /** The license as the daemon sees it now (for `/readyz`). */
  get report(): LicenseReport {
    return judgeLicense(this.#reading, this.#now());
  }

  /**
   * `expires` in seconds since the epoch, for `mcpgw_license_expiry_timestamp_seconds`:
   * 0 when the license is unreadable or its signature invalid, so that an alert
   * on the time left fires for it as for an expired license.
   */
  get expiryTimestampSeconds(): number {
    const { payload, unreadable, signature } = this.#reading;
    if (payload === null || unreadable !== null || signature === 'invalid') return 0;
    return Date.parse(payload.expires) / 1000;
  }

  /** Checks now, then every interval. */
  start(): void {
    this.check();
    this.#timer = setInterval(() => this.check(), this.#options.intervalMs ?? LICENSE_CHECK_INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Judges the reading against the clock; logs and audits what changed. */
  check(): LicenseReport {
    const now = this.#now();
    const report = judgeLicense(this.#reading, now);
    const { logger, path } = this.#options;
    const fields = { license: path, licensee: report.licensee, expires: report.expires, days_left: report.days_left };
    if (report.status !== this.#status) {
      this.#status = report.status;
      if (INVALID_STATUSES.has(report.status)) {
        // The audit line first: whoever sees the log line finds it in the audit log already.
        this.#options.audit({ event: 'license_invalid', status: report.status, license: path, licensee: report.licensee, expires: report.expires, reason: report.reason ?? '' });
        logger.error({ ...fields, status: report.status }, describeLicense(report));
      } else if (report.status === 'unverified') {
        logger.warn({ ...fields, status: report.status }, describeLicense(report));
      } else {
        logger.info({ ...fields, status: report.status, entitlements: report.entitlements }, describeLicense(report));
      }
    } else {
      logger.debug({ ...fields, status: report.status }, 'license: checked');
    }
    this.#warnNearExpiry(report, now, fields);
    return report;
  }

  #warnNearExpiry(report: LicenseReport, now: Date, fields: Record<string, unknown>): void {
    if (report.status !== 'valid' && report.status !== 'unverified') return;
    const left = Date.parse(report.expires ?? '') - now.getTime();
    // The tightest threshold crossed, once: a start 5 days before expiry warns "within 7 days", not 30 too.
    const crossed = EXPIRY_WARNING_DAYS.filter((days) => left <= days * DAY_MS).at(-1);
    if (crossed === undefined || crossed >= this.#warned) return;
    this.#warned = crossed;
    this.#options.logger.warn({ ...fields, status: report.status }, `license: expires within ${crossed} day${crossed === 1 ? '' : 's'}, on ${report.expires}`);
  }
}

/**
 * The check interval: {@link LICENSE_CHECK_INTERVAL_MS}, or what
 * `MCPGW_LICENSE_CHECK_INTERVAL_MS` says — a knob for tests of the schedule
 * itself, which cannot wait an hour (docs/license.md), not in `--help`.
 * Anything but whole milliseconds ≥ 100 is logged and ignored.
 */
export function licenseCheckIntervalMs(env: NodeJS.ProcessEnv, logger: Logger): number {
  const text = env['MCPGW_LICENSE_CHECK_INTERVAL_MS'];
  if (text === undefined || text === '') return LICENSE_CHECK_INTERVAL_MS;
  if (/^\d+$/.test(text) && Number(text) >= 100) return Number(text);
  logger.warn({ value: text }, 'MCPGW_LICENSE_CHECK_INTERVAL_MS is not whole milliseconds >= 100: checking the license hourly');
  return LICENSE_CHECK_INTERVAL_MS;
}
