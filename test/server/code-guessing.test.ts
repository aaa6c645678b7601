// Issue 13, finding 5: five wrong codes used to lock everyone behind an address out of code entry for
// ten minutes (the TV-and-phone demo, all on 127.0.0.1, locked itself), with no "attempts left"
// before, the QR link of a brand-new code included, and no budget per code or overall. Now guessing
// is slowed down: growing waits, budgets per browser, per address (/64) and overall; the page says
// how many attempts are left; Deny and the TV's own link always pass.
import { afterEach, describe, expect, it } from 'vitest';

import { SERVER_DEFAULTS } from '../../server/defaults.ts';
import type { CodeEntryLimits } from '../../server/pages/code-entry.ts';
import { createGuessLimiter } from '../../server/pages/guess-limits.ts';
import { Phone, type PhonePage } from '../fixtures/phone.ts';
import { sleep } from './device-helpers.ts';
import { startDefencesServer, type DefencesServer } from './defences-harness.ts';

let server: DefencesServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const WRONG = 'BCDF-GHJK';
const defaults: CodeEntryLimits = SERVER_DEFAULTS.codeEntry;

async function issue(s: DefencesServer): Promise<{ device_code: string; user_code: string; verification_uri_complete: string }> {
  const answer = await s.authorize();
  expect(answer.status).toBe(200);
  return answer.body as { device_code: string; user_code: string; verification_uri_complete: string };
}

/** Types `code` on the enter-code page `page` (or a fresh one) and taps Continue. */
async function type(phone: Phone, s: DefencesServer, code: string, page?: PhonePage): Promise<PhonePage> {
  const form = page?.page === 'enter-code' ? page : await phone.get(`${s.url}/device`);
  return phone.submit(form, { fields: { user_code: code } });
}

describe('code entry slows guessing down', () => {
  it('a person who mistypes twice waits two seconds, is told so and how many attempts are left, then gets in', async () => {
    server = await startDefencesServer();
    const auth = await issue(server);
    const phone = new Phone();
    const first = await type(phone, server, WRONG);
    expect(first.status).toBe(200);
    expect(first.error).toBe("That code isn't right. Check the code on your TV and try again. 9 attempts left.");
    const second = await type(phone, server, WRONG, first);
    expect(second.error).toBe("That code isn't right. Check the code on your TV and try again. You can try again in 2 seconds. 8 attempts left.");

    // Too soon: not looked up, not counted; the typed code stays in the field.
    const early = await type(phone, server, auth.user_code, second);
    expect(early.status).toBe(429);
    expect(early.page).toBe('enter-code');
    expect(early.headers.get('retry-after')).toMatch(/^[12]$/);
    expect(early.error).toMatch(/^Wait [12] seconds? before you try again\. 8 attempts left\.$/);
    expect(early.forms[0]?.fields.user_code).toBe(auth.user_code);

    await sleep(2_050);
    const confirm = await phone.submit(early);
    expect(confirm.page).toBe('confirm');
  });

  it('says it in Traditional Chinese too', async () => {
    server = await startDefencesServer();
    const phone = new Phone({ acceptLanguage: 'zh-TW' });
    const first = await type(phone, server, WRONG);
    const second = await type(phone, server, WRONG, first);
    expect(second.error).toBe('代碼不正確。請核對電視上的代碼後再試一次。請在 2 秒後再試。還可以嘗試 8 次。');
    const early = await type(phone, server, WRONG, second);
    expect(early.error).toMatch(/^請等待 [12] 秒後再試。還可以嘗試 8 次。$/);
  });

  it("the TV's QR link is not blocked by someone else's wrong codes on the same address", async () => {
    // Waits off, so that the address spends its budget quickly; five phones behind one address.
    server = await startDefencesServer({ codeEntry: { perAddress: 5, browserDelayFrom: 99, addressDelayFrom: 99 } });
    for (let i = 0; i < 4; i += 1) expect((await type(new Phone(), server, WRONG)).page).toBe('enter-code');
    // The fifth spends the address's budget: no attempts left, said at once.
    const blocked = await type(new Phone(), server, WRONG);
    expect(blocked.status).toBe(429);
    expect(blocked.page).toBe('too-many');
    expect((await type(new Phone(), server, WRONG)).page).toBe('too-many');

    const auth = await issue(server);
    // Typed, the right code is refused like any other: the address has no attempts left.
    expect((await type(new Phone(), server, auth.user_code)).page).toBe('too-many');
    // Scanned, it goes through: the link carries the server's proof that it came from the TV.
    const phone = new Phone();
    expect((await phone.approve(auth.verification_uri_complete, server.user)).page).toBe('success');
    expect(typeof (await server.poll(auth.device_code)).body.access_token).toBe('string');
  });

  it("a link passes only with its own code's proof: another code's proof counts it like a typed code", async () => {
    server = await startDefencesServer({ codeEntry: { perAddress: 1, browserDelayFrom: 99, addressDelayFrom: 99 } });
    const first = await issue(server);
    const second = await issue(server);
    expect((await type(new Phone(), server, WRONG)).page).toBe('too-many');
    const swapped = new URL(first.verification_uri_complete);
    swapped.searchParams.set('user_code', second.user_code);
    expect((await new Phone().get(swapped.href)).page).toBe('too-many');
    expect((await new Phone().get(second.verification_uri_complete)).page).toBe('confirm');
  });

  it('Deny always passes: a phone shown a code still denies it after others on its address used up every attempt', async () => {
    server = await startDefencesServer({ codeEntry: { perAddress: 3, browserDelayFrom: 99, addressDelayFrom: 99 } });
    const auth = await issue(server);
    const phone = new Phone();
    const confirm = await phone.openCode(`${server.url}/device`, auth.user_code);
    expect(confirm.page).toBe('confirm');
    for (let i = 0; i < 3; i += 1) await type(new Phone(), server, WRONG);
    expect((await type(new Phone(), server, auth.user_code)).page).toBe('too-many');

    const denied = await phone.submit(confirm, { button: 'abort=yes' });
    expect(denied.page).toBe('denied');
    expect((await server.poll(auth.device_code)).body.error).toBe('access_denied');
  });

  it('Continue on a code the phone was shown passes too; a typed code on that address does not', async () => {
    server = await startDefencesServer({ codeEntry: { perAddress: 2, browserDelayFrom: 99, addressDelayFrom: 99 } });
    const auth = await issue(server);
    const phone = new Phone();
    const confirm = await phone.openCode(`${server.url}/device`, auth.user_code);
    for (let i = 0; i < 2; i += 1) await type(new Phone(), server, WRONG);
    expect((await type(new Phone(), server, auth.user_code)).page).toBe('too-many');
    const consent = await phone.confirmAndSignIn(confirm, server.user);
    expect(consent.page).toBe('consent');
  });

  it('a new browser on the same address is still counted by the address', async () => {
    server = await startDefencesServer({ codeEntry: { perBrowser: 100, perAddress: 3, browserDelayFrom: 99, addressDelayFrom: 99 } });
    const pages: Array<string | undefined> = [];
    for (let i = 0; i < 4; i += 1) pages.push((await type(new Phone(), server, WRONG)).error);
    expect(pages.slice(0, 3)).toEqual([
      "That code isn't right. Check the code on your TV and try again. 2 attempts left.",
      "That code isn't right. Check the code on your TV and try again. 1 attempt left.",
      undefined, // the third spends the budget: the too-many page
    ]);
  });
});

