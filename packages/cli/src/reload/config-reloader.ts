import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, parseConfig, type CompiledPolicy, type McpgwConfig, type ParseConfigOptions, type PolicyHandle } from '@mcpgw/core';
import { compilePolicyInSlices, compilePolicyWith, ReloadCache } from '@mcpgw/core/internal';
import { AuditLog, type AuditEvent, type AuditLogOptions } from '../audit/audit-log.js';
import { AuditLogErrorCodes } from '../audit/audit-log-error.js';
import { ConfigLoader } from '../daemon/config-loader.js';
import { ConfigWatcher } from '../daemon/config-watcher.js';
import { describeReadError } from '../daemon/read-error.js';
import { ReloadQueue } from '../daemon/reload-queue.js';
import { restartRequired } from '../daemon/restart-required.js';
import type { Logger } from '../logging/create-logger.js';

/** How long a reload's compile may hold the event loop at a time, in ms. */
const RELOAD_SLICE_MS = 1;

/** What {@link ConfigReloader} needs: the running policy and config, and where to report. */
export interface ConfigReloaderOptions {
  readonly configPath: string;
  readonly handle: PolicyHandle;
  /** The config the handle's policy was compiled from, and its text. */
  readonly config: McpgwConfig;
  readonly text: string;
  readonly logger: Logger;
  /** Reload when the config file changes (default true). */
  readonly watch?: boolean;
  /** How the file is parsed, at each reload as at the start (`mcpgw stdio` does not require upstreams). */
  readonly parse?: Pick<ParseConfigOptions, 'requireUpstreams'>;
  /** What the running policy was compiled with (see {@link ConfigReloader.compile}), for the first reload to take. */
  readonly cache?: ReloadCache;
  /** Told of each reload's result: applied (`ok`) or rejected (`failed`). Must not throw. */
  readonly onReload?: (result: 'ok' | 'failed') => void;
  /** Told of each problem the audit log reports (not the expected cut of a crash's partial line). Must not throw. */
  readonly onAuditError?: () => void;
}

/**
 * The reload of a running mcpgw — the daemon's and `mcpgw stdio`'s (SPEC
 * §4): on SIGHUP or a change of the file (watched, debounced), read and
 * check the file in a worker, compile off to the side in slices, swap one
 * reference; one reload at a time, a burst coalesced; on any error the
 * running policy stays. Logs `policy reload: ok (rules=N)` or
 * `policy reload: rejected: <error>` and audits `policy_reload` /
 * `policy_reload_failed`; fields that need a restart are named. It also
 * owns the audit log, whose `audit` settings a reload applies.
 */
export class ConfigReloader {
  readonly #options: ConfigReloaderOptions;
  readonly #logger: Logger;
  readonly #handle: PolicyHandle;
  readonly #queue: ReloadQueue;
  readonly #loader: ConfigLoader;
  readonly #watcher: ConfigWatcher | null;
  /** What the last compiled policy's sets and redactors were built from, for the next reload to take. */
  readonly #cache: ReloadCache;
  #config: McpgwConfig;
  #audit: AuditLog | null;
  #stopped = false;

  constructor(options: ConfigReloaderOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#handle = options.handle;
    this.#config = options.config;
    this.#cache = options.cache ?? new ReloadCache();
    this.#loader = new ConfigLoader(options.parse);
    this.#audit = options.config.audit === undefined ? null : AuditLog.open(this.#auditOptions(options.config));
    this.#queue = new ReloadQueue((reason) => this.#reload(reason));
    this.#watcher =
      options.watch === false
        ? null
        : new ConfigWatcher(options.configPath, {
            onChange: () => void this.reload('file change'),
            onError: (error) => this.#logger.warn({ err: error }, 'config watch failed; SIGHUP still reloads'),
          });
    this.#watcher?.noteContent(options.text);
  }

  /** Reads and parses the config file at startup; throws the `ConfigError` or the read error. */
  static async read(path: string, parse: ConfigReloaderOptions['parse'] = {}): Promise<{ config: McpgwConfig; text: string }> {
    const text = await readFile(path, 'utf8');
    return { config: parseConfig(text, parse), text };
  }

  /** Compiles the startup policy into a new cache: pass both to the reloader, so that its first reload compiles only what changed. */
  static compile(config: McpgwConfig): { policy: CompiledPolicy; cache: ReloadCache } {
    const cache = new ReloadCache();
    return { policy: compilePolicyWith(config, cache), cache };
  }

