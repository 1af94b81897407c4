import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_PAYMENT_API_KEY } from '@mesh/sandboxes';
import { loadConfig, SANDBOX_DEMO_API_KEY } from './config.js';

function secretFile(name: string, content: string): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'payment-config-'));
  const path = join(dir, name);
  writeFileSync(path, content);
  return { dir, path };
}

describe('payment agent config', () => {
  const noSecrets = { secretsDir: '/nonexistent-secrets' };

  it('reads the API key from PAYMENT_API_KEY_FILE', () => {
    const { path } = secretFile('key', 'sk_live_from_file\n');
    const config = loadConfig({ PAYMENT_API_KEY_FILE: path }, noSecrets);
    expect(config.apiKey).toBe('sk_live_from_file');
    expect(config.apiKeySource).toBe('file');
  });

  it('reads the Docker secret payment_api_key when nothing else is configured', () => {
    const { dir } = secretFile('payment_api_key', 'sk_from_docker_secret');
    const config = loadConfig({}, { secretsDir: dir });
    expect(config.apiKey).toBe('sk_from_docker_secret');
  });

  it('prefers PAYMENT_API_KEY over any file', () => {
    const { dir, path } = secretFile('payment_api_key', 'sk_file');
    const config = loadConfig({ PAYMENT_API_KEY: 'sk_env', PAYMENT_API_KEY_FILE: path }, { secretsDir: dir });
    expect(config.apiKey).toBe('sk_env');
    expect(config.apiKeySource).toBe('env');
  });

  it('falls back to the sandbox demo key with the documented defaults', () => {
    const config = loadConfig({}, noSecrets);
    expect(config.apiKeySource).toBe('demo');
    expect(config.apiKey).toBe(DEMO_PAYMENT_API_KEY);
    expect(SANDBOX_DEMO_API_KEY).toBe(DEMO_PAYMENT_API_KEY);
    expect(config.PAYMENT_GATEWAY_URL).toBe('http://127.0.0.1:8090');
    expect(config.PAYMENT_TIMEOUT).toBe(10_000);
  });

  it('accepts durations for PAYMENT_TIMEOUT and lists every invalid variable', () => {
    expect(loadConfig({ PAYMENT_TIMEOUT: '750ms' }, noSecrets).PAYMENT_TIMEOUT).toBe(750);
    expect(() => loadConfig({ PAYMENT_TIMEOUT: 'soon', PAYMENT_GATEWAY_URL: 'nope' }, noSecrets)).toThrow(
      /PAYMENT_TIMEOUT[\s\S]*PAYMENT_GATEWAY_URL|PAYMENT_GATEWAY_URL[\s\S]*PAYMENT_TIMEOUT/,
    );
  });

  it('names an unreadable key file', () => {
    expect(() => loadConfig({ PAYMENT_API_KEY_FILE: '/nonexistent/key' }, noSecrets)).toThrow(
      /PAYMENT_API_KEY_FILE/,
    );
  });

  it('treats an empty PAYMENT_API_KEY as unset and reads the file instead', () => {
    const { path } = secretFile('key', 'sk_file_key');
    expect(loadConfig({ PAYMENT_API_KEY: '', PAYMENT_API_KEY_FILE: path }, noSecrets).apiKey).toBe(
      'sk_file_key',
    );
  });
});
