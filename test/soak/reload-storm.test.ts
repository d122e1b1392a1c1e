/**
 * Reload storm: SDK clients call tools non-stop through the real daemon while
 * the config file is rewritten and SIGHUP sent every ~40 ms, alternating valid
 * policies and invalid files, with the audit log rotating and gzipping every
 * few lines. Short variant (~5 s of storm) in `npm test`; `MCPGW_SOAK=1` runs
 * 60 s (`MCPGW_SOAK_SECONDS` overrides).
 *
 * Asserts: no call fails; exactly one `decision` line per call (by tool), no
 * (session, id) twice; every decision's generation existed, and a client's
 * sequential calls never go back a generation; `policy_reload` generations go
 * up by one and match the log; as many reload audit events as reload outcomes
 * logged; no `.gz.tmp` or plain rotated file left after a clean SIGTERM;
 * memory flat (RSS before/peak/after printed) and old generations released
 * (`/healthz` `generations`).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { daemonConfig, Proc, startDaemon, startDemoUpstream, tempDir } from '../daemon/harness.js';
import { connect, health, heapUsedKb, INSPECT_ENV, readAuditFiles, rssKb, sleep, spawnWithEnv, stormMs, tally, within, writeAtomic, type Health } from './soak-helpers.js';

const STORM_MS = stormMs(5, 60);
/** The storm before the baseline is read: the allocator's first-use growth lands before it. */
const WARM_UP_STORM_MS = Math.min(STORM_MS / 4, 10_000);
const RELOAD_EVERY_MS = 40;
const CLIENTS = 4;
/** Idle time after the storm before RSS and generations are read. */
const SETTLE_MS = 3000;
// The memory bounds below are sized by the leak each must catch: a leak of L
// per call or per good reload grows memory by L times the run's counts of
// calls and reloads (printed in its figures). docs/benchmarks.md ("The reload
// soak's memory bounds") gives the leak size each bound catches in a full storm.
/**
 * How far RSS (after full GCs) may grow across the storm, in MiB, from a
 * baseline read after a warm-up storm (so that memory the allocator keeps
 * after the first reloads and rotations is in the baseline, not counted as
 * growth): a native leak per call or per reload (a compiled policy's RE2
 * programs and sets) would pass it.
 */
const RSS_GROWTH_BOUND_MB = 32;
/**
 * In a long storm, RSS (after full GCs) read at its first, second and third
 * quarters and after it: a leak climbs in every one of those three spans,
 * while the allocator keeping memory is a step in one of them. So the
 * smallest of the three growths stays under this, in MiB.
 */
const RSS_CLIMB_BOUND_MB = 4;
/**
 * How far the V8 heap in use (after full GCs) may grow across the storm, in
 * MiB: JIT code and caches warm up, nothing more; a compiled policy, a config
 * or a generation's bookkeeping kept alive per reload would pass it.
 */
const HEAP_GROWTH_BOUND_MB = 8;
/** In a long storm, how far the heap (after full GCs) may still grow from the first quarter of the storm to after it. */
const HEAP_FLAT_BOUND_MB = 4;

const FAKE_AWS_KEY = 'AKIADEMO0EXAMPLE0KEY';
const FAKE_GITHUB_TOKEN = 'ghp_demo0000example0000token0000fake0000';

const DENY_SHELL = `    - name: deny-shell
      action: deny
      match: { method: tools/call, tool: "^(exec|shell)" }
      message: shell tools are disabled`;
const redactSecrets = (replacement: string) => `    - name: redact-secrets
      action: redact
      patterns: ["AKIA[0-9A-Z]{16}", "ghp_[A-Za-z0-9]{36}"]
      replacement: "${replacement}"`;
// Same name, limit, window and key in every variant: its counters survive reloads; the limit is never reached
// (each client makes a few thousand searches a minute).
const LIMIT_SEARCH = `    - name: limit-search
      action: rate_limit
      match: { method: tools/call, tool: "^search$" }
      limit: 1000000
      window: 1m
      key: session`;
