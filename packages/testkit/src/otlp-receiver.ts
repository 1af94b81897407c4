import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeOtlpProtobuf } from './otlp-protobuf.js';

/** One span as a collector received it, from OTLP JSON or protobuf alike. */
export interface CollectedSpan {
  /** The exporting process's `service.name`. */
  service: string;
  /** The instrumentation scope (`@mesh/runtime`, `@opentelemetry/instrumentation-pg`…). */
  scope: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  kind: 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  status: 'unset' | 'ok' | 'error';
  statusMessage: string;
}

/** What the decoders produce: the OTLP shapes the receiver reads, with ids in hex. */
export interface OtlpSpanData {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  statusCode: number;
  statusMessage: string;
}

export interface OtlpResourceSpans {
  resource: Record<string, unknown>;
  scopes: { scope: string; spans: OtlpSpanData[] }[];
}

const KINDS: CollectedSpan['kind'][] = [
  'unspecified',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
];
const STATUSES: CollectedSpan['status'][] = ['unset', 'ok', 'error'];

/** An in-process OTLP/HTTP trace receiver for tests: point OTEL_EXPORTER_OTLP_ENDPOINT at `url`. */
export interface OtlpReceiver {
  readonly url: string;
  /** Every span received so far. */
  spans(): CollectedSpan[];
  /** Content types of the export requests received (application/x-protobuf, application/json). */
  readonly contentTypes: ReadonlySet<string>;
  close(): Promise<void>;
}

type JsonValue = Record<string, unknown>;

function jsonAnyValue(value: JsonValue | undefined): unknown {
  if (value === undefined) return undefined;
  if ('stringValue' in value) return value['stringValue'];
  if ('boolValue' in value) return value['boolValue'];
  if ('intValue' in value) return Number(value['intValue']);
  if ('doubleValue' in value) return value['doubleValue'];
  if ('arrayValue' in value) {
    const values = ((value['arrayValue'] as JsonValue)['values'] ?? []) as JsonValue[];
    return values.map(jsonAnyValue);
  }
  return undefined;
}

function jsonAttributes(list: unknown): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const entry of (list ?? []) as { key: string; value?: JsonValue }[])
    attributes[entry.key] = jsonAnyValue(entry.value);
  return attributes;
}

/** OTLP JSON (the OpenTelemetry JS exporter writes ids as hex). */
function decodeOtlpJson(text: string): OtlpResourceSpans[] {
  const body = JSON.parse(text) as { resourceSpans?: JsonValue[] };
  return (body.resourceSpans ?? []).map((resourceSpans) => ({
    resource: jsonAttributes((resourceSpans['resource'] as JsonValue | undefined)?.['attributes']),
    scopes: ((resourceSpans['scopeSpans'] ?? []) as JsonValue[]).map((scopeSpans) => ({
      scope: String((scopeSpans['scope'] as JsonValue | undefined)?.['name'] ?? ''),
      spans: ((scopeSpans['spans'] ?? []) as JsonValue[]).map((span) => {
        const status = (span['status'] ?? {}) as JsonValue;
        return {
          traceId: String(span['traceId'] ?? ''),
          spanId: String(span['spanId'] ?? ''),
          parentSpanId: String(span['parentSpanId'] ?? ''),
          name: String(span['name'] ?? ''),
          kind: Number(span['kind'] ?? 0),
          attributes: jsonAttributes(span['attributes']),
          links: ((span['links'] ?? []) as JsonValue[]).map((link) => ({
            traceId: String(link['traceId'] ?? ''),
            spanId: String(link['spanId'] ?? ''),
          })),
          statusCode: Number(status['code'] ?? 0),
          statusMessage: String(status['message'] ?? ''),
        };
      }),
    })),
  }));
}

/** Starts the receiver on a free loopback port; it answers every export with 200. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const collected: CollectedSpan[] = [];
  const contentTypes = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      try {
        if (req.url !== '/v1/traces') throw new Error(`unexpected path ${req.url}`);
        contentTypes.add(type);
        const decoded =
          type === 'application/json' ? decodeOtlpJson(body.toString('utf8')) : decodeOtlpProtobuf(body);
        for (const resourceSpans of decoded) {
          const service = String(resourceSpans.resource['service.name'] ?? '');
          for (const { scope, spans } of resourceSpans.scopes) {
            for (const span of spans) {
              collected.push({
                service,
                scope,
                traceId: span.traceId,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId,
                name: span.name,
                kind: KINDS[span.kind] ?? 'unspecified',
                attributes: span.attributes,
                links: span.links,
                status: STATUSES[span.statusCode] ?? 'unset',
                statusMessage: span.statusMessage,
              });
            }
          }
        }
        res.writeHead(200, { 'content-type': type === 'application/json' ? 'application/json' : type });
        res.end(type === 'application/json' ? '{}' : '');
      } catch (error: unknown) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...collected],
    contentTypes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
