// Core benchmark (@mcpgw/core), in one run:
//   1. decision cost per request at 10 / 100 / 1000 rules (lease.evaluate),
//      each size against the 10-rule figure of the same run;
//   2. redaction throughput over 1 MiB with 30 and 200 secret patterns:
//      mcpgw's Redactor and policy.redactResponse against a naive loop (one
//      RE2 per pattern, replace in order) in the same run, outputs compared;
//   3. parseConfig, compilePolicy and handle.swap of a 1000-rule policy, and
//      a reload's compile + swap (the daemon's, with its ReloadCache) after
//      an edit of three rules.
// Prints tables; writes bench/results/core.json. See docs/benchmarks.md.
//
//   node bench/core.mjs [--only decision,redaction,compile] [--quick]
//                       [--iterations 200000] [--max-seconds 25]

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import RE2 from 're2';
import { compilePolicy, parseConfig, PolicyHandle } from '@mcpgw/core';
import { compilePolicyWith, Redactor, ReloadCache } from '@mcpgw/core/internal';
import { buildCorpus } from './lib/corpus.mjs';
import { machineFacts } from './lib/machine.mjs';
import { policyYaml, requestStream } from './lib/policy-gen.mjs';
import { secretPatterns } from './lib/secret-patterns.mjs';
import { formatTable, mean, median, percentile, round } from './lib/stats.mjs';

const { values: options } = parseArgs({
  options: {
    only: { type: 'string', default: 'decision,redaction,compile' },
    quick: { type: 'boolean', default: false },
    iterations: { type: 'string' },
    'max-seconds': { type: 'string', default: '25' },
  },
});
const sections = new Set(options.only.split(','));
const QUICK = options.quick;
const DECISION_SIZES = [10, 100, 1000];
const DECISION_ITERATIONS = Number(options.iterations ?? (QUICK ? 20_000 : 200_000));
const DECISION_MAX_SECONDS = Number(options['max-seconds']);
const DECISION_ROUNDS = 10;
const REDACTION_PATTERN_COUNTS = [30, 200];
const REDACTION_REPETITIONS = QUICK ? 3 : 7;
const COMPILE_RUNS = QUICK ? 3 : 10;
const TARGETS = { decisionP99At1000Us: 50, redactionMBps200: 50, compileAndSwapMs: 100 };

const results = {
  benchmark: 'core',
  startedAt: new Date().toISOString(),
  machine: machineFacts(),
  notes: [
    'Ratios are taken against baselines measured in the same run: the machine may be shared and noisy, so absolute figures move between runs more than ratios do.',
    'MB/s counts 10^6 bytes of UTF-8 input per second.',
  ],
  options: { quick: QUICK, sections: [...sections] },
};
const elapsed = (start) => Number(process.hrtime.bigint() - start) / 1e6; // ms

// ---------------------------------------------------------------- decisions

