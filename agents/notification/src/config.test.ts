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

  it('reads the mark linger in ms, 20 ms by default, at most a second', () => {
    expect(loadConfig({}).NOTIFICATION_MARK_LINGER).toBe(20);
    expect(loadConfig({ NOTIFICATION_MARK_LINGER: '5' }).NOTIFICATION_MARK_LINGER).toBe(5);
    expect(loadConfig({ NOTIFICATION_MARK_LINGER: '0' }).NOTIFICATION_MARK_LINGER).toBe(0);
    expect(() => loadConfig({ NOTIFICATION_MARK_LINGER: '2s' })).toThrow(
      /NOTIFICATION_MARK_LINGER.*at most 1s/,
    );
    expect(() => loadConfig({ NOTIFICATION_MARK_LINGER: 'soon' })).toThrow(/NOTIFICATION_MARK_LINGER/);
  });

  it('treats empty variables as unset, as compose passes them', () => {
    expect(loadConfig({ SMS_PROVIDER_URL: '', PUSH_PROVIDER_URL: '' }).SMS_PROVIDER_URL).toBeUndefined();
  });
});
