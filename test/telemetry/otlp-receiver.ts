// An OTLP/HTTP receiver for the telemetry tests: a node:http server on
// 127.0.0.1 that takes what mcpgw exports to /v1/traces and /v1/metrics and
// decodes it with the official OpenTelemetry protobuf definitions
// (test/telemetry/proto, read by protobufjs) — not with the exporter's own
// encoder, nor a hand parser. `hang: true` makes it a collector that accepts
// connections and never answers.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const PROTO_ROOT = fileURLToPath(new URL('./proto/', import.meta.url));
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => (target.startsWith(PROTO_ROOT) ? target : PROTO_ROOT + target);
root.loadSync(['opentelemetry/proto/collector/trace/v1/trace_service.proto', 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto'], { keepCase: false });
const TRACES = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const METRICS = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
const TRACES_RESPONSE = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
const METRICS_RESPONSE = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse');

/** A span as received, ids in hex, attributes as plain values. */
export interface ReceivedSpan {
  readonly name: string;
  /** OTLP's SpanKind: 2 SERVER, 3 CLIENT. */
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly attributes: Record<string, unknown>;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  readonly status: number;
  readonly resource: Record<string, unknown>;
}

/** A histogram data point as received. */
export interface ReceivedPoint {
  readonly metric: string;
  readonly unit: string;
  readonly attributes: Record<string, unknown>;
  readonly count: number;
  readonly bounds: number[];
}

export interface OtlpReceiver {
  readonly url: string;
  readonly spans: ReceivedSpan[];
  readonly points: ReceivedPoint[];
  /** Content types of the requests, per path. */
  readonly requests: Array<{ path: string; contentType: string }>;
  /** Bodies that did not decode: a test expects none. */
  readonly errors: string[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

const hex = (value: unknown): string => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : typeof value === 'string' ? value : '');

/** An OTLP AnyValue as a plain value (as protobufjs' toObject and OTLP/JSON both spell it). */
function anyValue(value: Json | undefined): unknown {
  if (value === undefined) return undefined;
  if ('stringValue' in value) return value['stringValue'];
  if ('intValue' in value) return Number(value['intValue']);
  if ('doubleValue' in value) return value['doubleValue'];
  if ('boolValue' in value) return value['boolValue'];
  if ('arrayValue' in value) return ((value['arrayValue'] as Json)['values'] as Json[] | undefined ?? []).map(anyValue);
  return undefined;
}

function attributesOf(list: unknown): Record<string, unknown> {
  return Object.fromEntries(((list as Json[] | undefined) ?? []).map((kv) => [kv['key'], anyValue(kv['value'] as Json | undefined)]));
}

function collectSpans(request: Json, into: ReceivedSpan[]): void {
  for (const resourceSpans of (request['resourceSpans'] as Json[] | undefined) ?? []) {
    const resource = attributesOf((resourceSpans['resource'] as Json | undefined)?.['attributes']);
    for (const scope of (resourceSpans['scopeSpans'] as Json[] | undefined) ?? []) {
      for (const span of (scope['spans'] as Json[] | undefined) ?? []) {
        into.push({
          name: String(span['name']),
          kind: Number(span['kind'] ?? 0),
          traceId: hex(span['traceId']),
          spanId: hex(span['spanId']),
          parentSpanId: hex(span['parentSpanId']),
          attributes: attributesOf(span['attributes']),
          status: Number((span['status'] as Json | undefined)?.['code'] ?? 0),
          resource,
        });
      }
    }
  }
}

function collectPoints(request: Json, into: ReceivedPoint[]): void {
  for (const resourceMetrics of (request['resourceMetrics'] as Json[] | undefined) ?? []) {
    for (const scope of (resourceMetrics['scopeMetrics'] as Json[] | undefined) ?? []) {
      for (const metric of (scope['metrics'] as Json[] | undefined) ?? []) {
        const histogram = metric['histogram'] as Json | undefined;
        for (const point of (histogram?.['dataPoints'] as Json[] | undefined) ?? []) {
          into.push({
            metric: String(metric['name']),
            unit: String(metric['unit'] ?? ''),
            attributes: attributesOf(point['attributes']),
            count: Number(point['count']),
            bounds: ((point['explicitBounds'] as number[] | undefined) ?? []).map(Number),
          });
        }
      }
    }
  }
}

/** Decodes one export request with the official definitions: protobuf bytes, or OTLP/JSON checked against the same message type. */
function decode(type: protobuf.Type, contentType: string, body: Buffer): Json {
  if (contentType.startsWith('application/x-protobuf')) {
    return type.toObject(type.decode(body), { longs: String, enums: Number, defaults: false, arrays: true }) as Json;
  }
  if (!contentType.startsWith('application/json')) throw new Error(`unexpected content-type ${contentType}`);
  // OTLP/JSON is the protobuf JSON mapping but for its ids, in hex rather than base64.
  const message = type.fromObject(idsInBase64(JSON.parse(body.toString('utf8'))) as Json);
  const problem = type.verify(message);
  if (problem !== null) throw new Error(`OTLP/JSON does not fit ${type.name}: ${problem}`);
  return type.toObject(message, { longs: String, enums: Number, defaults: false, arrays: true }) as Json;
}

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

function idsInBase64(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(idsInBase64);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [key, ID_FIELDS.has(key) && typeof field === 'string' ? Buffer.from(field, 'hex').toString('base64') : idsInBase64(field)]),
  );
}

/** Starts the receiver on 127.0.0.1 with an OS-picked port. */
export async function startOtlpReceiver(options: { hang?: boolean } = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const points: ReceivedPoint[] = [];
  const requests: OtlpReceiver['requests'] = [];
  const errors: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (options.hang === true) return; // never answers
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const contentType = String(req.headers['content-type'] ?? '');
      const path = req.url ?? '';
      requests.push({ path, contentType });
      const traces = path === '/v1/traces';
      const type = traces ? TRACES : path === '/v1/metrics' ? METRICS : null;
      if (type === null) return void res.writeHead(404).end();
      try {
        const decoded = decode(type, contentType, Buffer.concat(chunks));
        if (traces) collectSpans(decoded, spans);
        else collectPoints(decoded, points);
      } catch (error) {
        errors.push(String(error));
        return void res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      }
      const answer = traces ? TRACES_RESPONSE : METRICS_RESPONSE;
      if (contentType.startsWith('application/json')) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.from(answer.encode(answer.create({})).finish()));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    points,
    requests,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
