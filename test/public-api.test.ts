/**
 * The public API of mcpgw's library packages, pinned name by name: what
 * each package's main entry exports at run time (its values) and in its
 * declarations (values and type-only names alike). A name that appears or
 * disappears fails here, so adding one to the public API is a deliberate
 * act: docs/library.md, "Public API and the internal entry", says how.
 * `@mcpgw/core/internal` is not pinned: it promises nothing, and no public
 * declaration may lead to the engine's insides it holds.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const CORE_VALUES = [
  // Config.
  'parseConfig', 'isStdioUpstream', 'ConfigError', 'formatConfigIssue', 'configJsonSchema',
  'ConfigSchema', 'PolicySchema', 'UpstreamSchema', 'HttpUpstreamSchema', 'StdioUpstreamSchema', 'RouteSchema', 'AuditSchema', 'TelemetrySchema', 'RuleSchema', 'MatchSchema',
  // Compile and decide.
  'compilePolicy', 'CompiledPolicy', 'ResponseScope', 'PolicyError',
  // Handle and stores.
  'PolicyHandle', 'MemoryRateLimitStore',
  // Errors.
  'McpgwError', 'ErrorCodes', 'ERRORS', 'JsonRpcErrorCodes', 'GatewayError', 'upstreamError',
  // The exchange, its runtime and the HTTP wire helpers.
  'Exchange', 'Channel', 'createExchangeRuntime', 'readBody', 'parseJsonBody', 'createOriginCheck', 'sessionIdOf',
];

const CORE_TYPES = [
  // Config.
  'McpgwConfig', 'UpstreamConfig', 'StdioUpstreamConfig', 'AuditConfig', 'ParseConfigOptions', 'ConfigIssue', 'ConfigIssueForm',
  'ConfigInput', 'PolicyInput', 'UpstreamInput', 'HttpUpstreamInput', 'StdioUpstreamInput', 'RouteInput', 'AuditInput', 'RuleInput', 'MatchInput',
  // Compile and decide.
  'CallerIdentity', 'Decision', 'DecisionAction', 'EvaluationContext', 'RedactionResult', 'ToolsListResult', 'RuleSummary', 'HeaderSource', 'MessageKind', 'ParamHeaderMap',
  // Handle and stores.
  'PolicyLease', 'PolicyHandleOptions', 'GenerationStatus', 'DrainListener', 'SwapListener',
  'MemoryRateLimitStoreOptions', 'RateLimitStore', 'RateLimitHit', 'RateLimitVerdict', 'RateLimitRefusalReason',
  // Errors.
  'ErrorCode', 'WireAnswer', 'JsonRpcError', 'JsonRpcErrorResponse', 'JsonRpcId', 'GatewayErrorKind',
  // The exchange.
  'Admission', 'ExchangeContext', 'ExchangeEnd', 'ExchangeRuntime', 'ExchangeRuntimeOptions', 'ExchangeAnswer', 'StreamKind', 'RequestOrigin', 'TrackedRequest', 'OutstandingLimits',
  'DecisionAuditEvent', 'RefusalAuditEvent', 'ServerMessageDroppedEvent', 'DroppedReason', 'GatewayAuditEvent', 'AuditListener',
  'RequestTracer', 'RequestTrace', 'TraceStart',
];

const EXPRESS_VALUES = ['createMcpHandler', 'mcpGateway', 'DEFAULT_LIMITS', 'UpstreamHealth', 'GatewayError'];
const EXPRESS_TYPES = [
  'McpGatewayOptions', 'McpGatewayMiddleware', 'GatewayRequest', 'UpstreamConnector', 'GatewayUpstreamInput', 'GatewayLimits',
  'UpstreamOutcome', 'UpstreamFailureKind', 'UpstreamHealthEntry',
  'DecisionAuditEvent', 'RefusalAuditEvent', 'GatewayAuditEvent', 'AuditListener', 'GatewayErrorKind',
];

const STDIO_VALUES = ['StdioGateway', 'DEFAULT_STDIO_LIMITS', 'ServerProcess', 'LineFramer', 'HttpBridge', 'DEFAULT_BRIDGE_LIMITS'];
const STDIO_TYPES = [
  'StdioGatewayOptions', 'StdioLimits', 'StdioOutcome', 'ServerProcessOptions', 'ServerExit', 'HttpBridgeOptions',
  'BridgeLimits', 'BridgeLogger', 'FramedItem', 'StdioAuditListener', 'ClientLineProblem',
];

const PACKAGES = [
  { name: '@mcpgw/core', dir: 'core', values: CORE_VALUES, types: CORE_TYPES },
  { name: '@mcpgw/express', dir: 'express-adapter', values: EXPRESS_VALUES, types: EXPRESS_TYPES },
  { name: '@mcpgw/stdio', dir: 'stdio-adapter', values: STDIO_VALUES, types: STDIO_TYPES },
];

/**
 * The engine's insides (in @mcpgw/core/internal): no public declaration may
 * name them, or a library user would meet them in a signature, and changing
 * them would break code that never imported the internal entry.
 */
