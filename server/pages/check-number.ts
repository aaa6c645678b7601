// The page that ends an approval from another network than the TV's (RFC 10027's proximity check,
// server/proximity.ts): instead of "You're signed in", the two-digit number to enter on the TV, large,
// with the sentence that says why, and the warning for someone who did not start this themselves:
// an attacker who sent them the code now needs this number too.
import type { Lang, Messages } from './i18n.ts';
import { esc, ICONS, layout } from './layout.ts';

/** The check-number page (`data-page="check-number"`); the number is in `data-testid="check-number"`. */
export function checkNumberPage(v: { lang: Lang; m: Messages; checkNumber: string }): string {
  const { m, checkNumber } = v;
  const digits = [...checkNumber].map((digit) => `<span>${esc(digit)}</span>`).join('');
  const body = `<div class="icon">${ICONS.tv}</div>
<h1>${esc(m.checkNumberTitle)}</h1>
<p class="lead" data-testid="message">${esc(m.checkNumber(checkNumber))}</p>
<div class="usercode" data-testid="check-number" role="img" aria-label="${esc(m.checkNumberLabel(checkNumber))}">${digits}</div>
<div class="warning" role="note">${esc(m.checkNumberWarning)}</div>`;
  return layout({ ...v, title: m.checkNumberTitle, body, page: 'check-number' });
}
