import { readFileSync } from 'node:fs';
import type { Logger } from '../logging/create-logger.js';

/** The parts of a license file the daemon reads: `{ "licensee": "...", "expires": "2027-01-31T00:00:00Z" }`. */
export interface License {
  readonly licensee: string | null;
  readonly expires: Date | null;
}

/** Hourly, as the hot-reload recipe says. */
export const LICENSE_CHECK_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Reads the license file once, at start (SIGHUP does not re-read it; a restart
 * does), and validates it again every hour on its own schedule: an expired or
 * unreadable license is logged as a warning. It never stops the gateway.
 */
export class LicenseMonitor {
  readonly #path: string;
  readonly #logger: Logger;
  readonly #license: License | null;
  #timer: NodeJS.Timeout | null = null;

  constructor(path: string, logger: Logger) {
    this.#path = path;
    this.#logger = logger;
    this.#license = readLicense(path, logger);
  }

  get license(): License | null {
    return this.#license;
  }

  start(now: () => Date = () => new Date()): void {
    this.check(now());
    this.#timer = setInterval(() => this.check(now()), LICENSE_CHECK_INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
  }

  /** Validates the license read at start against the clock; returns whether it is valid. */
  check(now: Date): boolean {
    const license = this.#license;
    if (license === null) return false;
    if (license.expires !== null && license.expires.getTime() <= now.getTime()) {
      this.#logger.warn({ license: this.#path, expires: license.expires.toISOString() }, 'license: expired');
      return false;
    }
    this.#logger.info({ license: this.#path, licensee: license.licensee, expires: license.expires?.toISOString() ?? null }, 'license: valid');
    return true;
  }
}

function readLicense(path: string, logger: Logger): License | null {
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as { licensee?: unknown; expires?: unknown };
    const expires = typeof raw.expires === 'string' ? new Date(raw.expires) : null;
    if (expires !== null && Number.isNaN(expires.getTime())) throw new Error(`"expires" is not a date: ${String(raw.expires)}`);
    return { licensee: typeof raw.licensee === 'string' ? raw.licensee : null, expires };
  } catch (error) {
    logger.warn({ license: path, error: (error as Error).message }, 'license: cannot read the license file');
    return null;
  }
}
