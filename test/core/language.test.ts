// core/language.ts: the one rule for which language the phone pages, the account website and the
// loopback landing page speak.
import { describe, expect, it } from 'vitest';

import { matchLanguage, preferredLanguage } from '../../core/language.ts';

describe('matchLanguage', () => {
  it.each([
    ['en', 'en'],
    ['en-GB', 'en'],
    ['zh-TW', 'zh-TW'],
    ['zh-hk', 'zh-TW'],
    ['zh-MO', 'zh-TW'],
    ['zh-Hant', 'zh-TW'],
    ['zh-Hant-CN', 'zh-TW'],
  ])('takes %s as %s', (tag, language) => {
    expect(matchLanguage(tag)).toBe(language);
  });

  it.each(['zh', 'zh-CN', 'zh-SG', 'zh-Hans-TW', 'fr', '', undefined])('has nothing for %s', (tag) => {
    expect(matchLanguage(tag)).toBeUndefined();
  });
});

describe('preferredLanguage', () => {
  it('takes the first language we have, by q and then by order', () => {
    expect(preferredLanguage('fr, zh-TW;q=0.8, en;q=0.9')).toBe('en');
    expect(preferredLanguage('zh-TW, en')).toBe('zh-TW');
    expect(preferredLanguage('en;q=0.5, zh-HK;q=0.5')).toBe('en');
  });

  it('lets Simplified Chinese fall through to the next language listed', () => {
    expect(preferredLanguage('zh-CN, zh;q=0.9, zh-TW;q=0.8, en;q=0.7')).toBe('zh-TW');
    expect(preferredLanguage('zh-CN, zh;q=0.9')).toBeUndefined();
  });

  it('skips q=0 and has nothing for an empty or missing header', () => {
    expect(preferredLanguage('zh-TW;q=0, en')).toBe('en');
    expect(preferredLanguage('')).toBeUndefined();
    expect(preferredLanguage(undefined)).toBeUndefined();
  });
});