describe('the arithmetic of the limits', () => {
  const keys = (browser: string, address = '198.51.100.7') => ({ browser, address });

  it('a browser waits 2 s after its second wrong code, then 4, 8, 16, 32, then 60 s each, and stops at ten', () => {
    let now = 0;
    const limiter = createGuessLimiter(defaults, () => now);
    const waits: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const verdict = limiter.fail(keys('phone'));
      waits.push(verdict.waitMs);
      if (!verdict.exhausted) now += verdict.waitMs;
    }
    expect(waits.slice(0, 9)).toEqual([0, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    const spent = limiter.check(keys('phone'));
    expect(spent.exhausted).toBe(true);
    expect(spent.attemptsLeft).toBe(0);
    // The window frees the oldest failure an hour after it was made.
    expect(spent.waitMs).toBe(3_600_000 - now);
    now = 3_600_001;
    expect(limiter.check(keys('phone')).exhausted).toBe(false);
  });

  it('an address (IPv6 /64 or IPv4) waits only from its fifth wrong code and stops at thirty, whatever the browsers', () => {
    let now = 0;
    const limiter = createGuessLimiter(defaults, () => now);
    const waits: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      const verdict = limiter.fail(keys(`browser-${i}`, '2001:db8:1:2::/64'));
      waits.push(verdict.waitMs);
      if (!verdict.exhausted) now += verdict.waitMs;
    }
    expect(waits.slice(0, 6)).toEqual([0, 0, 0, 0, 2_000, 4_000]);
    expect(limiter.check(keys('fresh', '2001:db8:1:2::/64')).exhausted).toBe(true);
    expect(limiter.check(keys('fresh', '2001:db8:1:3::/64')).waitMs).toBe(0);
    // Thirty guesses took the address 62 s of waits, then 60 s each: 21 minutes, so the budget binds, not the waits.
    expect(now).toBe(62_000 + 20 * 60_000);
  });

  it('the whole server stops taking typed codes after its budget, however many addresses guess', () => {
    const now = 0;
    const limiter = createGuessLimiter(defaults, () => now);
    for (let i = 0; i < defaults.overall; i += 1) limiter.fail(keys(`b${i}`, `a${i}`));
    const verdict = limiter.check(keys('someone', 'elsewhere'));
    expect(verdict.exhausted).toBe(true);
    expect(verdict.attemptsLeft).toBe(0);
    // What the comment in guess-limits.ts claims: a year at this cap against 20^8 codes.
    const perYear = defaults.overall * 24 * 365;
    expect(perYear / 20 ** 8).toBeLessThan(1.1e-4);
  });
});
