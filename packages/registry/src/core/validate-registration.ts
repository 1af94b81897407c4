import { MeshError } from '@mesh/common';
import type { AgentRegistration, AgentType, DependencySpec, TagSpec, ToolRecord } from './types.js';

/** Ids appear in URLs and SQL parameters; the official registry uses the same pattern and limit. */
export const AGENT_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

const AGENT_TYPES: ReadonlySet<string> = new Set(['mcp_agent', 'api', 'a2a']);
const MAX_TOOLS = 500;
const MAX_DEPENDENCIES = 100;
const MAX_TAGS = 100;
const MAX_TEXT = 4096;
const DESCRIPTION_LIMIT = 256;

/** A client fault in a registration body; `field` is the JSON path of the offending value. */
export function invalidField(field: string, message: string): MeshError {
  return new MeshError('VALIDATION_FAILED', `${field}: ${message}`, { data: { field } });
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(
  obj: Json,
  key: string,
  path: string,
  fallback: string,
  minLength = 0,
  maxLength = MAX_TEXT,
): string {
  const value = obj[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string')
    throw invalidField(`${path}${key}`, `expected a string, got ${typeName(value)}`);
  if (value.length < minLength) throw invalidField(`${path}${key}`, 'must not be empty');
  if (value.length > maxLength) throw invalidField(`${path}${key}`, `longer than ${maxLength} characters`);
  return value;
}

function requiredText(obj: Json, key: string, path: string, maxLength = MAX_TEXT): string {
  if (obj[key] === undefined || obj[key] === null) throw invalidField(`${path}${key}`, 'is required');
  return text(obj, key, path, '', 1, maxLength);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function optionalObject(obj: Json, key: string, path: string): Json | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalidField(`${path}${key}`, `expected an object, got ${typeName(value)}`);
  return value;
}

function array(obj: Json, key: string, path: string, max: number): readonly unknown[] {
  const value = obj[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidField(`${path}${key}`, `expected an array, got ${typeName(value)}`);
  if (value.length > max) throw invalidField(`${path}${key}`, `more than ${max} items`);
  return value;
}

function stringList(items: readonly unknown[], path: string): string[] {
  return items.map((item, i) => {
    if (typeof item !== 'string')
      throw invalidField(`${path}[${i}]`, `expected a string, got ${typeName(item)}`);
    return item;
  });
}

function tagSpecs(items: readonly unknown[], path: string): TagSpec[] {
  return items.map((item, i) => {
    if (typeof item === 'string') return item;
    if (Array.isArray(item)) return stringList(item, `${path}[${i}]`);
    throw invalidField(`${path}[${i}]`, `expected a string or an array of strings, got ${typeName(item)}`);
  });
}

function flag(obj: Json, key: string, path: string): boolean {
  const value = obj[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean')
    throw invalidField(`${path}${key}`, `expected a boolean, got ${typeName(value)}`);
  return value;
}

function dependency(value: unknown, path: string): DependencySpec {
  if (typeof value === 'string' && value.length > 0) {
    return { capability: value, tags: [], version: '', namespace: 'default' };
  }
  if (!isObject(value)) throw invalidField(path, `expected an object, got ${typeName(value)}`);
  const prefix = `${path}.`;
  return {
    capability: requiredText(value, 'capability', prefix),
    tags: tagSpecs(array(value, 'tags', prefix, MAX_TAGS), `${prefix}tags`),
    version: text(value, 'version', prefix, ''),
    namespace: text(value, 'namespace', prefix, 'default'),
    ...(flag(value, 'required', prefix) ? { required: true as const } : {}),
  };
}

function tool(value: unknown, path: string): ToolRecord {
  if (!isObject(value)) throw invalidField(path, `expected an object, got ${typeName(value)}`);
  const prefix = `${path}.`;
  const description = value['description'];
  const kwargs = optionalObject(value, 'kwargs', prefix);
  const inputSchema = optionalObject(value, 'inputSchema', prefix);
  const outputSchema = optionalObject(value, 'outputSchema', prefix);
  const deps = array(value, 'dependencies', prefix, MAX_DEPENDENCIES);
  const record: ToolRecord = {
    function_name: requiredText(value, 'function_name', prefix, 256),
    capability: requiredText(value, 'capability', prefix, 256),
    version: text(value, 'version', prefix, '1.0.0', 0, 64),
    tags: stringList(array(value, 'tags', prefix, MAX_TAGS), `${prefix}tags`),
    dependencies: deps.map((dep, i) => dependency(dep, `${prefix}dependencies[${i}]`)),
    ...(typeof description === 'string' ? { description } : {}),
    ...(kwargs === undefined ? {} : { kwargs }),
    ...(inputSchema === undefined ? {} : { inputSchema }),
    ...(outputSchema === undefined ? {} : { outputSchema }),
  };
  if (description !== undefined && description !== null && typeof description !== 'string') {
    throw invalidField(`${prefix}description`, `expected a string, got ${typeName(description)}`);
  }
  return record;
}

export interface ParsedRegistration {
  readonly registration: AgentRegistration;
  readonly warnings: readonly string[];
}

/**
 * Validates a `POST /heartbeat` body (the spec's MeshAgentRegistration) by hand: faster than a schema
 * library on the hot path, and every failure names the exact field (`tools[2].dependencies[0].capability`).
 */
export function parseRegistration(body: unknown): ParsedRegistration {
  if (!isObject(body)) throw invalidField('(body)', `expected a JSON object, got ${typeName(body)}`);
  const agentId = body['agent_id'];
  if (agentId === undefined || agentId === null) throw invalidField('agent_id', 'is required');
  if (typeof agentId !== 'string')
    throw invalidField('agent_id', `expected a string, got ${typeName(agentId)}`);
  if (!AGENT_ID_PATTERN.test(agentId)) {
    throw invalidField('agent_id', 'must be 1-64 characters of letters, digits, "_" or "-"');
  }
  const agentType = text(body, 'agent_type', '', 'mcp_agent');
  if (!AGENT_TYPES.has(agentType)) throw invalidField('agent_type', 'must be mcp_agent, api or a2a');
  const port = body['http_port'];
  if (
    port !== undefined &&
    port !== null &&
    (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535)
  ) {
    throw invalidField('http_port', 'expected an integer from 0 to 65535');
  }
  if (body['tools'] === undefined || body['tools'] === null) throw invalidField('tools', 'is required');
  const tools = array(body, 'tools', '', MAX_TOOLS).map((item, i) => tool(item, `tools[${i}]`));
  const warnings: string[] = [];
  let description = text(body, 'description', '', '', 0, 1_000_000).trim();
  if (description.length > DESCRIPTION_LIMIT) {
    warnings.push(`description truncated from ${description.length} to ${DESCRIPTION_LIMIT} chars`);
    description = description.slice(0, DESCRIPTION_LIMIT);
  }
  const runtime = body['runtime'];
  const registration: AgentRegistration = {
    agent_id: agentId,
    agent_type: agentType as AgentType,
    name: text(body, 'name', '', agentId, 1, 64),
    version: text(body, 'version', '', '1.0.0', 0, 64),
    description,
    ...(typeof runtime === 'string' ? { runtime } : {}),
    namespace: text(body, 'namespace', '', 'default', 0, 256),
    http_host: text(body, 'http_host', '', '0.0.0.0', 0, 256),
    http_port: typeof port === 'number' ? port : 0,
    tools,
  };
  return { registration, warnings };
}
