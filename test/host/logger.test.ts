import { describe, expect, it } from 'vitest';
import { createStreamLogger, isSecretKey } from '../../host/logger.ts';

function capture(format: 'json' | 'human' = 'json', level: 'debug' | 'info' | 'warn' = 'debug') {
  const lines: string[] = [];
  const logger = createStreamLogger({ stream: { write: (c: string) => lines.push(c) }, format, level });
  return { logger, lines };
}

describe('redacting logger', () => {
  it('replaces fields whose names look like secrets, at any depth and in any spelling', () => {
    const { logger, lines } = capture();
    logger.info('token response', {
      access_token: 'AT-123456',
      refreshToken: 'RT-123456',
      nested: { id_token: 'ID-123456', 'Client-Secret': 'S-123456', list: [{ device_code: 'DC-123456' }] },
      authorization: 'Bearer abcdefgh',
      password: 'hunter22',
      userCode: 'WDJB-MJHT',
      tokenType: 'Bearer',
    });
    const out = lines.join('');
    for (const secret of ['AT-123456', 'RT-123456', 'ID-123456', 'S-123456', 'DC-123456', 'abcdefgh', 'hunter22']) {
      expect(out).not.toContain(secret);
    }
    const parsed = JSON.parse(lines[0]!);
    expect(parsed.access_token).toBe('[redacted]');
    expect(parsed.nested.list[0].device_code).toBe('[redacted]');
    expect(parsed.userCode).toBe('WDJB-MJHT');
    expect(parsed.tokenType).toBe('Bearer');
  });

  it('masks registered secret values wherever they appear in messages and fields', () => {
    const { logger, lines } = capture('human');
    logger.redact('s3cr3t-device-code-value');
    logger.warn('polling s3cr3t-device-code-value failed', { url: 'http://x/?c=s3cr3t-device-code-value', note: ['s3cr3t-device-code-value'] });
    expect(lines.join('')).not.toContain('s3cr3t-device-code-value');
    expect(lines[0]).toContain('[redacted]');
  });

  it('masks JWTs and bearer credentials by shape even when nobody registered them', () => {
    const { logger, lines } = capture();
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXZhbHVl';
    logger.error(`got ${jwt}`, { header: 'Bearer 0123456789abcdef' });
    expect(lines.join('')).not.toContain(jwt);
    expect(lines.join('')).not.toContain('0123456789abcdef');
  });

  it('keeps error codes in a field called code but redacts issued codes', () => {
    const { logger, lines } = capture();
    logger.warn('one', { code: 'access_denied' });
    logger.warn('two', { code: 'Xq3-abcDEF_9876543210' });
    expect(JSON.parse(lines[0]!).code).toBe('access_denied');
    expect(JSON.parse(lines[1]!).code).toBe('[redacted]');
  });

  it('drops lines below the configured level', () => {
    const { logger, lines } = capture('human', 'warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines).toEqual(['[warn] w\n', '[error] e\n']);
  });

  it('recognises secret-looking keys', () => {
    expect(['access_token', 'clientSecret', 'DEVICE_CODE', 'x-api-token', 'code'].every(isSecretKey)).toBe(true);
    expect(['userCode', 'tokenType', 'tokenExpiresAt', 'interval'].some(isSecretKey)).toBe(false);
  });
});
