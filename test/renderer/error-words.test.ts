import { describe, expect, it } from 'vitest';
import type { NoticeCode } from '../../host/contract.ts';
import { LANGUAGES, messagesFor } from '../../renderer/src/i18n/messages.ts';
import { errorKind, type ErrorKind } from '../../renderer/src/logic/error-kind.ts';

const KINDS: ErrorKind[] = ['network', 'server', 'setup', 'response', 'other'];
const NOTICES: NoticeCode[] = ['revocation_failed', 'revocation_unsupported', 'tokens_memory_only', 'tokens_unencrypted'];

describe('the TV words an error code, never shows it', () => {
  it('sorts the device’s codes into what a person can act on', () => {
    expect(errorKind('network')).toBe('network');
    expect(errorKind('timeout')).toBe('network');
    expect(errorKind('server_error')).toBe('server');
    expect(errorKind('temporarily_unavailable')).toBe('server');
    expect(errorKind('configuration')).toBe('setup');
    expect(errorKind('invalid_client')).toBe('setup');
    expect(errorKind('unauthorized_client')).toBe('setup');
    expect(errorKind('invalid_response')).toBe('response');
  });

  it('gives an unknown code, a missing one or an inherited property name the general sentence', () => {
    expect(errorKind('something_new')).toBe('other');
    expect(errorKind(undefined)).toBe('other');
    expect(errorKind('toString')).toBe('other');
  });

  it.each(LANGUAGES)('says what happened and what to do next in %s, with no code or address in it', (language) => {
    const t = messagesFor(language);
    for (const kind of KINDS) {
      const { what, next } = t.error[kind];
      expect(what).not.toBe(next);
      expect(`${what} ${next}`).not.toMatch(/[a-z]+_[a-z]+|https?:|ECONN|Error code/);
      if (language === 'zh-TW') expect(`${what}${next}`).toMatch(/^[^A-Za-z]*$/);
    }
  });

  it.each(LANGUAGES)('words every notice code in %s', (language) => {
    const t = messagesFor(language);
    for (const notice of NOTICES) {
      expect(t.notice[notice].length).toBeGreaterThan(20);
      if (language === 'zh-TW') expect(t.notice[notice]).toMatch(/^[^A-Za-z]*$/);
    }
  });

  it('says a renewed code is new, and why, in both languages', () => {
    expect(messagesFor('en').code.renewed).toBe('New code: the old one expired');
    expect(messagesFor('zh-TW').code.renewed).toMatch(/新代碼.*過期/);
  });
});