async function benchDecisions() {
  const subjects = DECISION_SIZES.map((rules) => {
    const handle = new PolicyHandle(compilePolicy(parseConfig(policyYaml(rules))));
    return { rules, handle, requests: requestStream(rules, 4096), samples: new Float64Array(DECISION_ITERATIONS), outcomes: new Uint8Array(DECISION_ITERATIONS), count: 0, spentMs: 0 };
  });
  const ACTIONS = ['allow', 'deny', 'redact', 'rate_limit', 'invalid'];

  // One pass over each stream: every outcome is there and nothing is refused by a rate limit.
  for (const subject of subjects) {
    const seen = Object.fromEntries(ACTIONS.map((action) => [action, 0]));
    for (const { message, context } of subject.requests) {
      const lease = subject.handle.acquire();
      seen[(await lease.evaluate(message, context)).action]++;
      lease.release();
    }
    if (seen.deny === 0 || seen.redact === 0 || seen.allow === 0 || seen.rate_limit > 0 || seen.invalid > 0) {
      throw new Error(`the ${subject.rules}-rule request stream does not exercise the policy as intended: ${JSON.stringify(seen)}`);
    }
    subject.mix = seen;
  }

  // Warm up every size, then take rounds in turn so that a noisy spell hits every size alike.
  const warmUp = QUICK ? 5_000 : 30_000;
  for (const subject of subjects) {
    for (let i = 0; i < warmUp; i++) {
      const { message, context } = subject.requests[i & 4095];
      const lease = subject.handle.acquire();
      await lease.evaluate(message, context);
      lease.release();
    }
  }
  const perRound = Math.ceil(DECISION_ITERATIONS / DECISION_ROUNDS);
  for (let round = 0; round < DECISION_ROUNDS; round++) {
    for (const subject of subjects) {
      if (subject.spentMs > DECISION_MAX_SECONDS * 1000) continue;
      const roundStart = process.hrtime.bigint();
      const end = Math.min(DECISION_ITERATIONS, subject.count + perRound);
      for (let n = subject.count; n < end; n++) {
        const { message, context } = subject.requests[n & 4095];
        const lease = subject.handle.acquire();
        const start = process.hrtime.bigint();
        const decision = await lease.evaluate(message, context);
        const stop = process.hrtime.bigint();
        lease.release();
        subject.samples[n] = Number(stop - start);
        subject.outcomes[n] = ACTIONS.indexOf(decision.action);
      }
      subject.count = end;
      subject.spentMs += elapsed(roundStart);
    }
  }

  // What the clock itself costs: two back-to-back readings.
  const floor = new Float64Array(100_000);
  for (let i = 0; i < floor.length; i++) {
    const a = process.hrtime.bigint();
    floor[i] = Number(process.hrtime.bigint() - a);
  }
  const timerFloorNs = percentile(floor.sort(), 50);

  const rows = subjects.map(({ rules, samples, outcomes, count, mix, handle }) => {
    const taken = samples.subarray(0, count);
    const sorted = Float64Array.from(taken).sort();
    const byOutcome = {};
    for (const [code, action] of ACTIONS.entries()) {
      const own = Float64Array.from(taken.filter((_, i) => outcomes[i] === code)).sort();
      if (own.length > 0) byOutcome[action] = { count: own.length, p50Us: round(percentile(own, 50) / 1e3), p99Us: round(percentile(own, 99) / 1e3) };
    }
    return {
      rules: handle.policy.ruleCount,
      requestsTimed: count,
      p50Us: round(percentile(sorted, 50) / 1e3),
      p99Us: round(percentile(sorted, 99) / 1e3),
      meanUs: round(mean(sorted) / 1e3),
      p999Us: round(percentile(sorted, 99.9) / 1e3),
      streamMix: mix,
      byOutcome,
      rulesAsked: rules,
    };
  });
  const base = rows[0];
  for (const row of rows) {
    row.p50Ratio = round(row.p50Us / base.p50Us);
    row.p99Ratio = round(row.p99Us / base.p99Us);
    delete row.rulesAsked;
  }
  const at1000 = rows.find((row) => row.rules === 1000);
  const growth = at1000.p50Ratio;
  return {
    method:
      'PolicyHandle lease.evaluate(message, context) on a stream of 4096 varied tools/call requests (about 30% denied, 20% carrying an AWS-key-like string that is redacted, 20% counted by rate limits with limits too high to refuse, 10% args/headers conditions that do not hold, 20% tools no tool rule names); policies generated as YAML and built with parseConfig + compilePolicy; each call timed alone with process.hrtime.bigint() around the awaited evaluate (lease acquire/release outside); sizes warmed up, then measured in 10 interleaved rounds.',
    iterationsPerSize: DECISION_ITERATIONS,
    timerFloorNs,
    sizes: rows,
    target: {
      p99At1000RulesUs: TARGETS.decisionP99At1000Us,
      p99At1000Met: at1000.p99Us < TARGETS.decisionP99At1000Us,
      sublinear: growth < 1000 / 10,
      p50GrowthExponent: round(Math.log(Math.max(growth, 1e-9)) / Math.log(1000 / 10)),
    },
  };
}

