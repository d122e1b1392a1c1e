/**
 * The public API of mcpgw's library packages, pinned name by name: what
 * each package's main entry exports at run time (its values) and in its
 * declarations (values and type-only names alike). A name that appears or
 * disappears fails here, so adding one to the public API is a deliberate
 * act: docs/library.md, "Public API and the internal entry", says how.
 * `@mcpgw/core/internal` is not pinned: it promises nothing.
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
  'Exchange', 'Channel', 'AuditTrail', 'OutstandingRequests', 'ParamHeaderCache', 'readBody', 'parseJsonBody', 'createOriginCheck', 'sessionIdOf',
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
  'Admission', 'ExchangeContext', 'ExchangeEnd', 'ExchangeRuntime', 'ExchangeAnswer', 'StreamKind', 'RequestOrigin', 'TrackedRequest', 'RefusalOrigin', 'OutstandingLimits',
  'DecisionAuditEvent', 'RefusalAuditEvent', 'ServerMessageDroppedEvent', 'DroppedReason', 'GatewayAuditEvent', 'AuditListener',
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

/** Every name a declaration file exports, values and types alike, as TypeScript's checker resolves them. */
function declaredNames(declarationFile: string): string[] {
  const program = ts.createProgram([declarationFile], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, skipLibCheck: true });
  const source = program.getSourceFile(declarationFile);
  const checker = program.getTypeChecker();
  const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (module === undefined) throw new Error(`${declarationFile} is not a module: build the packages first`);
  return checker.getExportsOfModule(module).map((symbol) => symbol.name);
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
    const declarationFile = fileURLToPath(new URL(`../packages/${dir}/dist/index.d.ts`, import.meta.url));
    expect(sorted(declaredNames(declarationFile)), deliberate(name, 'names')).toEqual(sorted([...values, ...types]));
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
