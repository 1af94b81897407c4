import { describe, expect, it } from 'vitest';
import { redactUrlPasswords } from './redact.js';

describe('redactUrlPasswords', () => {
  it('hides the password of every URL in a line and keeps the rest', () => {
    expect(
      redactUrlPasswords(
        'ready {"url":"postgres://postgres:postgres@127.0.0.1:5433","b":"amqp://u:p%40ss@mq/"}',
      ),
    ).toBe('ready {"url":"postgres://postgres:***@127.0.0.1:5433","b":"amqp://u:***@mq/"}');
    expect(redactUrlPasswords('redis://:s3cret@cache:6379/0')).toBe('redis://:***@cache:6379/0');
  });

  it('leaves URLs without a password alone', () => {
    for (const text of ['postgres://127.0.0.1:5433', 'http://user@host/x', 'http://host:8080/a@b']) {
      expect(redactUrlPasswords(text)).toBe(text);
    }
  });
});