  /** Why the startup read failed, in the words `validate` uses: the config's problems, or the file's. */
  static describeReadFailure(error: unknown, path: string): string {
    return error instanceof ConfigError ? error.format(path) : describeReadError(error, path);
  }

  /** The running config: as started, with `policy` and `audit` as last reloaded. */
  get config(): McpgwConfig {
    return this.#config;
  }

  /** Writes one audit event when an audit log is configured. Never throws. */
  audit<E extends AuditEvent>(event: E): void {
    this.#audit?.write(event);
  }

  /** Starts watching the file (resolves once watched) and the loader's worker, so that the first reload is quick. */
  async start(): Promise<void> {
    await this.#watcher?.start();
    this.#loader.warm();
  }

  /** Re-reads the config and swaps the policy (SIGHUP, file change). Never rejects; does nothing once stopped. */
  reload(reason: string): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return this.#queue.request(reason);
  }

  /** Stops watching and reloading (at shutdown); a reload under way finishes. */
  stop(): void {
    this.#stopped = true;
    this.#watcher?.stop();
  }

  /** Waits for a reload under way, then stops the loader's worker. */
  async idle(): Promise<void> {
    await this.#queue.idle();
    await this.#loader.close();
  }

  /** Closes the audit log (resolves when its background work is done). */
  closeAudit(): Promise<void> {
    return this.#audit?.close() ?? Promise.resolve();
  }

  async #reload(reason: string): Promise<void> {
    let next: McpgwConfig;
    let text: string;
    let policy;
    try {
      // Read and checked in a worker; compiled here (RE2 objects cannot cross
      // threads) in short slices, so that requests keep being answered meanwhile.
      ({ config: next, text } = await this.#loader.load(this.#options.configPath));
      policy = await compilePolicyInSlices(next, { sliceMs: RELOAD_SLICE_MS, cache: this.#cache });
    } catch (error) {
      const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
      // The audit line first: whoever sees the log line finds it in the audit log already.
      this.#audit?.write({ event: 'policy_reload_failed', error: message });
      this.#logger.error({ reason, error: message }, `policy reload: rejected: ${message}`);
      this.#options.onReload?.('failed');
      return;
    }
    this.#watcher?.noteContent(text);
    const pending = restartRequired(this.#config, next);
    // Only policy and audit apply now; the rest keeps running as started (SPEC §4).
    this.#config = { ...this.#config, policy: next.policy, audit: next.audit };
    const generation = this.#handle.swap(policy);
    this.#applyAudit(next);
    const rules = policy.ruleCount;
    const extra = pending.length > 0 ? { restart_required: pending } : {};
    this.#audit?.write({ event: 'policy_reload', rules, generation, ...extra });
    this.#logger.info({ reason, rules, generation, ...extra }, `policy reload: ok (rules=${rules})`);
    this.#options.onReload?.('ok');
    if (pending.length > 0) this.#logger.warn({ restart_required: pending }, `policy reload: restart required to apply: ${pending.join(', ')}`);
  }

  #applyAudit(config: McpgwConfig): void {
    if (config.audit === undefined) {
      const previous = this.#audit;
      this.#audit = null;
      void previous?.close();
      return;
    }
    if (this.#audit === null) this.#audit = AuditLog.open(this.#auditOptions(config));
    else this.#audit.reconfigure(this.#auditOptions(config));
  }

  #auditOptions(config: McpgwConfig): AuditLogOptions {
    const audit = config.audit as NonNullable<McpgwConfig['audit']>;
    return {
      // A relative path is relative to the config file, not to wherever mcpgw was started.
      path: resolve(dirname(this.#options.configPath), audit.path),
      maxSizeMb: audit.max_size_mb,
      compressRotated: audit.compress_rotated,
      onError: (error) => {
        // A partial line cut after a crash is expected recovery, not a failure.
        const level = (error as { code?: string }).code === AuditLogErrorCodes.PARTIAL_LINE_CUT ? 'warn' : 'error';
        if (level === 'error') this.#options.onAuditError?.();
        this.#logger[level]({ code: (error as { code?: string }).code, err: error }, `audit log: ${error.message}`);
      },
    };
  }
}