const REDACT_DEMO = `    - name: redact-demo-words
      action: redact
      direction: response
      patterns: ["demo-secret-[0-9]+"]`;
const DENY_NEVER = `    - name: deny-never
      action: deny
      match: { method: tools/call, tool: "^never$" }`;

/** Valid policies: the redact replacement toggles and rules come and go (4, 3, 5 rules). */
const VALID = [
  { rules: [DENY_SHELL, redactSecrets('[R0]'), LIMIT_SEARCH, REDACT_DEMO], count: 4 },
  { rules: [DENY_SHELL, redactSecrets('[R1]'), LIMIT_SEARCH], count: 3 },
  { rules: [DENY_SHELL, redactSecrets('[R2]'), LIMIT_SEARCH, REDACT_DEMO, DENY_NEVER], count: 5 },
];
const INVALID = [
  {
    rules: [DENY_SHELL, `    - name: redact-secrets\n      action: redact\n      patterns: ["AKIA[0-9A-Z{16}"]`, LIMIT_SEARCH],
    error: 'invalid regex on rule "redact-secrets": missing closing bracket',
  },
  { rules: [DENY_SHELL.replace('action: deny', 'actoin: deny'), redactSecrets('[R0]'), LIMIT_SEARCH], error: 'unknown key "actoin"' },
  { rules: [DENY_SHELL, redactSecrets('[R1]'), LIMIT_SEARCH, '  colour: blue'], error: 'unknown key "colour"' },
];

type Tool = 'echo' | 'search' | 'get_config';
const TOOLS: readonly Tool[] = ['echo', 'search', 'get_config'];

interface Load {
  readonly calls: Record<Tool, number>;
  readonly failures: string[];
  /** Results that resolved but were wrong (isError, wrong echo, secret leaked, mixed replacements). */
  readonly wrong: string[];
  readonly clientErrors: string[];
  readonly replacementsSeen: Set<string>;
  stop: boolean;
}

