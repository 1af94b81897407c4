import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  envBool,
  envDurationMs,
  envInt,
  envLogLevel,
  envOptionalDurationMs,
  envOptionalInt,
  parseDurationMs,
  parseEnvConfig,
} from './env.js';
import { MeshError } from './mesh-error.js';

describe('parseDurationMs', () => {
  it('reads bare numbers in the given unit and suffixed values in theirs', () => {
    expect(parseDurationMs('5')).toBe(5000);
    expect(parseDurationMs('5', 'ms')).toBe(5);
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('2m')).toBe(120_000);
  });

  it('returns undefined for text that is not a duration', () => {
    expect(parseDurationMs('soon')).toBeUndefined();
    expect(parseDurationMs('-5s')).toBeUndefined();
  });
});

describe('parseEnvConfig', () => {
  const schema = z.object({
    PORT: envInt(8080, 0, 65535),
    DEBUG: envBool(false),
    TIMEOUT: envDurationMs('30'),
  });

  it('treats an empty value as unset, so it gets the default', () => {
    const config = parseEnvConfig(schema, { PORT: '', DEBUG: '', TIMEOUT: '5s' }, 'test');
    expect(config).toEqual({ PORT: 8080, DEBUG: false, TIMEOUT: 5_000 });
  });

  it('applies defaults and reads "false" as false', () => {
    const config = parseEnvConfig(schema, { DEBUG: 'false' }, 'test');
    expect(config).toEqual({ PORT: 8080, DEBUG: false, TIMEOUT: 30_000 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every invalid variable in one CONFIG_INVALID error', () => {
    let caught: unknown;
    try {
      parseEnvConfig(schema, { PORT: '70000', DEBUG: 'maybe', TIMEOUT: 'later' }, 'test');
    } catch (error: unknown) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MeshError);
    const error = caught as MeshError;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('PORT');
    expect(error.message).toContain('DEBUG');
    expect(error.message).toContain('TIMEOUT');
  });
});

describe('envOptionalInt', () => {
  const schema = z.object({ PROBE_PORT: envOptionalInt(0, 65535) });

  it('is undefined when unset or empty, so a feature it switches on stays off', () => {
    expect(parseEnvConfig(schema, {}, 'test').PROBE_PORT).toBeUndefined();
    expect(parseEnvConfig(schema, { PROBE_PORT: '' }, 'test').PROBE_PORT).toBeUndefined();
  });

  it('reads an integer within bounds and names the variable when it is not one', () => {
    expect(parseEnvConfig(schema, { PROBE_PORT: ' 8079 ' }, 'test').PROBE_PORT).toBe(8079);
    for (const bad of ['eighty', '70000', '-1', '80.5'])
      expect(() => parseEnvConfig(schema, { PROBE_PORT: bad }, 'test'), bad).toThrow(
        /PROBE_PORT: expected an integer from 0 to 65535/,
      );
  });
});

describe('envOptionalDurationMs', () => {
  const schema = z.object({ CACHE_TTL: envOptionalDurationMs() });

  it('is undefined when unset or empty, so the caller can pick a default that depends on other settings', () => {
    expect(parseEnvConfig(schema, {}, 'test').CACHE_TTL).toBeUndefined();
    expect(parseEnvConfig(schema, { CACHE_TTL: '' }, 'test').CACHE_TTL).toBeUndefined();
  });

  it('reads a duration (a bare number in seconds) and names the variable when it is not one', () => {
    expect(parseEnvConfig(schema, { CACHE_TTL: '0' }, 'test').CACHE_TTL).toBe(0);
    expect(parseEnvConfig(schema, { CACHE_TTL: '5' }, 'test').CACHE_TTL).toBe(5000);
    expect(parseEnvConfig(schema, { CACHE_TTL: '500ms' }, 'test').CACHE_TTL).toBe(500);
    expect(() => parseEnvConfig(schema, { CACHE_TTL: 'soon' }, 'test')).toThrow(
      /CACHE_TTL: expected a duration such as 5s, 500ms or 5; got "soon"/,
    );
  });
});

describe('envLogLevel', () => {
  const schema = z.object({ LOG_LEVEL: envLogLevel('INFO') });

  it("takes MCP Mesh's level names and pino's, and defaults when unset", () => {
    expect(parseEnvConfig(schema, { LOG_LEVEL: 'WARNING' }, 'test').LOG_LEVEL).toBe('warn');
    expect(parseEnvConfig(schema, { LOG_LEVEL: 'debug' }, 'test').LOG_LEVEL).toBe('debug');
    expect(parseEnvConfig(schema, {}, 'test').LOG_LEVEL).toBe('info');
  });

  it('names the variable and the levels it accepts', () => {
    expect(() => parseEnvConfig(schema, { LOG_LEVEL: 'loud' }, 'test')).toThrow(
      /LOG_LEVEL.*expected DEBUG, INFO, WARNING, ERROR or CRITICAL; got "loud"/,
    );
  });
});
