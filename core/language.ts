// Which of our two languages a person reads, from a language tag or an Accept-Language header: the
// one rule the phone pages, the account website and the loopback landing page share. Only Traditional
// Chinese tags (zh-TW, zh-HK, zh-MO, zh-Hant-*) get Chinese. Simplified Chinese (zh-CN, zh-SG,
// zh-Hans-*, and a bare zh, which browsers in mainland China send) falls through to the next language
// the browser lists, else English: handing someone a script they did not ask for, without saying so,
// reads as a mistake.

/** The languages every page of the project is written in. */
export type PageLanguage = 'en' | 'zh-TW';

/** Maps a language tag to one we have, or undefined (Simplified Chinese and unknown tags). */
export function matchLanguage(tag: string | undefined): PageLanguage | undefined {
  if (!tag) return undefined;
  const t = tag.trim().toLowerCase();
  if (t === 'en' || t.startsWith('en-')) return 'en';
  const [primary, second] = t.split('-');
  if (primary !== 'zh' || !second) return undefined;
  if (second === 'hant') return 'zh-TW';
  return ['tw', 'hk', 'mo'].includes(second) ? 'zh-TW' : undefined;
}

/** The first language of an Accept-Language header (RFC 9110 §12.5.4, by q, then order) that we have. */
export function preferredLanguage(acceptLanguage: string | undefined): PageLanguage | undefined {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag ?? '', q: q ? Number(q.slice(2)) || 0 : 1, index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const entry of ranked) {
    const language = matchLanguage(entry.tag);
    if (language) return language;
  }
  return undefined;
}
