import { dirname, resolve } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCodes, PolicyHandle, type McpgwConfig } from '@mcpgw/core';
import { createMcpHandler, UpstreamHealth, type GatewayAuditEvent, type McpGatewayMiddleware } from '@mcpgw/express';
import { openLicenseMonitor } from '../license/open-license-monitor.js';
import type { LicenseMonitor } from '../license/license-monitor.js';
import type { Logger } from '../logging/create-logger.js';
import { createDaemonMetrics, type DaemonMetrics } from '../metrics/daemon-metrics.js';
import { PrometheusEndpoint } from '../metrics/prometheus-endpoint.js';
import { ConfigReloader } from '../reload/config-reloader.js';
import { createTelemetry, type Telemetry } from '../telemetry/create-telemetry.js';
import { VERSION } from '../version.js';
import { createHttpServer, createMetricsServer } from './http-server.js';
import { listenServer } from './listen-server.js';
import { StartupError } from './startup-error.js';
import { StdioUpstreams } from './stdio-upstreams.js';
/**
 * How long a forced shutdown waits for the audit log's background work
 * (compressing a rotated file) before it lets the process exit anyway: a
 * stuck disk must not keep it alive. The lines themselves are written
 * before; an unfinished compression is completed at the next start.
 */
const FORCED_CLOSE_MS = 1_000;

export interface DaemonOptions {
  readonly configPath: string;
  readonly logger: Logger;
  /** Longest wait for in-flight requests at shutdown (default 30 s), counted from when the listener closes. */
  readonly drainTimeoutMs?: number;
  /**
   * How long a shutdown keeps accepting and serving after `/readyz` turns
   * 503, before the listener closes (default 0): time for load balancers
   * to see the daemon unready and stop sending.
   */
  readonly drainDelayMs?: number;
  /** Reload when the config file changes (default true). */
  readonly watch?: boolean;
  /**
   * Called once the server listens, before the `startup` audit event and the
   * `mcpgw listening` log line (the CLI puts its PID file in place here). A
   * {@link StartupError} thrown here closes the server and fails the start.
   */
  readonly onListening?: () => void;
}

/**
 * The mcpgw daemon: serves the gateway for `mcpgw.yaml`, reloads policy and
 * audit settings on SIGHUP and on file change (one reload at a time, the
 * running policy kept on any error), writes the audit log, and drains
 * gracefully on SIGTERM/SIGINT.
 */
export class Daemon {
  readonly #options: DaemonOptions;
  readonly #logger: Logger;
  readonly #handle: PolicyHandle;
  readonly #gateway: McpGatewayMiddleware;
  readonly #server: Server;
  /** The server of `metrics.listen`, when set. */
  readonly #metricsServer: Server | null;
  readonly #metrics: DaemonMetrics;
  readonly #reloader: ConfigReloader;
  /** The stdio upstreams' bridges and their server processes (SPEC §10). */
  readonly #stdio: StdioUpstreams;
  /** As started: what a reload does not change (listen, upstreams, license…). */
  readonly #config: McpgwConfig;
  /** OTLP export to the customer's collector, when `telemetry.customer.endpoint` is set. */
  readonly #telemetry: Telemetry;
  #license: LicenseMonitor | null = null;
  #draining = false;
  /** What the `shutdown` event says, once written (by the drain or by a forced exit). */
  #stopSignal = '';
  #stopStarted = 0;
  #streamsClosed = 0;
  #finished = false;

