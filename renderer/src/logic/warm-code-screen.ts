// The code screen's first render paid for work that is the same for every code: the QR encoder's
// first run (its mask search runs cold, in the interpreter) and the countdown's Intl formatters
// (their locale data loaded on first use): about a third of that render on a cold page. Doing it
// once while the TV is idle, before any code is on screen, takes it off the way to the first code.
import type { Language } from '../../../host/contract.ts';
import { clockFace, relativeExpiry } from '../i18n/format.ts';
import { drawQrCode } from './qr.ts';

const warmed = new Set<Language>();

/** Runs the code screen's one-time work (QR encoder, formatters for `language`) ahead of any code. */
export function warmCodeScreen(language: Language): void {
  if (warmed.has(language)) return;
  warmed.add(language);
  drawQrCode('http://127.0.0.1:8787/device?user_code=WDJB-MJHT');
  clockFace(600, language);
  relativeExpiry(600, language);
}

/**
 * `warmCodeScreen` at the main thread's next idle moment (at the latest after `timeoutMs`): on
 * Welcome, while the viewer decides, and on a deep link while the code is being requested.
 */
export function warmCodeScreenWhenIdle(language: Language, timeoutMs = 1000): void {
  if (warmed.has(language)) return;
  const run = () => warmCodeScreen(language);
  if (typeof window.requestIdleCallback === 'function') window.requestIdleCallback(run, { timeout: timeoutMs });
  else setTimeout(run, 0);
}
