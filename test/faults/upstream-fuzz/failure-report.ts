// The failure report of the upstream fuzzer: failures grouped by invariant,
// the first cases of each written out in full (the client request, what the
// upstream chose, the bytes it sent and how it ended), and the command that
// reruns them.

import type { Step } from '../hostile-upstream.js';
import type { FuzzCase } from './fuzz-case.js';

/** One broken invariant, and the fuzz cases that broke it (or may have: those in flight when the daemon died). */
export interface Failure {
  readonly invariant: string;
  readonly cases: readonly number[];
  readonly detail: string;
}

/** Every failure, grouped by invariant, with the first cases of each in full: enough to replay them. */
export function formatFailures(failures: readonly Failure[], isolated: ReadonlyMap<Failure, number[]>, seed: number, fuzzCase: (index: number) => FuzzCase): string {
  const groups = new Map<string, Failure[]>();
  for (const failure of failures) groups.set(failure.invariant, [...(groups.get(failure.invariant) ?? []), failure]);
  const out: string[] = [`upstream fuzz: ${failures.length} failures (seed ${seed})`];
  for (const [invariant, list] of groups) {
    out.push('', `== ${invariant}: ${list.length} ==`);
    for (const failure of list.slice(0, 12)) {
      out.push(failure.detail);
      const culprits = isolated.get(failure);
      if (culprits !== undefined) out.push(`  alone on a fresh daemon, these kill it: ${culprits.length > 0 ? culprits.join(', ') : '(none: it takes more than one case)'}`);
      for (const index of (culprits ?? failure.cases).slice(0, 2)) out.push(describeCase(fuzzCase(index)));
    }
    const cases = [...new Set(list.flatMap((failure) => failure.cases))];
    if (cases.length > 0) out.push(`  rerun: MCPGW_UPSTREAM_FUZZ_SEED=${seed} MCPGW_UPSTREAM_FUZZ_CASES=${cases.slice(0, 20).join(',')} npx vitest run test/faults/upstream-fuzz.test.ts`);
  }
  return out.join('\n');
}

export function describeCase({ index, call, answer }: FuzzCase): string {
  return [
    `  case ${index}: client ${call.method} /mcp (${call.kind}) ${JSON.stringify(call.headers)} ${call.body?.toString('utf8') ?? ''}`,
    `    upstream: ${answer.labels.join('; ')}`,
    `    script: ${describeSteps(answer.script.steps)}`,
  ].join('\n');
}

/** Consecutive writes and pauses as one run of bytes (first 400 shown), then how the connection ends. */
function describeSteps(steps: readonly Step[]): string {
  const parts: string[] = [];
  let bytes: Buffer[] = [];
  let pieces = 0;
  let paused = 0;
  const flush = () => {
    if (pieces === 0 && paused === 0) return;
    const all = Buffer.concat(bytes);
    parts.push(`write ${all.length} bytes${pieces > 1 ? ` in ${pieces} pieces` : ''}${paused > 0 ? ` over ${paused} ms` : ''}: ${JSON.stringify(all.subarray(0, 400).toString('latin1'))}${all.length > 400 ? '…' : ''}`);
    bytes = [];
    pieces = 0;
    paused = 0;
  };
  for (const step of steps) {
    if ('write' in step) {
      bytes.push(step.write);
      pieces++;
    } else if ('pause' in step) {
      paused += step.pause;
    } else {
      flush();
      parts.push(`then ${step.close === 'fin' ? 'close (FIN)' : step.close === 'reset' ? 'reset (RST)' : 'hold the connection open, silent'}`);
    }
  }
  flush();
  if (!steps.some((step) => 'close' in step)) parts.push('then keep the connection open for the next request');
  return parts.join('; ');
}
