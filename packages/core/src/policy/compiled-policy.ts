import { classifyMessage, JsonRpcErrorCodes, type ClassifiedMessage } from '../jsonrpc/message.js';
import { checkMirroredHeaders } from '../jsonrpc/mirrored-headers.js';
import { Redactor, type RedactionEntry, type RuleMask, type Tally } from '../redact/redactor.js';
import { ReloadCache, type ReloadBuild } from './reload-cache.js';
import { collectStrings, redactValue, setOwn } from '../redact/redact-value.js';
import type { CompiledRateLimitRule, CompiledRedactRule, CompiledRule } from '../rules/compiled-rule.js';
import { decideBatch, type Admissible, type DecisionSteps } from './decide-batch.js';
import type { Decision, EvaluationContext, RedactionResult, ToolsListResult } from './decision.js';
import { refusal } from './refusal.js';
import { ruleMatches } from './rule-matches.js';
import { RuleIndex } from './rule-index.js';
import { EMPTY_SCOPE, ResponseScope } from './response-scope.js';
import { summarizeRule, type RuleSummary } from './rule-summary.js';

/** Top-level message fields that are never rewritten: they route the message. */
const ENVELOPE = new Set(['jsonrpc', 'id', 'method']);

// Messages up to this many characters of strings get one scan over all of
// them before any per-string work (larger ones: a second pass over a big text
// costs more than it saves when a secret is there).
const PRECHECK_MAX_CHARS = 16_384;
const PRECHECK_MAX_DEPTH = 64;

/**
 * Builds the RE2 sets a redactor of these entries will ask its build for,
 * one per step, so that a compile in slices is not held by a redactor's sets
 * all at once. One that RE2 refuses is left for the redactor to handle.
 */
function* buildSets(entries: readonly RedactionEntry[], build: ReloadBuild): Generator<void, void> {
  for (const sources of Redactor.setSources(entries.map((entry) => entry.source))) {
    try {
      build.set(sources);
    } catch {
      // the redactor finds which pattern RE2 refuses, and leaves it out
    }
    yield;
  }
}

/**
 * An immutable, deep-frozen policy: every pattern compiled, every lookup
 * table built. Create with {@link compilePolicy}; install with a
 * {@link PolicyHandle}. Its methods are the decision API for any proxy.
 */
export class CompiledPolicy {
  /** The rules, as configured (defaults filled in), in order. */
  readonly rules: readonly RuleSummary[];
  readonly #index: RuleIndex;
  readonly #requestRedactor: Redactor;
  readonly #responseRedactor: Redactor;
  readonly #redactRuleCount: number;
  readonly #redactRules: readonly CompiledRedactRule[];
  readonly #allRules: RuleMask;
  /**
   * Every response-side redact rule, whatever its `match`: the scope for a
   * server message the gateway cannot place (an answer to no request it
   * knows), so that such a message is redacted with everything, never with
   * nothing.
   */
  readonly everyResponseRule: ResponseScope;
  /** Response scopes by the ordinals of their rules; see {@link #scopeFor}. */
  readonly #scopes = new Map<string, ResponseScope>();

  /** This policy's per-message steps, for {@link decideBatch}. */
  readonly #steps: DecisionSteps;

  /**
   * The RE2 sets, redactors and lookup tables of a policy of these rules, one
   * piece per step (see {@link compilePolicy}).
   * @internal
   */
  static *build(rules: readonly CompiledRule[], build: ReloadBuild = new ReloadCache().begin()): Generator<void, CompiledPolicy> {
    const index = new RuleIndex(rules, build.set);
    yield;
    const redactRules = rules.filter((rule): rule is CompiledRedactRule => rule.action === 'redact');
    const entries = (direction: 'request' | 'response') =>
      redactRules
        .filter((rule) => rule.direction === direction || rule.direction === 'both')
        .flatMap((rule) => rule.patterns.map((source, i) => ({ rule: rule.ordinal, source, replacement: rule.replacement, pattern: rule.compiledPatterns[i] })));
    // Usually every redact rule works both ways (the default): then both
    // sides have the same patterns and share one Redactor, compiled once.
    const bothWays = redactRules.every((rule) => rule.direction === 'both');
    const requestEntries = entries('request');
    yield* buildSets(requestEntries, build);
    const requestRedactor = build.redactor(requestEntries);
    let responseRedactor = requestRedactor;
    if (!bothWays) {
      const responseEntries = entries('response');
      yield* buildSets(responseEntries, build);
      responseRedactor = build.redactor(responseEntries);
    }
    return new CompiledPolicy({ rules, index, redactRules, requestRedactor, responseRedactor });
  }