function printDecisions(decision) {
  console.log(`\nDecision cost per request (lease.evaluate), ${decision.iterationsPerSize} requests per size, timer floor ${decision.timerFloorNs} ns\n`);
  console.log(
    formatTable(
      ['rules', 'p50 µs', 'p99 µs', 'mean µs', 'p50 / 10-rule', 'p99 / 10-rule'],
      decision.sizes.map((row) => [row.rules, row.p50Us, row.p99Us, row.meanUs, `${row.p50Ratio}x`, `${row.p99Ratio}x`]),
    ),
  );
  const { target } = decision;
  console.log(`\ntarget p99 < ${target.p99At1000RulesUs} µs at 1000 rules: ${target.p99At1000Met ? 'met' : 'MISSED'}; growth sublinear in rules: ${target.sublinear ? 'yes' : 'NO'} (p50 grows as rules^${target.p50GrowthExponent})`);
  const at1000 = decision.sizes.at(-1);
  console.log(`1000 rules by outcome (p50 / p99 µs): ${Object.entries(at1000.byOutcome).map(([action, { p50Us, p99Us }]) => `${action} ${p50Us} / ${p99Us}`).join(', ')}`);
}

// ---------------------------------------------------------------- redaction

// Counts RE2.Set scans and the ones that fail ("out of memory": the Redactor
// then tests each pattern of that set instead). @mcpgw/core loads the same re2.
function countSetScans() {
  const prototype = Object.getPrototypeOf(new RE2.Set(['x']));
  const match = prototype.match;
  const counts = { scans: 0, failures: 0 };
  prototype.match = function countedMatch(input) {
    counts.scans++;
    try {
      return match.call(this, input);
    } catch (error) {
      counts.failures++;
      throw error;
    }
  };
  return { counts, restore: () => (prototype.match = match) };
}

