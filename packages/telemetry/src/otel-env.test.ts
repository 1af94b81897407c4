import { describe, expect, it } from 'vitest';
import { parseEnvConfig } from '@mesh/common';
import type { MeshError } from '@mesh/common';
import { z } from 'zod';
import { otelEnvShape, toTelemetrySettings } from './otel-env.js';
import { serviceNameFor } from './telemetry-settings.js';

const schema = z.object(otelEnvShape);
const parse = (env: Record<string, string>) => toTelemetrySettings(parseEnvConfig(schema, env, 'test'));
const problems = (env: Record<string, string>): string[] => {
  try {
    parseEnvConfig(schema, env, 'test');
  } catch (error: unknown) {
    return ((error as MeshError).data?.['problems'] as string[]) ?? [];
  }
  return [];
};

describe('OTEL_* variables', () => {
  it('exports nothing without an endpoint, or when disabled', () => {
    expect(parse({})).toBeUndefined();
    expect(
      parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_SDK_DISABLED: 'true' }),
    ).toBeUndefined();
    expect(
      parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_TRACES_EXPORTER: 'none' }),
    ).toBeUndefined();
  });

  it('defaults to http/protobuf at <endpoint>/v1/traces with the parent-based always-on sampler', () => {
    expect(parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318/' })).toEqual({
      tracesUrl: 'http://jaeger:4318/v1/traces',
      protocol: 'http/protobuf',
      headers: {},
      timeoutMs: 10_000,
      sampler: { name: 'parentbased_always_on', ratio: 1 },
      resourceAttributes: {},
    });
  });

  it('reads the traces endpoint, protocol, headers, sampler and resource as the spec names them', () => {
    const settings = parse({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example:4318/custom/traces',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s%3Dcret, tenant=shop',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'tenant=orders',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=staging',
      OTEL_SERVICE_NAME_PREFIX: 'mesh',
    });
    expect(settings).toMatchObject({
      tracesUrl: 'https://collector.example:4318/custom/traces',
      protocol: 'http/json',
      headers: { 'api-key': 's=cret', tenant: 'orders' },
      sampler: { name: 'parentbased_traceidratio', ratio: 0.25 },
      resourceAttributes: { 'deployment.environment': 'staging' },
    });
    expect(serviceNameFor(settings!, 'order-agent')).toBe('mesh-order-agent');
  });

  it('names the service OTEL_SERVICE_NAME, else the agent, after the prefix when one is set', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' };
    expect(serviceNameFor(parse(endpoint)!, 'order-agent')).toBe('order-agent');
    expect(
      serviceNameFor(
        parse({ ...endpoint, OTEL_SERVICE_NAME: 'orders', OTEL_SERVICE_NAME_PREFIX: 'mesh' })!,
        'order-agent',
      ),
    ).toBe('orders');
  });

  it('refuses what it cannot honour, naming each variable', () => {
    expect(
      problems({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'thrift',
        OTEL_EXPORTER_OTLP_HEADERS: 'api-key',
        OTEL_TRACES_SAMPLER: 'jaeger_remote',
        OTEL_TRACES_SAMPLER_ARG: '1.5',
        OTEL_TRACES_EXPORTER: 'zipkin',
        OTEL_SERVICE_NAME_PREFIX: 'has space',
      }),
    ).toEqual([
      'OTEL_TRACES_EXPORTER: expected otlp or none (spans go over OTLP/HTTP only)',
      'OTEL_EXPORTER_OTLP_ENDPOINT: expected a http or https URL',
      'OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported: use http/protobuf (the collector listens for it on port 4318)',
      'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: expected http/protobuf or http/json; got "thrift"',
      'OTEL_EXPORTER_OTLP_HEADERS: header 1 ("api-key") is not key=value with a key of letters, digits or -._~',
      'OTEL_SERVICE_NAME_PREFIX: expected letters, digits, ".", "_" or "-" (at most 63)',
      'OTEL_TRACES_SAMPLER: expected one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio; got "jaeger_remote"',
      'OTEL_TRACES_SAMPLER_ARG: expected a ratio from 0 to 1; got "1.5"',
    ]);
  });
});