/** One client's non-stop calls: echo with a payload no other call has, search, get_config. */
async function callLoop(client: Client, index: number, load: Load): Promise<void> {
  for (let n = 0; !load.stop; n++) {
    const tool = TOOLS[n % TOOLS.length] as Tool;
    const payload = `c${index}-n${n}`;
    load.calls[tool]++;
    try {
      const args = tool === 'echo' ? { text: payload } : tool === 'search' ? { query: payload } : {};
      const result = await client.callTool({ name: tool, arguments: args });
      if (result.isError === true) load.wrong.push(`${tool} ${payload}: isError ${JSON.stringify(result.content)}`);
      const text = JSON.stringify(result);
      if (tool === 'echo' && JSON.stringify(result.content) !== JSON.stringify([{ type: 'text', text: payload }])) {
        load.wrong.push(`echo ${payload} answered ${JSON.stringify(result.content)}`);
      }
      if (tool === 'get_config') {
        if (text.includes(FAKE_AWS_KEY) || text.includes(FAKE_GITHUB_TOKEN)) load.wrong.push(`get_config leaked a secret: ${text}`);
        // One response is decided by one generation: content and structuredContent carry the same replacement.
        const tokens = new Set(text.match(/\[R\d\]/g) ?? []);
        if (tokens.size !== 1) load.wrong.push(`get_config replacements ${[...tokens].join(',') || 'none'}: ${text}`);
        for (const token of tokens) load.replacementsSeen.add(token);
      }
    } catch (error) {
      load.failures.push(`client ${index} ${tool} ${payload}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

const reloadOutcome = (line: Record<string, unknown>) => /^policy reload: (ok \(rules=\d+\)|rejected: )/.test(String(line['msg'] ?? ''));

describe('soak: reload storm under load', () => {
  let upstream: { proc: Proc; url: string } | undefined;
  let daemon: { proc: Proc; url: string; port: number } | undefined;
  const clients: Client[] = [];
  const dirs: string[] = [];
  beforeAll(async () => {
    upstream = await startDemoUpstream();
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await daemon?.proc.stop();
    await upstream?.proc.stop();
    // A full run leaves thousands of rotated files.
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it(`${CLIENTS} clients call tools non-stop while the config is rewritten and SIGHUPed every ${RELOAD_EVERY_MS} ms for ${STORM_MS / 1000} s`, { timeout: STORM_MS + 90_000 }, async () => {
    const dir = tempDir('mcpgw-soak-storm-');
    dirs.push(dir);
    const configPath = join(dir, 'mcpgw.yaml');
    const config = (rules: readonly string[]) => daemonConfig({ upstreamUrl: (upstream as { url: string }).url, dir, maxSizeMb: 0.005, rules: rules.join('\n') });
    writeAtomic(configPath, config((VALID[0] as (typeof VALID)[number]).rules));
    // The inspector lets the test read the daemon's heap after full GCs (RSS alone hides what is still referenced).
    daemon = await spawnWithEnv(INSPECT_ENV, () => startDaemon(configPath));
    const { proc, port } = daemon;
    const pid = proc.child.pid as number;
    const written: string[] = [];
    /** Rewrites the config and sends SIGHUP every RELOAD_EVERY_MS for `ms`, alternating valid and invalid files; returns the SIGHUPs sent. */
    const storm = async (ms: number): Promise<number> => {
      let sent = 0;
      const end = Date.now() + ms;
      for (let n = written.length; Date.now() < end; n++) {
        // Alternate: valid, invalid, valid, invalid, … cycling through each list.
        const variant = n % 2 === 0 ? (VALID[(n / 2) % VALID.length] as (typeof VALID)[number]) : (INVALID[((n - 1) / 2) % INVALID.length] as (typeof INVALID)[number]);
        writeAtomic(configPath, config(variant.rules));
        written.push('count' in variant ? `valid:${variant.count}` : 'invalid');
        proc.signal('SIGHUP');
        sent++;
        await sleep(RELOAD_EVERY_MS);
        if (proc.child.exitCode !== null || proc.child.signalCode !== null) break;
      }
      return sent;
    };

    const load: Load = { calls: { echo: 0, search: 0, get_config: 0 }, failures: [], wrong: [], clientErrors: [], replacementsSeen: new Set(), stop: false };
    const transports: StreamableHTTPClientTransport[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const { client, transport } = await connect(daemon.url, `soak-${i}`, load.clientErrors);
      clients.push(client);
      transports.push(transport);
    }

    // Warm-up: calls, then calls with a short storm of reloads, then RSS "before".
    let loops = clients.map((client, i) => callLoop(client, i, load));
    await sleep(1500);
    const warmUpSighups = await storm(WARM_UP_STORM_MS);
    load.stop = true;
    await within(Promise.all(loops), 30_000, 'warm-up calls');
    await sleep(1000);
    const rssBefore = rssKb(pid);
    const heapBefore = await heapUsedKb(proc.stderr);
    const rssBeforeGc = rssKb(pid);
    const errorsBefore = load.clientErrors.length;

    // The storm: calls non-stop, a config rewrite + SIGHUP every ~40 ms, sampling RSS and /healthz.
    load.stop = false;
    loops = clients.map((client, i) => callLoop(client, i, load));
    let rssPeak = rssBefore;
    let maxLiveGenerations = 0;
    let maxInFlight = 0;
    const sampler = setInterval(() => {
      try {
        rssPeak = Math.max(rssPeak, rssKb(pid));
      } catch {
        // the daemon is gone: the assertions below say so
      }
      void health(port)
        .then((h: Health) => {
          maxLiveGenerations = Math.max(maxLiveGenerations, h.generations?.length ?? 0);
          maxInFlight = Math.max(maxInFlight, h.in_flight ?? 0);
        })
        .catch(() => undefined);
    }, 250);
    // The heap after full GCs at each quarter of the storm (a probe pauses the daemon for a few ms).
    const heapDuring: number[] = [];
    // RSS right after those GCs: native memory (RE2 programs, zlib streams) that leaked would keep climbing here.
    const rssDuring: number[] = [];
    const quarters = [1, 2, 3].map((q) =>
      setTimeout(
        () =>
          void heapUsedKb(proc.stderr).then(
            (kb) => {
              heapDuring.push(kb);
              rssDuring.push(rssKb(pid));
            },
            () => undefined,
          ),
        (STORM_MS * q) / 4,
      ),
    );
    let sighups = warmUpSighups + (await storm(STORM_MS));
    load.stop = true;
    await within(Promise.all(loops), 60_000, 'storm calls');
    clearInterval(sampler);
    for (const timer of quarters) clearTimeout(timer);
    expect(proc.child.exitCode, `daemon died during the storm:\n${proc.stderr.join('\n')}`).toBeNull();

    // End on a known valid policy, then wait until no reload outcome comes for 1 s (watch debounce is 250 ms).
    const from = proc.lines.length;
    writeAtomic(configPath, config((VALID[0] as (typeof VALID)[number]).rules));
    proc.signal('SIGHUP');
    sighups++;
    await proc.waitForMsg('policy reload: ok (rules=4)', from, 30_000);
    let outcomes = proc.lines.filter(reloadOutcome).length;
    for (let quiet = 0; quiet < 1000; ) {
      await sleep(100);
      const now = proc.lines.filter(reloadOutcome).length;
      quiet = now === outcomes ? quiet + 100 : 0;
      outcomes = now;
    }
    const okLines = proc.lines.filter((line) => /^policy reload: ok \(rules=\d+\)$/.test(String(line['msg'])));
    const rejectedLines = proc.lines.filter((line) => String(line['msg']).startsWith('policy reload: rejected: '));
    const lastOk = okLines.at(-1) as Record<string, unknown>;
    // The last outcome is the reload of the last file written.
    expect(proc.lines.filter(reloadOutcome).at(-1)).toBe(lastOk);
    expect(lastOk).toMatchObject({ rules: 4 });

    // Idle: memory settles, old generations are released.
    await sleep(SETTLE_MS);
    const rssAfter = rssKb(pid);
    const heapAfter = await heapUsedKb(proc.stderr);
    const rssAfterGc = rssKb(pid);
    const stormErrors = load.clientErrors.slice(errorsBefore);
    const settled = await health(port);
    expect(settled.generation).toBe(lastOk['generation']);
    // Every replaced generation has drained (calls stopped; notification streams of old generations were ended).
    expect(settled.generations?.map((g) => g.generation), 'live generations after the storm').toEqual([settled.generation]);

    // A behavioural probe: the final policy (4 rules, replacement [R0]) is the one running.
    const probe = await (clients[0] as Client).callTool({ name: 'get_config', arguments: {} });
    expect(JSON.stringify(probe)).toContain('[R0]');
    load.calls.get_config++;

    for (const client of clients.splice(0)) await client.close();
    let idle: Health = settled;
    for (let i = 0; i < 50 && (idle.in_flight ?? 0) > 0; i++) {
      await sleep(100);
      idle = await health(port);
    }
    expect(idle.in_flight, 'leases in flight after every client closed').toBe(0);
    expect(idle.generations).toEqual([{ generation: settled.generation, in_flight: 0 }]);

    proc.signal('SIGTERM');
    const exit = await within(proc.exited, 30_000, 'daemon exit after SIGTERM');
    expect(exit, proc.stderr.join('\n')).toEqual({ code: 0, signal: null });

    const audit = readAuditFiles(dir);
    const decisions = audit.lines.filter((line) => line['event'] === 'decision');
    const toolCalls = decisions.filter((line) => line['method'] === 'tools/call');
    const reloads = audit.lines.filter((line) => line['event'] === 'policy_reload');
    const failedReloads = audit.lines.filter((line) => line['event'] === 'policy_reload_failed');
    const sessions = new Set(transports.map((t) => t.sessionId));
    const totalCalls = load.calls.echo + load.calls.search + load.calls.get_config;
    const figures = {
      storm_s: STORM_MS / 1000,
      warm_up_storm_s: WARM_UP_STORM_MS / 1000,
      calls: { total: totalCalls, ...load.calls },
      sighups,
      reload_outcomes: { ok: okLines.length, rejected: rejectedLines.length },
      final_generation: settled.generation,
      audit_files: { gz: audit.gz.length, plain: audit.plain.length, tmp: audit.tmp.length, lines: audit.lines.length },
      // RSS: before the storm (after warm-up), peak during it, after it and an idle; *_gc: right after two full GCs.
      rss_mb: { before: mb(rssBefore), before_gc: mb(rssBeforeGc), during_gc: rssDuring.map(mb), peak: mb(rssPeak), after: mb(rssAfter), after_gc: mb(rssAfterGc) },
      // V8 heap in use after two full GCs: before the storm, at each quarter of it, after it.
      heap_after_gc_mb: { before: mb(heapBefore), during: heapDuring.map(mb), after: mb(heapAfter) },
      max_live_generations: maxLiveGenerations,
      max_in_flight: maxInFlight,
      // SDK client errors during the storm and settle; not call failures. "Failed to open SSE stream: Service Unavailable"
      // is a GET stream cut by a reload before it started (503 instead of a clean end): notification-stream-reload.test.ts.
      client_onerror_storm: tally(stormErrors.map((e) => e.replace(/^soak-\d+: /, '').slice(0, 100))),
      client_onerror_total: load.clientErrors.length,
      replacements_seen: [...load.replacementsSeen].sort(),
    };
    console.log(`reload storm figures: ${JSON.stringify(figures, null, 2)}`);

    // Zero failed calls, every answer right.
    expect(load.failures, 'calls that rejected').toEqual([]);
    expect(load.wrong, 'calls answered wrongly').toEqual([]);
    expect(written.filter((w) => w === 'invalid').length).toBeGreaterThan(0);
    expect(okLines.length).toBeGreaterThan(1);
    expect(rejectedLines.length).toBeGreaterThan(0);
    // Every rejection is one of the invalid files (atomic writes: never a torn read).
    for (const line of rejectedLines) {
      expect(INVALID.some((variant) => String(line['msg']).includes(variant.error)), String(line['msg'])).toBe(true);
    }

    // Exactly one decision per call, by tool; no (session, id) twice; only our sessions.
    expect(tally(toolCalls.map((line) => line['tool']))).toEqual(load.calls);
    expect(new Set(toolCalls.map((line) => line['session'])).size).toBeLessThanOrEqual(CLIENTS);
    for (const line of toolCalls) expect(sessions.has(line['session'] as string), `unknown session ${String(line['session'])}`).toBe(true);
    const keys = decisions.filter((line) => line['id'] !== null && line['id'] !== undefined).map((line) => `${String(line['session'])}#${String(line['id'])}`);
    expect(keys.length - new Set(keys).size, 'decisions with a (session, id) seen before').toBe(0);
    // The upstream ran each call once.
    const upstreamCalls = (upstream as { proc: Proc }).proc.lines.filter((line) => line['event'] === 'tool_call' && sessions.has(line['session'] as string));
    expect(tally(upstreamCalls.map((line) => line['tool']))).toEqual(load.calls);

    // Generations: policy_reload audit events go up by one from 2 and match the ok log lines.
    const reloadGenerations = reloads.map((line) => line['generation'] as number);
    expect(reloadGenerations).toEqual(reloadGenerations.map((_g, i) => i + 2));
    expect(reloadGenerations).toEqual(okLines.map((line) => line['generation']));
    expect(reloads.map((line) => line['rules'])).toEqual(okLines.map((line) => line['rules']));
    expect(reloads.length + failedReloads.length).toBe(okLines.length + rejectedLines.length);
    expect(failedReloads.map((line) => line['error'])).toEqual(rejectedLines.map((line) => String(line['msg']).slice('policy reload: rejected: '.length)));
    // Every decision was made under a generation that existed.
    const existed = new Set([1, ...reloadGenerations]);
    const unknown = decisions.filter((line) => !existed.has(line['generation'] as number));
    expect(unknown.map((line) => JSON.stringify(line)), 'decisions under a generation never announced').toEqual([]);
    expect(new Set(toolCalls.map((line) => line['generation'])).size, 'tool calls spread over generations').toBeGreaterThan(1);
    // A client's calls are sequential: a later call never runs under an older generation.
    for (const session of sessions) {
      const mine = toolCalls.filter((line) => line['session'] === session).sort((a, b) => (a['id'] as number) - (b['id'] as number));
      const backwards = mine.filter((line, i) => i > 0 && (line['generation'] as number) < ((mine[i - 1] as Record<string, unknown>)['generation'] as number));
      expect(backwards.map((line) => JSON.stringify(line)), `session ${String(session)} went back a generation`).toEqual([]);
    }
    // startup once, shutdown once (drained), last.
    expect(audit.lines.filter((line) => line['event'] === 'startup')).toHaveLength(1);
    expect(audit.lines.at(-1)).toMatchObject({ event: 'shutdown', signal: 'SIGTERM', drained: true, abandoned: 0 });

    // Rotation: many rotated files, all gzipped, nothing half-done.
    expect(audit.gz.length).toBeGreaterThan(10);
    expect(audit.tmp).toEqual([]);
    expect(audit.plain).toEqual([]);

    // Memory flat: RSS after the storm and idle within a bound of RSS before it.
    // Idle RSS does not shrink without a GC (nothing allocates), so both sides are read right after full GCs.
    expect(mb(rssAfterGc) - mb(rssBeforeGc), `RSS after GC: before ${mb(rssBeforeGc)} MiB, after ${mb(rssAfterGc)} MiB (peak ${mb(rssPeak)})`).toBeLessThan(RSS_GROWTH_BOUND_MB);
    // What is still referenced: a leak per call or per reload would show here.
    expect(mb(heapAfter) - mb(heapBefore), `heap after GC: before ${mb(heapBefore)} MiB, after ${mb(heapAfter)} MiB`).toBeLessThan(HEAP_GROWTH_BOUND_MB);
    // A long storm is flat after its first quarter (warm-up done): a leak per call or per generation would keep climbing.
    if (STORM_MS >= 30_000 && heapDuring[0] !== undefined) {
      expect(mb(heapAfter) - mb(heapDuring[0]), `heap after GC from the first quarter ${mb(heapDuring[0])} MiB to after ${mb(heapAfter)} MiB`).toBeLessThan(HEAP_FLAT_BOUND_MB);
      // Native memory too: a leak per call or per generation would climb through the storm.
      expect(rssDuring, 'RSS after GC at each quarter of the storm').toHaveLength(3);
      const readings = [...rssDuring, rssAfterGc].map(mb);
      const growths = readings.slice(1).map((reading, i) => reading - (readings[i] as number));
      expect(Math.min(...growths), `RSS after GC at the storm's quarters and after it: ${readings.join(', ')} MiB`).toBeLessThan(RSS_CLIMB_BOUND_MB);
    }
    // Old generations did not pile up during the storm either.
    expect(maxLiveGenerations).toBeLessThan(10);
  });
});

function mb(kb: number): number {
  return Math.round((kb / 1024) * 10) / 10;
}
