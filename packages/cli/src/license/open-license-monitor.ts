import { dirname, resolve } from 'node:path';
import type { McpgwConfig } from '@mcpgw/core';
import type { Logger } from '../logging/create-logger.js';
import { licenseCheckIntervalMs, LicenseMonitor, type LicenseInvalidEvent } from './license-monitor.js';

/**
 * The daemon's license monitor for `config.license` — the file and the key
 * read now, paths relative to the config file's directory — or `null`
 * without a `license` section. Not started: the daemon starts it after its
 * `startup` event.
 */
export function openLicenseMonitor(config: McpgwConfig, configPath: string, options: { logger: Logger; audit: (event: LicenseInvalidEvent) => void }): LicenseMonitor | null {
  const { license } = config;
  if (license === undefined) return null;
  const configDir = dirname(resolve(configPath));
  return new LicenseMonitor({
    path: resolve(configDir, license.path),
    publicKey: license.public_key,
    configDir,
    logger: options.logger,
    audit: options.audit,
    intervalMs: licenseCheckIntervalMs(process.env, options.logger),
  });
}