  /** Use {@link compilePolicy}. */
  private constructor(parts: PolicyParts) {
    this.rules = Object.freeze(parts.rules.map(summarizeRule));
    this.#index = parts.index;
    this.#redactRuleCount = parts.redactRules.length;
    this.#redactRules = parts.redactRules;
    this.#allRules = new Uint8Array(parts.redactRules.length).fill(1);
    const responseRules = parts.redactRules.filter((rule) => rule.direction !== 'request');
    this.everyResponseRule =
      responseRules.length === 0
        ? EMPTY_SCOPE
        : ResponseScope.of(this, Uint8Array.from(parts.redactRules, (rule) => (rule.direction === 'request' ? 0 : 1)), responseRules.map((rule) => rule.name));
    this.#requestRedactor = parts.requestRedactor;
    this.#responseRedactor = parts.responseRedactor;
    this.#steps = Object.freeze({
      check: (message: unknown, classified: ClassifiedMessage, context: EvaluationContext) => this.#check(message, classified, context),
      admit: (admissible: Admissible, rules: string[]) => this.#redactRequest(admissible, rules),
    });
    Object.freeze(this);
  }

  /** Number of rules. */
  get ruleCount(): number {
    return this.rules.length;
  }

  /**
   * Decides on one client-to-server JSON-RPC message (a request, a
   * notification, or a response to a server request; for a batch use
   * {@link evaluateBatch}). A message that is not JSON-RPC, or whose
   * mirrored headers (`context.headers`) disagree with it, is `invalid`.
   * Then, as SPEC §3: deny, rate limits (all of the message's hits counted
   * at once, or none), request-side redaction. The one-message case of
   * {@link evaluateBatch}.
   *
   * @example
   * const decision = await policy.evaluate(body, { upstream: 'everything', client: '10.0.0.7', rateLimits: store });
   * if (!decision.forward) return send(decision.reply);
   * forward(decision.message);
   */
  evaluate(message: unknown, context: EvaluationContext = {}): Promise<Decision> {
    try {
      // Synchronous unless a rate-limit store answers with a Promise.
      const decisions = decideBatch(this.#steps, [message], context);
      return decisions instanceof Promise ? decisions.then(onlyDecision) : Promise.resolve(onlyDecision(decisions));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Decides on a JSON-RPC batch as a whole — it is forwarded whole or not
   * at all: one decision per message, in order. Requests that share an id
   * are refused as invalid (`-32600`, "the id … is used twice in one
   * batch"); the others get the checks of {@link evaluate}. Only when no
   * message is refused are the rate-limit hits of all of them counted, with
   * one all-or-nothing store call. When any message is refused, at any
   * step, nothing is counted and every message not refused itself is
   * refused with `refusedWithBatch: true` (`-32003`, "not forwarded:
   * another message in this batch was refused", `data: { generation }`; no
   * reply for notifications and responses). No messages, no decisions.
   *
   * @example
   * const decisions = await policy.evaluateBatch(body, context);
   * if (decisions.some((d) => !d.forward)) return send(decisions.flatMap((d) => (d.reply === null ? [] : [d.reply])));
   * forward(decisions.map((d) => d.message));
   */
  evaluateBatch(messages: readonly unknown[], context: EvaluationContext = {}): Promise<Decision[]> {
    try {
      return Promise.resolve(decideBatch(this.#steps, messages, context));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The invalid and deny checks of one message (SPEC §3, step 1): a refusal, or the message waiting for its rate limits. */
  #check(message: unknown, classified: ClassifiedMessage, context: EvaluationContext): Decision | Admissible {
    if (classified.kind === 'invalid') {
      return refusal(classified, 'invalid', [], { code: JsonRpcErrorCodes.INVALID_REQUEST, message: `Invalid Request: ${classified.problem}` });
    }
    if (classified.kind === 'request' && classified.method === 'tools/call' && classified.tool === null) {
      // Without a tool name no tool rule can be checked: refuse rather than guess.
      return refusal(classified, 'invalid', [], { code: JsonRpcErrorCodes.INVALID_PARAMS, message: 'Invalid params: tools/call needs a string "params.name"' });
    }

    if (this.#envelopeHoldsSecret(classified)) {
      // The envelope routes the message and is never rewritten (a redacted id could not be
      // matched to its answer): a secret in it is refused, never forwarded as it came.
      return refusal(classified, 'invalid', [], {
        code: JsonRpcErrorCodes.INVALID_REQUEST,
        message: 'Invalid Request: its "id" or "method" holds text a redact rule removes; the gateway does not forward it',
      });
    }

    if (context.headers !== undefined && classified.kind !== 'response') {
      // Headers that mirror the body must agree with it (SPEC §7): decide from the body only.
      const annotations = classified.tool === null ? undefined : context.paramHeaders?.(classified.tool);
      const check = checkMirroredHeaders(message, context.headers, annotations);
      if (!check.ok) return refusal(classified, 'invalid', [], { code: JsonRpcErrorCodes.HEADER_MISMATCH, message: check.message });
    }

    const matched = this.#matching(classified, context);
    if (classified.kind !== 'response') {
      const denies = matched.filter((rule) => rule.action === 'deny');
      const first = denies[0];
      if (first !== undefined) {
        return refusal(classified, 'deny', denies.map((rule) => rule.name), {
          code: JsonRpcErrorCodes.DENIED,
          message: `denied by policy: ${first.message}`,
          data: { rule: first.name, generation: context.generation ?? 0 },
        });
      }
    }
    // Only requests are counted (SPEC §3, step 2): notifications and responses never are.
    let limits: CompiledRateLimitRule[] | null = null;
    if (classified.kind === 'request') for (const rule of matched) if (rule.action === 'rate_limit') (limits ??= []).push(rule);
    return { message, classified, matched, limits: limits ?? NO_LIMITS };
  }

  /** Request-side redaction, and the response scope of what will come back (SPEC §3, step 3); `names` lists the rate limits that counted it. */
  #redactRequest({ message, classified, matched }: Admissible, names: string[]): Decision {
    let requestMask: RuleMask | null = null;
    let responseMask: RuleMask | null = null;
    let scopeKey = '';
    for (const rule of matched) {
      if (rule.action !== 'redact') continue;
      names.push(rule.name);
      if (rule.direction !== 'response') (requestMask ??= new Uint8Array(this.#redactRuleCount))[rule.ordinal] = 1;
      if (rule.direction !== 'request') {
        (responseMask ??= new Uint8Array(this.#redactRuleCount))[rule.ordinal] = 1;
        scopeKey += `${rule.ordinal},`;
      }
    }

    const tally: Tally = { count: 0 };
    const forwarded = requestMask === null ? message : redactMessage(message, this.#requestRedactor, requestMask, tally);
    return {
      action: tally.count > 0 ? 'redact' : 'allow',
      kind: classified.kind,
      method: classified.method,
      tool: classified.tool,
      id: classified.id,
      rules: names,
      forward: true,
      message: forwarded,
      error: null,
      reply: null,
      redactions: tally.count,
      retryAfterMs: null,
      responseScope: responseMask === null ? EMPTY_SCOPE : this.#scopeFor(scopeKey, responseMask),
      refusedWithBatch: false,
    };
  }

  /**
   * Redacts a server-to-client message — a response (`result`, `error`), a
   * notification or a server request (`params`) — or a batch of them, with
   * the response-side rules of `scope`. Every nested string is rewritten,
   * object keys included.
   */
  redactResponse(message: unknown, scope: ResponseScope): RedactionResult {
    const mask = ResponseScope.maskFor(scope, this);
    if (mask === null) return { message, redactions: 0 };
    const tally: Tally = { count: 0 };
    const redacted = Array.isArray(message)
      ? mapIfChanged(message, (item) => redactMessage(item, this.#responseRedactor, mask, tally))
      : redactMessage(message, this.#responseRedactor, mask, tally);
    return { message: redacted, redactions: tally.count };
  }

  /**
   * The response-side redaction for a server-to-client message: the rules
   * that match the message itself in this context, joined with the scopes
   * in `include` (e.g. the scope of the request whose stream carries it).
   * Alone, it serves messages that answer no client request (a notification
   * or server request on a GET stream).
   */
  responseScope(message: unknown, context: EvaluationContext = {}, ...include: readonly ResponseScope[]): ResponseScope {
    let mask: RuleMask | null = null;
    for (const scope of include) {
      const other = ResponseScope.maskFor(scope, this);
      if (other === null) continue;
      mask ??= new Uint8Array(this.#redactRuleCount);
      for (let i = 0; i < other.length; i++) mask[i] = (mask[i] as number) | (other[i] as number);
    }
    for (const rule of this.#matching(classifyMessage(message), context)) {
      if (rule.action !== 'redact' || rule.direction === 'request') continue;
      (mask ??= new Uint8Array(this.#redactRuleCount))[rule.ordinal] = 1;
    }
    if (mask === null) return EMPTY_SCOPE;
    const names = this.#redactRules.filter((rule) => mask[rule.ordinal] === 1 && rule.direction !== 'request').map((rule) => rule.name);
    return ResponseScope.of(this, mask, names);
  }

  /**
   * Whether a response-side pattern of any redact rule may occur anywhere in
   * `text`. `false` means none does. For the JSON text of a server message
   * with no backslash in it (every string, key and value, appears in it
   * verbatim, and so do values a parser drops for a duplicate key), that
   * means {@link redactResponse} would change nothing in it under any scope.
   * Patterns that can tell where a text starts or ends (`^`, `$`, `\A`,
   * `\z`) answer `true`. {@link responseMayChangeJson} answers the same
   * question for any JSON text, escapes included.
   */
  responsePatternsMayOccur(text: string): boolean {
    if (this.#redactRuleCount === 0) return false;
    return this.#responseRedactor.mayOccurInAny([text], this.#allRules);
  }

  /**
   * Whether redaction under any response scope may change a string of the
   * JSON text `raw` (a server message as it came; a Buffer: in UTF-8) — a
   * key, a value, or a value a parser drops for a duplicate key. `false`
   * is certain, and read from the raw text alone, escapes included (see
   * `Redactor.mayChangeJsonText`); it also means that no response pattern
   * matches `raw` read as plain text. `raw` must be text a JSON parser
   * accepted for the first answer to hold; the second holds for any text.
   */
  responseMayChangeJson(raw: string | Buffer): boolean {
    if (this.#redactRuleCount === 0) return false;
    return this.#responseRedactor.mayChangeJsonText(raw, this.#allRules);
  }

  /**
   * Whether a request-side pattern may match in `text` read as plain text (a
   * Buffer: in UTF-8); `false` is certain. With {@link responseMayChangeJson}
   * `false` too, {@link redactText} would leave the text as it is.
   */
  requestMayChangeText(text: string | Buffer): boolean {
    if (this.#redactRuleCount === 0) return false;
    return this.#requestRedactor.mayChangeText(text, this.#allRules);
  }

  /**
   * Applies every redact pattern of the policy — all rules, both directions,
   * whatever their `match` — to one string. For text that leaves the gateway
   * outside any message, such as names and ids written to the audit log.
   */
  redactText(text: string): string {
    if (this.#redactRuleCount === 0) return text;
    const tally: Tally = { count: 0 };
    const all = this.#allRules;
    return this.#responseRedactor.redactString(this.#requestRedactor.redactString(text, all, tally), all, tally);
  }

  /**
   * Removes from a `tools/list` result the tools that a deny rule with no
   * `args`/`headers` condition would refuse in this context (SPEC §3), so
   * that agents do not see tools they may not call.
   */
  filterToolsList(result: unknown, context: EvaluationContext = {}): ToolsListResult {
    if (result === null || typeof result !== 'object' || Array.isArray(result)) return { result, removed: [] };
    const tools = (result as Record<string, unknown>)['tools'];
    if (!Array.isArray(tools)) return { result, removed: [] };
    const removed: string[] = [];
    const kept = tools.filter((tool: unknown) => {
      const name = tool !== null && typeof tool === 'object' ? (tool as Record<string, unknown>)['name'] : undefined;
      if (typeof name !== 'string') return true;
      const call = { kind: 'request', method: 'tools/call', tool: name, id: 0, params: { name }, problem: null } as const;
      const refused = this.#index
        .candidates('tools/call', name)
        .some((rule) => rule.action === 'deny' && rule.match.args.length === 0 && rule.match.headers.length === 0 && ruleMatches(rule, call, context));
      if (refused) removed.push(name);
      return !refused;
    });
    return removed.length === 0 ? { result, removed } : { result: { ...result, tools: kept }, removed };
  }

  /** Whether the message's `method` or string `id` holds text a request-side pattern of any redact rule would remove. */
  #envelopeHoldsSecret({ method, id }: ClassifiedMessage): boolean {
    if (this.#redactRuleCount === 0) return false;
    const texts = [method, id].filter((text): text is string => typeof text === 'string');
    // What redaction would remove, as it would count it: a pattern that can match empty text
    // (`\b[a-z]??`) occurs everywhere and removes nothing there.
    return texts.some((text) => {
      if (!this.#requestRedactor.matches(text, this.#allRules)) return false;
      const tally = { count: 0 };
      this.#requestRedactor.redactString(text, this.#allRules, tally);
      return tally.count > 0;
    });
  }

  #matching(classified: ClassifiedMessage, context: EvaluationContext): CompiledRule[] {
    const candidates = this.#index.candidates(classified.method, classified.tool);
    const matched: CompiledRule[] = [];
    for (const rule of candidates) if (ruleMatches(rule, classified, context)) matched.push(rule);
    return matched;
  }

  /** One ResponseScope per distinct set of response rules, made once (most requests share a few). */
  #scopeFor(key: string, mask: RuleMask): ResponseScope {
    let scope = this.#scopes.get(key);
    if (scope === undefined) {
      const names = this.#redactRules.filter((rule) => mask[rule.ordinal] === 1).map((rule) => rule.name);
      scope = ResponseScope.of(this, mask, names);
      if (this.#scopes.size < MAX_CACHED_SCOPES) this.#scopes.set(key, scope);
    }
    return scope;
  }
}

/** What {@link CompiledPolicy.build} hands to the constructor. */
interface PolicyParts {
  readonly rules: readonly CompiledRule[];
  readonly index: RuleIndex;
  readonly redactRules: readonly CompiledRedactRule[];
  readonly requestRedactor: Redactor;
  readonly responseRedactor: Redactor;
}

/** Distinct response scopes kept per policy; beyond it scopes are made per request. */
const MAX_CACHED_SCOPES = 4096;

const NO_LIMITS: readonly CompiledRateLimitRule[] = Object.freeze([]);

const onlyDecision = (decisions: readonly Decision[]): Decision => decisions[0] as Decision;

/**
 * Redacts every field of a message — keys included — but its envelope
 * (`jsonrpc`, `id`, `method`), which routes the message and is left as is.
 */
function redactMessage(message: unknown, redactor: Redactor, mask: RuleMask, tally: Tally): unknown {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    // Not a JSON-RPC message (a bare string, a nested array…): it has no
    // envelope to keep, and a client may still read it. Every string goes.
    return redactValue(message, (text) => redactor.redactString(text, mask, tally));
  }
  const envelope: Record<string, unknown> = {};
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) setOwn(ENVELOPE.has(key) ? envelope : body, key, value);
  // Most messages hold no secret: one scan over all their strings says so,
  // instead of one scan per string (keys included).
  const strings = collectStrings(body, PRECHECK_MAX_CHARS, PRECHECK_MAX_DEPTH);
  if (strings !== null && !redactor.mayOccurInAny(strings, mask)) return message;
  const redacted = redactValue(body, (text) => redactor.redactString(text, mask, tally));
  if (redacted === body) return message;
  for (const [key, value] of Object.entries(redacted as Record<string, unknown>)) setOwn(envelope, key, value);
  return envelope;
}

function mapIfChanged(items: unknown[], map: (item: unknown) => unknown): unknown[] {
  let copy: unknown[] | null = null;
  items.forEach((item, i) => {
    const mapped = map(item);
    if (mapped !== item) (copy ??= items.slice())[i] = mapped;
  });
  return copy ?? items;
}
