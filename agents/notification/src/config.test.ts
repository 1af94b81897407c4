import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('notification agent config', () => {
  it('defaults to the local SMTP sink with SMS and push disabled', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: 2525,
      SMTP_SECURE: false,
      NOTIFICATION_SEND_BUDGET: 2000,
    });
    expect(config.SMS_PROVIDER_URL).toBeUndefined();
    expect(config.PUSH_PROVIDER_URL).toBeUndefined();
  });

  it('reads SMTP_PASSWORD from SMTP_PASSWORD_FILE', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'smtp-')), 'password');
    writeFileSync(file, 's3cret\n');
    expect(loadConfig({ SMTP_USER: 'mailer', SMTP_PASSWORD_FILE: file }).SMTP_PASSWORD).toBe('s3cret');
  });

  it('reads "false" as false and lists every invalid variable', () => {
    expect(loadConfig({ SMTP_SECURE: 'false' }).SMTP_SECURE).toBe(false);
    expect(() => loadConfig({ SMTP_PORT: 'x', SMS_PROVIDER_URL: 'nope' })).toThrow(
      /SMTP_PORT[\s\S]*SMS_PROVIDER_URL/,
    );
  });

  it('treats empty variables as unset, as compose passes them', () => {
    expect(loadConfig({ SMS_PROVIDER_URL: '', PUSH_PROVIDER_URL: '' }).SMS_PROVIDER_URL).toBeUndefined();
  });
});
