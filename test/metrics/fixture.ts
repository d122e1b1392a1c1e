// What the metrics suites share: the demo upstream, the processes to stop, a config.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type Proc, startDemoUpstream } from '../daemon/harness.js';
import { METRICS_RULES } from './decisions.js';

/** In the calling `describe`: the demo upstream (the MCP SDK server), started once, and the stop of every process a test puts in `started`. */
export function withDemoUpstream(): { readonly url: () => string; readonly started: Proc[] } {
  let upstream: { proc: Proc; url: string } | undefined;
  const started: Proc[] = [];
  beforeAll(async () => {
    upstream = await startDemoUpstream();
  });
  afterAll(async () => {
    await upstream?.proc.stop();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((proc) => proc.stop()));
  });
  return {
    url: () => {
      if (upstream === undefined) throw new Error('the demo upstream is not started');
      return upstream.url;
    },
    started,
  };
}

/** A daemon config on an OS-picked port: the upstream `demo` at `upstreamUrl` serving every path, {@link METRICS_RULES}, and `extra` top-level YAML. */
export function gatewayConfig(upstreamUrl: string, extra = ''): string {
  return `listen: "127.0.0.1:0"\n${extra}\nupstreams:\n  - name: demo\n    url: ${upstreamUrl}\ndefault_upstream: demo\npolicy:\n  rules:\n${METRICS_RULES}\n`;
}
