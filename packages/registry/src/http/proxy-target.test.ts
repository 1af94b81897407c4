import { describe, expect, it } from 'vitest';
import { isMeshError } from '@mesh/common';
import { proxyTargetUrl } from './proxy-target.js';

const AGENT = 'http://127.0.0.1:9000';

function refusal(path: string): { code: string; message: string } | undefined {
  try {
    proxyTargetUrl(AGENT, path);
    return undefined;
  } catch (error: unknown) {
    if (isMeshError(error)) return { code: error.code, message: error.message };
    throw error;
  }
}

describe('proxyTargetUrl', () => {
  it.each([
    ['/mcp', '/mcp'],
    ['/mcp/', '/mcp/'],
    ['/mcp/session/1', '/mcp/session/1'],
    ['/mcp/x/..', '/mcp/'],
    ['/mcp/./tools', '/mcp/tools'],
  ])('allows %s and forwards it as %s when it stays under /mcp', (path, forwarded) => {
    const url = proxyTargetUrl(AGENT, path);
    expect(url.origin).toBe(AGENT);
    expect(url.pathname).toBe(forwarded);
  });

  it.each([
    ['a ../ segment', '/mcp/../admin'],
    ['a ../ segment at the end', '/mcp/..'],
    ['a lower-case %2e%2e segment', '/mcp/%2e%2e/admin'],
    ['a mixed .%2e segment', '/mcp/.%2e/admin'],
    ['an upper-case %2E%2E%2F', '/mcp/%2E%2E%2Fadmin'],
    ['an encoded slash before ..', '/mcp/a%2F..%2F..%2Fadmin'],
    ['a double-encoded %252e%252e', '/mcp/%252e%252e/admin'],
    ['a double-encoded %252E%252E%252F', '/mcp/%252E%252E%252Fadmin'],
    ['a triple-encoded %25252e%25252e', '/mcp/%25252e%25252e/admin'],
    ['an encoded backslash', '/mcp/..%5Cadmin'],
    ['a backslash segment', '/mcp\\..\\admin'],
    ['a path that is not /mcp', '/admin'],
    ['a prefix look-alike', '/mcpx'],
    ['an encoded slash after mcp', '/mcp%2F..%2Fadmin'],
  ])('refuses %s with FORBIDDEN naming the path', (_label, path) => {
    const refused = refusal(path);
    expect(refused?.code).toBe('FORBIDDEN');
    expect(refused?.message).toContain(`"${path}"`);
  });

  it.each([
    ['a protocol-relative path', '//169.254.169.254/mcp'],
    ['a backslash host', '/\\169.254.169.254/mcp'],
  ])('refuses %s that would leave the agent origin', (_label, path) => {
    expect(refusal(path)).toMatchObject({ code: 'FORBIDDEN' });
    expect(refusal(path)?.message).toContain('leaves the agent');
  });

  it('refuses a malformed percent-encoding with BAD_REQUEST', () => {
    expect(refusal('/mcp/%E0%A4%A')).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('refuses a path encoded more times than it checks', () => {
    expect(refusal('/mcp/%2525252e')).toMatchObject({ code: 'FORBIDDEN' });
  });
});
