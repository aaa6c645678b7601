import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../core/errors.ts';
import type { NoticeCode } from '../../host/contract.ts';
import { LANGUAGES, messagesFor } from '../../renderer/src/i18n/messages.ts';
import { errorKind, WORDED_CODES, type ErrorKind } from '../../renderer/src/logic/error-kind.ts';

const KINDS: ErrorKind[] = ['network', 'server', 'setup', 'refused', 'code', 'session', 'storage', 'response', 'other'];
const NOTICES: NoticeCode[] = [
  'session_ended',
  'signed_out_from_account',
  'profile_unavailable',
  'revocation_failed',
  'revocation_unsupported',
  'tokens_memory_only',
  'tokens_unencrypted',
];
const CORE_CODES = Object.keys(ERROR_CODES);
// The documented group that gets the general words: a bug, and a cancel that never reaches the screen.
const GENERAL = ['aborted', 'internal'];

describe('the TV words an error code, never shows it', () => {
  it('words exactly the codes core can raise, no fewer and none it cannot', () => {
    expect([...WORDED_CODES].sort()).toEqual([...CORE_CODES].sort());
  });

  it('gives the general words only to a bug and a cancel', () => {
    expect(CORE_CODES.filter((code) => errorKind(code) === 'other').sort()).toEqual(GENERAL);
  });

  it('sorts the device’s codes into what a person can act on', () => {
    expect(errorKind('network')).toBe('network');
    expect(errorKind('timeout')).toBe('network');
    expect(errorKind('server_error')).toBe('server');
    expect(errorKind('temporarily_unavailable')).toBe('server');
    expect(errorKind('slow_down')).toBe('server');
    expect(errorKind('configuration')).toBe('setup');
    expect(errorKind('invalid_client')).toBe('setup');
    expect(errorKind('unauthorized_client')).toBe('setup');
    expect(errorKind('device_flow_disabled')).toBe('setup');
    expect(errorKind('access_denied')).toBe('refused');
    expect(errorKind('expired_token')).toBe('code');
    expect(errorKind('invalid_grant')).toBe('code');
    expect(errorKind('not_signed_in')).toBe('session');
    expect(errorKind('store')).toBe('storage');
    expect(errorKind('invalid_response')).toBe('response');
  });

  it('gives an unknown code, a missing one or an inherited property name the general sentence', () => {
    expect(errorKind('something_new')).toBe('other');
    expect(errorKind(undefined)).toBe('other');
    expect(errorKind('toString')).toBe('other');
  });

  it('uses every kind for some code of core', () => {
    expect(new Set(CORE_CODES.map(errorKind))).toEqual(new Set(KINDS));
  });

  it.each(LANGUAGES)('says what happened and what to do next for every code of core in %s, with no code or address in it', (language) => {
    const t = messagesFor(language);
    for (const code of CORE_CODES) {
      const { what, next } = t.error[errorKind(code)];
      expect(what.length, code).toBeGreaterThan(8);
      expect(next.length, code).toBeGreaterThan(8);
      expect(what, code).not.toBe(next);
      expect(`${what} ${next}`, code).not.toMatch(/[a-z]+_[a-z]+|https?:|ECONN|Error code/);
      if (language === 'zh-TW') expect(`${what}${next}`, code).toMatch(/^[^A-Za-z]*$/);
    }
  });

  it('words each kind differently, so that a person can tell them apart', () => {
    for (const language of LANGUAGES) {
      const t = messagesFor(language);
      expect(new Set(KINDS.map((kind) => t.error[kind].what)).size, language).toBe(KINDS.length);
    }
  });

  it.each(LANGUAGES)('words every notice code in %s', (language) => {
    const t = messagesFor(language);
    for (const notice of NOTICES) {
      // A sentence, not a label: Chinese says in ten characters what English says in twenty.
      expect(t.notice[notice].length, notice).toBeGreaterThan(language === 'zh-TW' ? 10 : 20);
      if (language === 'zh-TW') expect(t.notice[notice]).toMatch(/^[^A-Za-z]*$/);
    }
  });

  it('says that the TV was signed out from the account page, not only that the sign-in ended, in both languages', () => {
    const en = messagesFor('en').notice;
    expect(en.signed_out_from_account).toBe('This TV was signed out from your account page. Sign in again to keep watching.');
    const zh = messagesFor('zh-TW').notice;
    expect(zh.signed_out_from_account).toMatch(/帳號頁面.*登出/);
    expect(zh.signed_out_from_account).toMatch(/重新登入/);
    for (const t of [en, zh]) expect(t.signed_out_from_account).not.toBe(t.session_ended);
  });

  it('says a renewed code is new, and why, in both languages', () => {
    expect(messagesFor('en').code.renewed).toBe('New code: the old one expired');
    expect(messagesFor('zh-TW').code.renewed).toMatch(/新代碼.*過期/);
  });
});
