import { describe, expect, it } from 'vitest';
import { catalogues, LANGUAGES, messagesFor } from '../../renderer/src/i18n/messages.ts';

type Tree = { [key: string]: unknown };

/** Every leaf of a catalogue as a dotted path with its kind and, for functions, the arity. */
function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, 'string');
    else if (typeof value === 'function') out.set(path, `function/${value.length}`);
    else for (const [inner, kind] of leaves(value as Tree, path)) out.set(inner, kind);
  }
  return out;
}

describe('message catalogues', () => {
  const english = leaves(catalogues.en as unknown as Tree);

  it('offers English and Traditional Chinese', () => {
    expect(LANGUAGES).toEqual(['en', 'zh-TW']);
  });

  it('gives zh-TW every key of English, of the same kind and arity, and nothing more', () => {
    const chinese = leaves(catalogues['zh-TW'] as unknown as Tree);
    expect([...chinese.entries()].sort()).toEqual([...english.entries()].sort());
    expect(english.size).toBeGreaterThan(50);
  });

  it.each(LANGUAGES)('has no empty message in %s, and every function uses its arguments', (language) => {
    const catalogue = catalogues[language] as unknown as Tree;
    const walk = (tree: Tree, path: string) => {
      for (const [key, value] of Object.entries(tree)) {
        if (typeof value === 'string') expect(value.trim(), `${path}${key}`).not.toBe('');
        else if (typeof value === 'function') {
          const args = Array.from({ length: value.length }, (_, i) => `«ARG${i}»`);
          const text = (value as (...a: string[]) => string)(...args);
          for (const arg of args) expect(text, `${path}${key}`).toContain(arg);
        } else walk(value as Tree, `${path}${key}.`);
      }
    };
    walk(catalogue, '');
  });

  it('writes zh-TW in Chinese, not left in English', () => {
    const zh = messagesFor('zh-TW');
    for (const text of [zh.welcome.signIn, zh.code.waiting, zh.code.hint, zh.expired.pressOk, zh.settings.signOut]) {
      expect(text).toMatch(/\p{Script=Han}/u);
    }
  });

  it('keeps the design names of the English screens', () => {
    const en = messagesFor('en');
    expect(en.code.waiting).toBe('Waiting for you on your phone');
    expect(en.code.reconnecting).toBe('Reconnecting…');
    expect(en.common.getNewCode).toBe('Get a new code');
    expect(en.code.hint).toBe('Only continue if your phone shows this same code');
    expect(en.expired.pressOk).toBe('Press OK for a new code');
    expect(en.signedIn.welcome('Ada')).toBe('Welcome, Ada');
    expect(en.code.qrLabel).toContain('QR');
    expect(messagesFor('zh-TW').code.qrLabel).toContain('QR');
  });
});