  private constructor(options: DaemonOptions, config: McpgwConfig, text: string) {
    this.#options = options;
    this.#logger = options.logger;
    this.#config = config;
    const { policy, cache } = ConfigReloader.compile(config);
    this.#handle = new PolicyHandle(policy);
    // One MeterProvider with one reader: the OTLP exporter's when a collector is set, which `/metrics` collects from too.
    const telemetry = createTelemetry(config.telemetry?.customer, { logger: options.logger, transport: 'tcp', localReader: PrometheusEndpoint.localReader });
    const prometheus = new PrometheusEndpoint(telemetry.metricReader);
    this.#telemetry = telemetry;
    const metrics = createDaemonMetrics(config, telemetry.meterProvider, prometheus, { handle: this.#handle, licenseExpiry: () => this.licenseExpiry ?? undefined });
    this.#metrics = metrics;
    const reloader = new ConfigReloader({
      configPath: options.configPath,
      handle: this.#handle,
      cache,
      config,
      text,
      logger: options.logger,
      ...(options.watch === undefined ? {} : { watch: options.watch }),
      onReload: (result) => metrics.series.recordReload(result),
      onAuditError: () => metrics.series.recordAuditError(),
    });
    this.#reloader = reloader;
    const upstreams = new UpstreamHealth(config.upstreams.map((upstream) => upstream.name));
    this.#stdio = StdioUpstreams.create(config, { configDir: dirname(resolve(options.configPath)), logger: options.logger, redactText: (text) => this.#handle.policy.redactText(text) });
    this.#gateway = createMcpHandler({
      handle: this.#handle,
      upstreams: this.#stdio.upstreams,
      routes: config.routes,
      ...(config.default_upstream === undefined ? {} : { defaultUpstream: config.default_upstream }),
      ...(config.allowed_origins === undefined ? {} : { allowedOrigins: config.allowed_origins }),
      onAudit: (event: GatewayAuditEvent) => {
        metrics.series.recordAudit(event);
        reloader.audit(event);
      },
      ...(telemetry.tracer === null ? {} : { tracer: telemetry.tracer }),
      // The log has what the client was not told: the socket error, the upstream's address.
      onError: (error, upstream) =>
        this.#logger.warn({ upstream, code: error.code, kind: error.kind, status: error.httpStatus, error_code: error.rpcCode, ...(error.detail === undefined ? {} : { detail: error.detail }) }, error.message),
      onUpstreamOutcome: (outcome) => {
        upstreams.record(outcome);
        metrics.series.recordUpstreamOutcome(outcome);
      },
    });
    const separate = config.metrics?.listen !== undefined;
    const health = { handle: this.#handle, isDraining: () => this.#draining, upstreams, license: () => this.#license?.report ?? null };
    this.#server = createHttpServer(this.#gateway, health, separate ? null : metrics.endpoint);
    this.#metricsServer = separate ? createMetricsServer(metrics.endpoint) : null;
  }

  /** Reads and validates the config, then listens. Throws {@link StartupError} with a readable message. */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const { config, text } = await ConfigReloader.read(options.configPath).catch((error: unknown) => {
      throw new StartupError(ErrorCodes.CONFIG_UNUSABLE, ConfigReloader.describeReadFailure(error, options.configPath), { cause: error });
    });
    const daemon = new Daemon(options, config, text);
    await daemon.#listen();
    return daemon;
  }

  /** SIGKILLs the stdio upstreams' server processes now (the process is exiting, whatever the reason). */
  killServers(): void {
    this.#stdio.kill();
  }

  /** The address the server listens on. */
  get address(): AddressInfo {
    return this.#server.address() as AddressInfo;
  }

  get generation(): number {
    return this.#handle.generation;
  }

  /**
   * The license's expiry in seconds since the epoch, for the gauge
   * `mcpgw_license_expiry_timestamp_seconds`: `null` without `license` in the
   * config (no sample), 0 for a license unreadable or wrongly signed.
   */
  get licenseExpiry(): number | null {
    return this.#license?.expiryTimestampSeconds ?? null;
  }

