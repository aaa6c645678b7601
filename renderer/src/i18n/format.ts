// Numbers and times in the viewer's language, all through Intl (no hand-made plural rules).
import type { Language } from '../../../host/contract.ts';

// Building an Intl formatter costs far more than using one (the code screen formats every second),
// so each is made once per language and options.
const numberFormats = new Map<string, Intl.NumberFormat>();
const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();

function numberFormat(language: Language, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const key = `${language} ${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) numberFormats.set(key, (format = new Intl.NumberFormat(language, options)));
  return format;
}

function relativeFormat(language: Language): Intl.RelativeTimeFormat {
  let format = relativeFormats.get(language);
  if (!format) relativeFormats.set(language, (format = new Intl.RelativeTimeFormat(language, { numeric: 'always', style: 'long' })));
  return format;
}

/**
 * "in 9 minutes" / "9 分鐘後" for whole `seconds` left: the minutes the clock face shows (9:41 is
 * "in 9 minutes", never "in 10"), and in the last minute the face's seconds exactly. Steps of five
 * seconds read "in 10 seconds" beside a face at 0:06.
 */
export function relativeExpiry(seconds: number, language: Language): string {
  const format = relativeFormat(language);
  const total = Math.max(0, Math.floor(seconds));
  if (total >= 60) return format.format(Math.floor(total / 60), 'minute');
  return format.format(total, 'second');
}

/** The ring's clock face for whole `seconds` left: "9:05" (digits in the language's numbering system). */
export function clockFace(seconds: number, language: Language): string {
  const total = Math.max(0, Math.floor(seconds));
  const minutes = numberFormat(language).format(Math.floor(total / 60));
  const rest = numberFormat(language, { minimumIntegerDigits: 2 }).format(total % 60);
  return `${minutes}:${rest}`;
}

/** A running time: "112 min" / "112 分鐘". */
export function runningTime(minutes: number, language: Language): string {
  return numberFormat(language, { style: 'unit', unit: 'minute', unitDisplay: 'short' }).format(minutes);
}

/** A year without grouping separators: 2024, not 2,024. */
export function yearText(year: number, language: Language): string {
  return numberFormat(language, { useGrouping: false }).format(year);
}
