import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PolicyHandle } from '@mcpgw/core';
import type { UpstreamHealth } from '@mcpgw/express';
import type { LicenseReport } from '../license/license-status.js';
import { sendJson } from './send-json.js';

/** Which health check a request asks for. */
export type HealthCheck = 'liveness' | 'readiness';

/** What the health checks report. */
export interface HealthState {
  readonly handle: PolicyHandle;
  /** Whether a shutdown has begun. */
  isDraining(): boolean;
  /** How each upstream's latest request went. */
  readonly upstreams: UpstreamHealth;
  /** The license as the daemon sees it, `null` without `license` in the config (never affects the status). */
  license?(): LicenseReport | null;
}

/**
 * Answers `/healthz` (liveness: 200 while the process serves, draining or
 * not) or `/readyz` (readiness, SPEC §11: 200 while a policy is loaded and
 * no shutdown has begun, else 503). Both bodies say how each upstream's
 * latest request went; an upstream's failure never makes the daemon unready,
 * or one dead upstream would take every replica out of its load balancer.
 * The bodies hold what clients may see anyway (the error messages they get),
 * never a socket error or an upstream's internal address: the listen address
 * is reachable by every agent.
 */
export function answerHealth(check: HealthCheck, req: IncomingMessage, res: ServerResponse, state: HealthState): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendJson(res, 405, { status: 'method not allowed: use GET' }, { allow: 'GET, HEAD' });
  }
  const { handle } = state;
  const draining = state.isDraining();
  // A daemon that listens holds a policy (it does not start without one); checked all the same.
  const ready = !draining && handle.generation > 0;
  sendJson(res, check === 'readiness' && !ready ? 503 : 200, {
    status: draining ? 'draining' : 'ok',
    generation: handle.generation,
    in_flight: handle.inFlight(),
    // The current generation and every older one still finishing requests.
    generations: handle.generations().map(({ generation, inFlight }) => ({ generation, in_flight: inFlight })),
    upstreams: state.upstreams.report(),
    license: licenseBody(state.license?.() ?? null),
  });
}

/** The license in the health bodies: status and dates, not why (the log has that, with the file's path). */
function licenseBody(report: LicenseReport | null): Record<string, unknown> | null {
  if (report === null) return null;
  const { status, licensee, expires, days_left, entitlements } = report;
  return { status, licensee, expires, days_left, entitlements };
}