  /** Re-reads the config and swaps the policy (SIGHUP, file change). Never throws. */
  reload(reason: string): Promise<void> {
    if (this.#draining) return Promise.resolve();
    return this.#reloader.reload(reason);
  }

  /**
   * Turns `/readyz` to 503 and keeps serving for the drain delay, then stops
   * accepting connections, ends notification streams, lets in-flight
   * requests finish (up to the drain timeout) — what is left then is
   * abandoned, each request audited with outcome `abandoned` — and writes
   * `shutdown`. Resolves with whether every request finished in time (false
   * too when {@link forceShutdown} cut the drain short).
   */
  async shutdown(signal: string): Promise<boolean> {
    if (this.#draining) return false;
    this.#beginShutdown(signal);
    const delay = this.#options.drainDelayMs ?? 0;
    if (delay > 0) {
      this.#logger.info({ signal, drain_delay_ms: delay }, `shutting down: not ready; serving ${delay / 1000} s more before closing the listener`);
      // A forced shutdown during the delay ends the wait.
      for (const until = Date.now() + delay; Date.now() < until && !this.#finished; ) await new Promise((resolve) => setTimeout(resolve, Math.min(25, until - Date.now())));
      if (this.#finished) return false;
    }
    this.#logger.info({ signal, in_flight: this.#handle.inFlight() }, 'shutting down: draining in-flight requests');
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    this.#streamsClosed = this.#gateway.closeStreams();
    const timeout = this.#options.drainTimeoutMs ?? 30_000;
    const drainStarted = Date.now();
    let drained = true;
    while (this.#handle.inFlight() > 0 && !this.#finished) {
      if (Date.now() - drainStarted >= timeout) {
        drained = false;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
      this.#server.closeIdleConnections();
    }
    // The gateway writes the decision events of what it gives up on (SPEC §5), before the sockets go.
    const abandoned = drained ? 0 : this.#gateway.abandon();
    this.#server.closeAllConnections();
    await closed;
    // The stdio upstreams' processes go with the daemon: ended by their supervisor, waited for.
    await this.#stdio.close();
    await this.#reloader.idle();
    if (this.#finished) return false;
    await this.#finish({ drained, forced: false, abandoned });
    this.#logger.info({ signal, drained, abandoned, duration_ms: Date.now() - this.#stopStarted }, drained ? 'shutdown complete' : 'shutdown: drain timed out');
    return drained;
  }

  /**
   * Ends a shutdown now (a second SIGTERM/SIGINT during the drain), or
   * starts and ends one: every request still in flight is audited with
   * outcome `abandoned` and its connection dropped, `shutdown` is written
   * with `forced: true`, and the audit log is closed — waiting at most
   * {@link FORCED_CLOSE_MS} for its background work. The events are written
   * when it resolves; it never rejects.
   */
  async forceShutdown(signal: string): Promise<void> {
    if (this.#finished) return;
    if (!this.#draining) this.#beginShutdown(signal);
    const abandoned = this.#gateway.abandon();
    this.#server.closeAllConnections();
    this.#stdio.kill();
    const closing = this.#finish({ drained: false, forced: true, abandoned });
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, FORCED_CLOSE_MS)));
    await Promise.race([closing, cap]);
    clearTimeout(timer);
  }

  #beginShutdown(signal: string): void {
    this.#draining = true;
    this.#stopSignal = signal;
    this.#stopStarted = Date.now();
    this.#reloader.stop();
    this.#license?.stop();
  }

  /** Writes `shutdown` and closes the audit log, once: whichever of the drain and a forced exit comes first. */
  #finish(outcome: { drained: boolean; forced: boolean; abandoned: number }): Promise<void> {
    if (this.#finished) return Promise.resolve();
    this.#finished = true;
    // Audits what is still owed: answers awaited on another stream, refusals a flood left out.
    this.#gateway.close();
    const { drained, forced, abandoned } = outcome;
    this.#reloader.audit({ event: 'shutdown', signal: this.#stopSignal, drained, forced, streams_closed: this.#streamsClosed, abandoned, duration_ms: Date.now() - this.#stopStarted });
    // Scraped until here: the metrics listener shows the drain.
    this.#metricsServer?.close();
    this.#metricsServer?.closeAllConnections();
    // Every span has ended by now (the gateway audited what was left): the last ones go to the collector, within a bound.
    return Promise.all([this.#reloader.closeAudit(), this.#telemetry.shutdown()]).then(() => undefined);
  }

  async #listen(): Promise<void> {
    await listenServer(this.#server, this.#config.listen);
    try {
      const metricsListen = this.#config.metrics?.listen;
      if (this.#metricsServer !== null && metricsListen !== undefined) await listenServer(this.#metricsServer, metricsListen);
      this.#options.onListening?.();
    } catch (error) {
      this.#metricsServer?.close();
      await new Promise<void>((resolve) => this.#server.close(() => resolve()));
      this.#gateway.close();
      throw error;
    }
    // Watching before the first log line: whoever waits for it can edit the file and be seen.
    await this.#reloader.start();
    // Read once: SIGHUP re-reads neither the license nor its key (SPEC §14).
    this.#license = openLicenseMonitor(this.#config, this.#options.configPath, { logger: this.#logger, audit: (event) => this.#reloader.audit(event) });
    const { address, port: bound } = this.address;
    const rules = this.#handle.policy.ruleCount;
    const metricsAddress = this.#metricsServer?.address() as AddressInfo | undefined;
    const metrics = metricsAddress === undefined ? {} : { metrics_listen: `${metricsAddress.address}:${metricsAddress.port}` };
    this.#reloader.audit({ event: 'startup', version: VERSION, pid: process.pid, listen: `${address}:${bound}`, rules, generation: this.#handle.generation });
    // After `startup`: a `license_invalid` event belongs to this run.
    this.#license?.start();
    this.#logger.info({ listen: `${address}:${bound}`, ...metrics, rules, upstreams: this.#config.upstreams.map((u) => u.name), version: VERSION }, `mcpgw listening on ${address}:${bound}`);
  }
}
