import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_KEY, startRecordingUpstream, type RecordingUpstream } from '../attacks/recording-upstream.js';
import { daemonConfig, startDaemon, tempDir } from '../daemon/harness.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';
import { connectClient, daemonWithTelemetry, stop, telemetryBlock } from './telemetry-daemon.js';

// The client's own trace: the gateway's server spans continue it.
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const META_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const META_SPAN = 'b7ad6b7169203331';
const SEMCONV_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

const SERVER = 2;
const CLIENT = 3;

/** The recorded upstream request whose body calls `tool`. */
function upstreamCall(upstream: RecordingUpstream, tool: string) {
  const request = upstream.received.find((entry) => entry.body.toString('utf8').includes(`"name":"${tool}"`));
  if (request === undefined) throw new Error(`the upstream saw no call of ${tool}`);
  return { headers: request.headers, body: JSON.parse(request.body.toString('utf8')) as { params: { _meta?: Record<string, string> } } };
}

describe('mcpgw serve exports OTLP traces and metrics (SPEC §11)', () => {
  let upstream: RecordingUpstream;
  let receiver: OtlpReceiver;
  let exit: { code: number | null; ms: number };
  let scraped: string;

  beforeAll(async () => {
    upstream = await startRecordingUpstream({ json: true });
    receiver = await startOtlpReceiver();
    const { proc, url } = await daemonWithTelemetry(upstream, receiver.url);
    const client = await connectClient(url, { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` });
    await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    await client.callTool({ name: 'exec', arguments: { cmd: 'ls' } }).catch(() => undefined);
    await client.callTool({ name: 'fail', arguments: {} });
    await client.callTool({ name: AWS_KEY, arguments: {} }).catch(() => undefined);
    await client.callTool({ name: 'search', arguments: { q: 'x' }, _meta: { traceparent: `00-${META_TRACE_ID}-${META_SPAN}-01` } });
    await client.close();
    scraped = await (await fetch(new URL('/metrics', url))).text();
    // The drain flushes what is pending: nothing is waited for beyond it.
    exit = await stop(proc);
  }, 30_000);

  afterAll(async () => {
    await upstream?.close();
    await receiver?.close();
  });

  const spansNamed = (name: string, kind: number): ReceivedSpan[] => receiver.spans.filter((span) => span.name === name && span.kind === kind);
  const only = (name: string, kind: number): ReceivedSpan => {
    const spans = spansNamed(name, kind);
    expect(spans, `${name} (kind ${kind}) among ${receiver.spans.map((s) => `${s.name}/${s.kind}`).join(', ')}`).toHaveLength(1);
    return spans[0] as ReceivedSpan;
  };

  it('decodes every export with the official definitions, protobuf, to /v1/traces and /v1/metrics', () => {
    expect(exit.code).toBe(0);
    expect(receiver.errors).toEqual([]);
    expect(new Set(receiver.requests.map((r) => `${r.path} ${r.contentType}`))).toEqual(new Set(['/v1/traces application/x-protobuf', '/v1/metrics application/x-protobuf']));
    const resource = receiver.spans[0]?.resource ?? {};
    expect(resource['service.name']).toBe('gateway-under-test');
    expect(resource['service.version']).toMatch(/^\d+\.\d+\.\d+/);
    expect(resource['service.instance.id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('links the client, the gateway server span, its client span, and the upstream', () => {
    const server = only('tools/call echo', SERVER);
    expect(server.traceId).toBe(TRACE_ID);
    expect(server.parentSpanId).toBe(CLIENT_SPAN);
    const client = only('tools/call echo', CLIENT);
    expect(client.traceId).toBe(TRACE_ID);
    expect(client.parentSpanId).toBe(server.spanId);
    // The upstream continues the gateway's client span, in the header and in params._meta.
    const call = upstreamCall(upstream, 'echo');
    expect(call.headers['traceparent']).toBe(`00-${TRACE_ID}-${client.spanId}-01`);
    expect(call.body.params._meta?.['traceparent']).toBe(`00-${TRACE_ID}-${client.spanId}-01`);
    expect(server.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'echo',
      'gen_ai.operation.name': 'execute_tool',
      'mcp.protocol.version': expect.stringMatching(/^\d{4}-\d\d-\d\d$/),
      'mcp.session.id': expect.any(String),
      'network.transport': 'tcp',
      'mcpgw.decision': 'allow',
      'mcpgw.rules': ['redact-secrets', 'redact-demo-words'],
      'mcpgw.policy.generation': 1,
    });
    expect(typeof server.attributes['jsonrpc.request.id']).toBe('string');
    expect(server.attributes['error.type']).toBeUndefined();
    expect(server.status).toBe(0);
  });

  it('continues params._meta.traceparent before the header, and replaces it upstream with its own', () => {
    const server = only('tools/call search', SERVER);
    expect(server.traceId).toBe(META_TRACE_ID);
    expect(server.parentSpanId).toBe(META_SPAN);
    const client = only('tools/call search', CLIENT);
    expect(upstreamCall(upstream, 'search').body.params._meta?.['traceparent']).toBe(`00-${META_TRACE_ID}-${client.spanId}-01`);
  });

  it('marks a refusal with its code, its rules and no upstream call', () => {
    const server = only('tools/call exec', SERVER);
    expect(spansNamed('tools/call exec', CLIENT)).toEqual([]);
    expect(server.attributes).toMatchObject({ 'mcpgw.decision': 'deny', 'mcpgw.rules': ['deny-shell'], 'error.type': '-32003', 'rpc.response.status_code': '-32003' });
    expect(server.status).toBe(2);
  });

  it('marks a tool result with isError as tool_error', () => {
    expect(only('tools/call fail', SERVER).attributes['error.type']).toBe('tool_error');
    expect(only('tools/call fail', CLIENT).attributes['error.type']).toBe('tool_error');
  });

  it('never exports a value the policy redacts', () => {
    const text = JSON.stringify(receiver.spans);
    expect(text).not.toContain(AWS_KEY);
    expect(receiver.spans.some((span) => span.name.startsWith('tools/call ') && span.name.includes('REDACTED'))).toBe(true);
  });

  it('records both duration histograms in seconds with the semantic conventions buckets', () => {
    for (const metric of ['mcp.server.operation.duration', 'mcp.client.operation.duration']) {
      const echo = receiver.points.find((point) => point.metric === metric && point.attributes['gen_ai.tool.name'] === 'echo');
      expect(echo, metric).toBeDefined();
      expect(echo?.unit).toBe('s');
      expect(echo?.bounds).toEqual(SEMCONV_BUCKETS);
      expect(echo?.count).toBe(1);
      expect(echo?.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'network.transport': 'tcp' });
      expect(echo?.attributes['mcp.session.id']).toBeUndefined();
    }
  });

  it("exports mcpgw's own series from the one MeterProvider that /metrics reads, which shows only those", () => {
    const denied = receiver.points.find((point) => point.metric === 'mcpgw_request_duration_seconds' && point.attributes['action'] === 'deny');
    expect(denied?.count).toBe(1);
    expect(scraped).toMatch(/^mcpgw_request_duration_seconds_count\{upstream="[a-z0-9-]+",action="deny"\} 1$/m);
    // The semantic conventions' histograms carry tool names clients send: OTLP only.
    expect(scraped).not.toContain('mcp_server_operation_duration');
  });
});

describe('mcpgw serve with protocol: http/json', () => {
  it('exports OTLP/JSON that fits the official definitions', async () => {
    const upstream = await startRecordingUpstream({ json: true });
    const receiver = await startOtlpReceiver();
    try {
      const { proc, url } = await daemonWithTelemetry(upstream, receiver.url, 'http/json');
      const client = await connectClient(url);
      await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
      await client.close();
      expect((await stop(proc)).code).toBe(0);
      expect(receiver.errors).toEqual([]);
      expect(new Set(receiver.requests.map((r) => `${r.path} ${r.contentType}`))).toEqual(new Set(['/v1/traces application/json', '/v1/metrics application/json']));
      const server = receiver.spans.find((span) => span.name === 'tools/call echo' && span.kind === SERVER);
      const client2 = receiver.spans.find((span) => span.name === 'tools/call echo' && span.kind === CLIENT);
      expect(client2?.parentSpanId).toBe(server?.spanId);
      expect(receiver.points.some((point) => point.metric === 'mcp.server.operation.duration')).toBe(true);
    } finally {
      await upstream.close();
      await receiver.close();
    }
  }, 30_000);
});

describe('telemetry is restart-only', () => {
  it('a reload that changes only telemetry.customer.protocol says restart_required and keeps exporting protobuf', async () => {
    const upstream = await startRecordingUpstream({ json: true });
    const receiver = await startOtlpReceiver();
    try {
      const dir = tempDir();
      const path = join(dir, 'mcpgw.yaml');
      writeFileSync(path, daemonConfig({ upstreamUrl: upstream.url, dir, extra: telemetryBlock(receiver.url) }));
      const { proc, url } = await startDaemon(path, ['--no-watch']);
      writeFileSync(path, daemonConfig({ upstreamUrl: upstream.url, dir, extra: telemetryBlock(receiver.url, 'http/json') }));
      const from = proc.lines.length;
      proc.signal('SIGHUP');
      const ok = await proc.waitForMsg(/^policy reload: ok/, from);
      expect(ok['restart_required']).toEqual(['telemetry']);
      const client = await connectClient(url);
      await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
      await client.close();
      expect((await stop(proc)).code).toBe(0);
      expect(new Set(receiver.requests.map((r) => r.contentType))).toEqual(new Set(['application/x-protobuf']));
    } finally {
      await upstream.close();
      await receiver.close();
    }
  }, 30_000);
});