function benchRedaction() {
  const { text, secrets } = buildCorpus({ bytes: 1 << 20, secrets: 40, seed: 42 });
  const bytes = Buffer.byteLength(text);
  const rows = [];
  for (const count of REDACTION_PATTERN_COUNTS) {
    const patterns = secretPatterns(count);
    const redactor = new Redactor(patterns.map(({ source }) => ({ rule: 0, source, replacement: '[REDACTED]' })));
    const all = new Uint8Array([1]);
    const naive = patterns.map(({ source }) => new RE2(source, 'g'));
    const policy = compilePolicy(
      parseConfig(
        `upstreams:\n  - name: up\n    url: http://127.0.0.1:3001/mcp\npolicy:\n  rules:\n    - name: redact-secrets\n      action: redact\n      direction: response\n      patterns:\n${patterns.map(({ source }) => `        - ${JSON.stringify(source)}\n`).join('')}      replacement: "[REDACTED]"\n`,
      ),
    );
    const response = { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text }], isError: false } };
    const scope = policy.responseScope(response);

    const subjects = {
      naive: () => {
        let out = text;
        for (const re of naive) out = re.replace(out, '[REDACTED]');
        return { out, redactions: null };
      },
      redactor: () => {
        const tally = { count: 0 };
        return { out: redactor.redactString(text, all, tally), redactions: tally.count };
      },
      redactResponse: () => {
        const { message, redactions } = policy.redactResponse(response, scope);
        return { out: message.result.content[0].text, redactions };
      },
    };
    const times = { naive: [], redactor: [], redactResponse: [] };
    const setScans = countSetScans();
    const cold = {};
    let expected = null;
    let redactions = null;
    // The first run of each builds RE2's automata; it is reported apart, not in the median.
    for (let rep = -1; rep < REDACTION_REPETITIONS; rep++) {
      for (const [name, run] of Object.entries(subjects)) {
        const start = process.hrtime.bigint();
        const { out, redactions: made } = run();
        const ms = elapsed(start);
        expected ??= out;
        if (out !== expected) {
          throw new Error(`${name} output differs from the naive per-pattern loop with ${count} patterns (first difference at ${firstDifference(out, expected)})`);
        }
        if (made !== null) {
          redactions ??= made;
          if (made !== redactions) throw new Error(`${name} counted ${made} redactions, another subject ${redactions}`);
        }
        if (rep < 0) cold[name] = round(ms);
        else times[name].push(ms);
      }
    }
    setScans.restore();
    const mbps = (ms) => round(bytes / 1e6 / (ms / 1e3));
    const medians = Object.fromEntries(Object.entries(times).map(([name, list]) => [name, median(list)]));
    rows.push({
      patterns: count,
      patternsFound: patterns.filter(({ source }) => new RE2(source).test(text)).length,
      redactions,
      identicalOutput: true,
      redactorMBps: mbps(medians.redactor),
      redactResponseMBps: mbps(medians.redactResponse),
      naiveMBps: mbps(medians.naive),
      redactorVsNaive: round(medians.naive / medians.redactor),
      redactResponseVsNaive: round(medians.naive / medians.redactResponse),
      medianMs: Object.fromEntries(Object.entries(medians).map(([name, ms]) => [name, round(ms)])),
      allMs: Object.fromEntries(Object.entries(times).map(([name, list]) => [name, list.map((ms) => round(ms))])),
      coldMs: cold,
      setScansPerRedaction: round(setScans.counts.scans / (2 * (REDACTION_REPETITIONS + 1)), 1),
      setScanFailures: setScans.counts.failures,
    });
  }
  const at200 = rows.find((row) => row.patterns === 200);
  return {
    method:
      'One 1 MiB text (prose, JSON log lines, code and config snippets, ids and base64 that look random, a little non-ASCII) with 40 secrets of 22 kinds. mcpgw: Redactor.redactString with every pattern active, and CompiledPolicy.redactResponse on a tools/call result whose content[0].text is the text. Naive: one new RE2(pattern, "g") per pattern and text = re.replace(text, "[REDACTED]") for each pattern in order. All three outputs must be identical (else the run fails). Median of the repetitions after one untimed warm-up run each.',
    bytes,
    secretsInText: secrets,
    repetitions: REDACTION_REPETITIONS,
    patternSets: rows,
    target: { mbpsAt200Patterns: TARGETS.redactionMBps200, met: at200.redactorMBps >= TARGETS.redactionMBps200 && at200.redactResponseMBps >= TARGETS.redactionMBps200 },
  };
}

function firstDifference(a, b) {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `character ${i}: ${JSON.stringify(a.slice(i, i + 40))} vs ${JSON.stringify(b.slice(i, i + 40))}`;
}

function printRedaction(redaction) {
  console.log(`\nRedaction throughput over ${(redaction.bytes / 2 ** 20).toFixed(0)} MiB (${redaction.secretsInText} secrets), median of ${redaction.repetitions}, MB/s\n`);
  console.log(
    formatTable(
      ['patterns', 'found', 'replaced', 'Redactor', 'redactResponse', 'naive loop', 'Redactor / naive', 'redactResponse / naive', 'same output', 'set scans', 'failed'],
      redaction.patternSets.map((row) => [row.patterns, row.patternsFound, row.redactions, row.redactorMBps, row.redactResponseMBps, row.naiveMBps, `${row.redactorVsNaive}x`, `${row.redactResponseVsNaive}x`, row.identicalOutput ? 'yes' : 'NO', row.setScansPerRedaction, row.setScanFailures]),
    ),
  );
  console.log(`\ntarget >= ${redaction.target.mbpsAt200Patterns} MB/s with 200 patterns: ${redaction.target.met ? 'met' : 'MISSED'}`);
}