const INTERNAL_TYPES = ['RuleMask', 'Tally', 'Redactor', 'RedactionEntry', 'CompiledRule', 'ReloadCache', 'ReloadBuild', 'Pattern'];

const declarationFileOf = (dir: string): string => fileURLToPath(new URL(`../packages/${dir}/dist/index.d.ts`, import.meta.url));

/** The checker of a program of one declaration file, and the symbols that file exports. */
function exportsOf(declarationFile: string): { checker: ts.TypeChecker; exported: ts.Symbol[] } {
  const program = ts.createProgram([declarationFile], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, skipLibCheck: true });
  const source = program.getSourceFile(declarationFile);
  const checker = program.getTypeChecker();
  const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (module === undefined) throw new Error(`${declarationFile} is not a module: build the packages first`);
  return { checker, exported: checker.getExportsOfModule(module) };
}

/** Every name a declaration file exports, values and types alike, as TypeScript's checker resolves them. */
const declaredNames = (declarationFile: string): string[] => exportsOf(declarationFile).exported.map((symbol) => symbol.name);

/**
 * Every declaration of mcpgw's packages that a user of this declaration file
 * can reach: its exports, then whatever their declarations refer to (types,
 * `typeof` queries, base classes), transitively; private members carry no
 * types in a declaration file, so they lead nowhere. Each reached name comes
 * with the path that leads to it, e.g. `ResponseScope → RuleMask`.
 */
function reachableDeclarations(declarationFile: string): Map<string, string> {
  const { checker, exported } = exportsOf(declarationFile);
  const resolve = (symbol: ts.Symbol): ts.Symbol => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  const ours = (symbol: ts.Symbol): boolean => (symbol.declarations ?? []).some((node) => /[\\/]packages[\\/][^\\/]+[\\/]dist[\\/]/.test(node.getSourceFile().fileName));
  const paths = new Map<string, string>();
  const seen = new Set<ts.Symbol>();
  const queue: Array<{ symbol: ts.Symbol; path: string }> = exported.map((symbol) => ({ symbol: resolve(symbol), path: symbol.name }));
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const { symbol, path } = next;
    if (seen.has(symbol) || !ours(symbol)) continue;
    seen.add(symbol);
    if (!paths.has(symbol.name)) paths.set(symbol.name, path);
    const refer = (node: ts.Node): void => {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : ts.isExpressionWithTypeArguments(node) ? node.expression : ts.isTypeQueryNode(node) ? node.exprName : undefined;
      const target = name === undefined ? undefined : checker.getSymbolAtLocation(name);
      if (target !== undefined) queue.push({ symbol: resolve(target), path: `${path} → ${resolve(target).name}` });
      ts.forEachChild(node, refer);
    };
    for (const declaration of symbol.declarations ?? []) refer(declaration);
  }
  return paths;
}

const sorted = (names: Iterable<string>): string[] => [...names].sort();

const deliberate = (name: string, kind: string): string =>
  `the ${kind} exported by ${name} changed. Public names are a deliberate act: a new one goes into this list and into its docs ` +
  `(docs/library.md for @mcpgw/core, the package's README otherwise); what only mcpgw's own adapters need goes into @mcpgw/core/internal instead`;

describe.each(PACKAGES)('the public API of $name', ({ name, dir, values, types }) => {
  it('exports exactly the pinned values at run time', async () => {
    const module = (await import(name)) as Record<string, unknown>;
    expect(sorted(Object.keys(module)), deliberate(name, 'values')).toEqual(sorted(values));
  });

  it('declares exactly the pinned values and types', () => {
    expect(sorted(declaredNames(declarationFileOf(dir))), deliberate(name, 'names')).toEqual(sorted([...values, ...types]));
  });

  it("leads to none of the engine's insides from any public declaration", () => {
    const reached = reachableDeclarations(declarationFileOf(dir));
    const leaks = INTERNAL_TYPES.filter((internal) => reached.has(internal)).map((internal) => reached.get(internal));
    expect(
      leaks,
      `the public declarations of ${name} mention types of @mcpgw/core/internal (path from an export shown). ` +
        'Keep them out of public signatures: a module-internal function, a #private member, or /** @internal */ (stripped from the declarations) for what only core calls',
    ).toEqual([]);
  });

  it('pins each name once, as a value or as a type', () => {
    expect(new Set([...values, ...types]).size).toBe(values.length + types.length);
  });
});

describe('the example proxy', () => {
  it('uses nothing but the public API of @mcpgw/core, as docs/library.md says', () => {
    const source = readFileSync(fileURLToPath(new URL('../examples/node-http-proxy/proxy.mjs', import.meta.url)), 'utf8');
    const mcpgw = ts
      .preProcessFile(source, true, true)
      .importedFiles.map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith('@mcpgw/'));
    expect(mcpgw).toEqual(['@mcpgw/core']);
  });
});