// ---------------------------------------------------------------- compile + swap

function benchCompile() {
  const yaml = policyYaml(1000);
  const handle = new PolicyHandle(compilePolicy(parseConfig(yaml)));
  const runs = [];
  for (let run = -2; run < COMPILE_RUNS; run++) {
    const t0 = process.hrtime.bigint();
    const config = parseConfig(yaml);
    const t1 = process.hrtime.bigint();
    const policy = compilePolicy(config);
    const t2 = process.hrtime.bigint();
    handle.swap(policy);
    const t3 = process.hrtime.bigint();
    if (run >= 0) runs.push({ parse: Number(t1 - t0) / 1e6, compile: Number(t2 - t1) / 1e6, swap: Number(t3 - t2) / 1e6 });
  }
  const config = parseConfig(yaml);
  const rules = config.policy.rules;
  const stat = (pick) => round(median(runs.map(pick)));
  const compileAndSwapMs = stat((r) => r.compile + r.swap);
  const reloads = { renamed: reloadRuns(yaml, renameThree), repatterned: reloadRuns(yaml, repatternThree) };
  const reloadCompileAndSwapMs = round(Math.max(median(reloads.renamed), median(reloads.repatterned)));
  return {
    method:
      'A generated 1000-rule mcpgw.yaml (the 1000-rule policy of the decision benchmark): parseConfig(yaml), compilePolicy(config), handle.swap(policy), each timed alone; median of the runs after two warm-up runs; parseConfig validates every pattern with RE2 too, so it is not free of regex work. Then a reload as the daemon makes it: the config edited (three rules renamed, or one pattern changed in each of three rules), parsed (untimed: the daemon parses in a worker thread), compiled with the ReloadCache of the policy before it and swapped in, timed together; each run edits the previous run\'s file anew; median of the runs.',
    runs: COMPILE_RUNS,
    policy: {
      rules: rules.length,
      yamlKiB: round(yaml.length / 1024),
      redactPatterns: rules.filter((rule) => rule.action === 'redact').reduce((sum, rule) => sum + rule.patterns.length, 0),
      toolPatterns: rules.filter((rule) => rule.match?.tool !== undefined).length,
    },
    parseMs: stat((r) => r.parse),
    compileMs: stat((r) => r.compile),
    swapMs: round(median(runs.map((r) => r.swap)), 4),
    compileAndSwapMs,
    parseCompileSwapMs: stat((r) => r.parse + r.compile + r.swap),
    reloadRenamedMs: round(median(reloads.renamed)),
    reloadRepatternedMs: round(median(reloads.repatterned)),
    allMs: runs.map((r) => ({ parse: round(r.parse), compile: round(r.compile), swap: round(r.swap, 4) })),
    reloadMs: { renamed: reloads.renamed.map((ms) => round(ms)), repatterned: reloads.repatterned.map((ms) => round(ms)) },
    target: { reloadCompileAndSwapMs: TARGETS.compileAndSwapMs, met: reloadCompileAndSwapMs < TARGETS.compileAndSwapMs },
    reloadCompileAndSwapMs,
  };
}

/** Three rules of the 1000 renamed (compiled anew; the sets and redactors they are in stay). */
const renameThree = (yaml, run) =>
  yaml
    .replace(/name: (?:e\d+-)?deny-exact-/, `name: e${run}-deny-exact-`)
    .replace(/name: (?:e\d+-)?deny-regex-/, `name: e${run}-deny-regex-`)
    .replace(/name: (?:e\d+-)?redact-scoped-/, `name: e${run}-redact-scoped-`);

/** One pattern changed in each of three rules (a redact pattern, a tool pattern, an argument pattern): their sets and redactors are built anew. */
const repatternThree = (yaml, run) => {
  let seen = 0;
  return yaml.replace(/((?:- |tool: |path: )"(?:[^"\\]|\\.)*?)(?:\(\?:~\d+~\)\?)?"/g, (all, head) => {
    seen += 1;
    return seen === 1 || seen === 500 || seen === 1000 ? `${head}(?:~${run}~)?"` : all;
  });
};

/** Main-thread ms of each reload: compile with the cache of the policy before, and swap. */
function reloadRuns(yaml, edit) {
  const cache = new ReloadCache();
  const handle = new PolicyHandle(compilePolicyWith(parseConfig(yaml), cache));
  const times = [];
  for (let run = -2; run < COMPILE_RUNS; run++) {
    const config = parseConfig(edit(yaml, run + 3));
    const t0 = process.hrtime.bigint();
    handle.swap(compilePolicyWith(config, cache));
    if (run >= 0) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times;
}

function printCompile(compile) {
  console.log(`\nCompile + swap of a ${compile.policy.rules}-rule policy (${compile.policy.redactPatterns} redact patterns, ${compile.policy.toolPatterns} tool patterns), median of ${compile.runs}, ms\n`);
  console.log(
    formatTable(
      ['parseConfig', 'compilePolicy', 'handle.swap', 'compile + swap', 'parse + compile + swap', 'reload: 3 rules renamed', 'reload: 3 patterns changed'],
      [[compile.parseMs, compile.compileMs, compile.swapMs, compile.compileAndSwapMs, compile.parseCompileSwapMs, compile.reloadRenamedMs, compile.reloadRepatternedMs]],
    ),
  );
  console.log(`\ntarget a reload's compile + swap < ${compile.target.reloadCompileAndSwapMs} ms: ${compile.target.met ? 'met' : 'MISSED'}`);
}

// ---------------------------------------------------------------- main

const load = () => os.loadavg().map((value) => round(value, 2));
console.log(`mcpgw core benchmark — node ${results.machine.node}, ${results.machine.cpu} (${results.machine.cores} cores), load ${results.machine.loadAverage.join(' ')}${QUICK ? ', QUICK run' : ''}`);
const started = process.hrtime.bigint();
if (sections.has('decision')) {
  const loadBefore = load();
  results.decision = await benchDecisions();
  results.decision.loadAverage = { before: loadBefore, after: load() };
  printDecisions(results.decision);
}
if (sections.has('redaction')) {
  const loadBefore = load();
  results.redaction = benchRedaction();
  results.redaction.loadAverage = { before: loadBefore, after: load() };
  printRedaction(results.redaction);
}
if (sections.has('compile')) {
  const loadBefore = load();
  results.compile = benchCompile();
  results.compile.loadAverage = { before: loadBefore, after: load() };
  printCompile(results.compile);
}
results.durationSeconds = round(elapsed(started) / 1000);
results.targets = [
  results.decision && { name: 'decision p99 at 1000 rules', target: `< ${TARGETS.decisionP99At1000Us} µs`, value: results.decision.sizes.at(-1).p99Us, met: results.decision.target.p99At1000Met },
  results.decision && { name: 'decision cost sublinear in rules', target: 'p50(1000) / p50(10) < 100', value: results.decision.sizes.at(-1).p50Ratio, met: results.decision.target.sublinear },
  results.redaction && { name: 'redaction MB/s with 200 patterns', target: `>= ${TARGETS.redactionMBps200}`, value: results.redaction.patternSets.at(-1).redactorMBps, met: results.redaction.target.met },
  results.compile && { name: "a reload's compile + swap of 1000 rules, 3 edited", target: `< ${TARGETS.compileAndSwapMs} ms`, value: results.compile.reloadCompileAndSwapMs, met: results.compile.target.met },
].filter(Boolean);

const out = new URL('./results/core.json', import.meta.url);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\n${results.targets.map(({ name, target, value, met }) => `${met ? 'met   ' : 'MISSED'} ${name}: ${value} (target ${target})`).join('\n')}`);
console.log(`\nwrote ${out.pathname} (${results.durationSeconds} s)`);
