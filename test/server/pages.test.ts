// The phone's side of the device flow, played with a cookie jar against the whole server
// (startServer: real oidc-provider, SQLite store, our pages) on 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type Browser, type Page } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import type { Logger } from '../../core/ports.ts';
import { CHROMIUM, chromiumPath } from '../../scripts/system-parts.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { describeWith } from '../fixtures/needs.ts';
import { Phone, type PhonePage } from '../fixtures/phone.ts';
import { startPagesServer } from './pages-harness.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
/** What oidc-provider printed to the operator's terminal (console.warn) since this file started. */
const providerWarnings: string[] = [];
let server: RunningServer;
let dataDir: string;
let demo: { email: string; password: string };

beforeAll(async () => {
  const warn = console.warn.bind(console);
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (String(args[0]).includes('oidc-provider')) providerWarnings.push(String(args[0]));
    warn(...args);
  });
  dataDir = mkdtempSync(join(tmpdir(), 'dl-pages-test-'));
  server = await startServer({ port: 0, dataDir, logger: quiet });
  demo = server.demoUser!;
});
afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Authorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
}

async function authorize(scope = 'openid profile email offline_access'): Promise<Authorization> {
  const res = await fetch(`${server.url}/device/auth`, { method: 'POST', body: new URLSearchParams({ client_id: server.clientId, scope }) });
  expect(res.status).toBe(200);
  return (await res.json()) as Authorization;
}

async function poll(deviceCode: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/token`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: server.clientId, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function text(page: PhonePage): string {
  return page.html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');
}

describe('verification pages', () => {
  it('verification_uri_complete lands on confirm with the grouped code, the client name, where it started and the §5.4 warning', async () => {
    const auth = await authorize();
    const page = await new Phone().get(auth.verification_uri_complete);
    expect(page.page).toBe('confirm');
    expect(text(page)).toContain('Does this code match the one on your TV?');
    const [a, b] = auth.user_code.split('-');
    expect(page.html).toMatch(new RegExp(`data-testid="user-code"[^>]*><span>${a}</span><span>${b}</span>`));
    expect(text(page)).toContain('device-login TV');
    expect(text(page)).toContain('IP address: 127.0.0.1');
    expect(text(page)).toMatch(/Only continue if you started this yourself/);
    expect(page.buttons).toEqual(['Continue', 'Deny']);
  });

  it('the permissions are listed once, on consent, and the code and the device are on both confirm and consent', async () => {
    const permissions = ['Know who you are', 'See your name and profile picture', 'See your email address', 'Stay signed in on this device'];
    const count = (page: PhonePage, needle: string) => text(page).split(needle).length - 1;
    const auth = await authorize();
    const [a, b] = auth.user_code.split('-');
    const phone = new Phone();
    const confirm = await phone.get(auth.verification_uri_complete);
    expect(confirm.page).toBe('confirm');
    const consent = await phone.confirmAndSignIn(confirm, demo);
    expect(consent.page).toBe('consent');
    for (const page of [confirm, consent]) {
      expect(page.html, page.page).toMatch(new RegExp(`data-testid="user-code"[^>]*><span>${a}</span><span>${b}</span>`));
      expect(page.html, page.page).toContain('<strong data-testid="client-name">device-login TV</strong>');
      expect(text(page), page.page).toContain('IP address: 127.0.0.1');
    }
    for (const permission of permissions) {
      expect(count(confirm, permission), permission).toBe(0);
      expect(count(consent, permission), permission).toBe(1);
    }
    expect(confirm.html).not.toContain('class="scopes"');
    expect(consent.buttons).toEqual(['Allow', 'Deny']);

    // A phone already signed in skips sign-in, never consent: the second TV is decided on the same way.
    const second = await authorize();
    const again = await phone.submit(await phone.get(second.verification_uri_complete), { button: 'Continue' });
    expect(again.page).toBe('consent');
    expect(again.html).toContain(`<span>${second.user_code.split('-')[0]}</span><span>${second.user_code.split('-')[1]}</span>`);
    expect(count(again, 'See your email address')).toBe(1);
  });

  it('approving on the phone signs the TV in', async () => {
    const auth = await authorize();
    const end = await new Phone().approve(auth.verification_uri_complete, demo);
    expect(end.page).toBe('success');
    expect(text(end)).toContain("You're signed in on your TV. You can close this page.");
    const tokens = await poll(auth.device_code);
    expect(tokens.status).toBe(200);
    expect(typeof tokens.body.access_token).toBe('string');

    // The same with the code typed by hand at verification_uri (no QR code).
    const typed = await authorize();
    expect((await new Phone().approve(typed.verification_uri, { ...demo, userCode: typed.user_code })).page).toBe('success');
    expect((await poll(typed.device_code)).status).toBe(200);
  });

  it('a typed code is accepted in lower case, with spaces or dashes, and in full-width letters (RFC 8628 §6.1)', async () => {
    const phone = new Phone();
    for (const variant of [
      (c: string) => c.toLowerCase(),
      (c: string) => c.replace('-', ' '),
      (c: string) => ` ${c.replace('-', '').slice(0, 2)}-${c.replace('-', '').slice(2)} `,
      (c: string) => c.replace(/[A-Z]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0)),
    ]) {
      const auth = await authorize();
      const page = await phone.openCode(auth.verification_uri, variant(auth.user_code));
      expect(page.page).toBe('confirm');
      expect(page.html).toContain(`value="${auth.user_code}"`);
    }
    // The folded form is handed on as a body oidc-provider reads afresh: no warning in the terminal.
    expect(providerWarnings).toEqual([]);
  });

  it('deny at confirm shows the denied page and the TV gets access_denied', async () => {
    const auth = await authorize();
    const end = await new Phone().deny(auth.verification_uri_complete, demo, 'confirm');
    expect(end.page).toBe('denied');
    const tokens = await poll(auth.device_code);
    expect(tokens.body.error).toBe('access_denied');
  });

  it('deny at consent shows the denied page and the TV gets access_denied', async () => {
    const auth = await authorize();
    const end = await new Phone().deny(auth.verification_uri_complete, demo, 'consent');
    expect(end.page).toBe('denied');
    const tokens = await poll(auth.device_code);
    expect(tokens.body.error).toBe('access_denied');
  });

  it('an unknown code re-renders the form with an error and the typed code', async () => {
    const page = await new Phone().openCode(`${server.url}/device`, 'BBBB-CCCC');
    expect(page.page).toBe('enter-code');
    // A fresh browser may make ten wrong codes an hour: the page says how many are left.
    expect(page.error).toBe("That code isn't right. Check the code on your TV and try again. 9 attempts left.");
    expect(page.forms[0]?.fields.user_code).toBe('BBBB-CCCC');
  });

  it('an empty email or password is said plainly, tied to its field, and not sent to the password check', async () => {
    const auth = await authorize();
    const phone = new Phone();
    const login = await phone.submit(await phone.get(auth.verification_uri_complete), { button: 'Continue' });
    expect(login.page).toBe('login');
    const noEmail = await phone.submit(login, { fields: { email: ' ', password: 'whatever' } });
    expect(noEmail.status).toBe(400);
    expect(noEmail.error).toBe('Enter your email address.');
    expect(noEmail.html).toMatch(/<input id="email"[^>]* aria-invalid="true" aria-describedby="error"/);
    expect(noEmail.html).not.toMatch(/<input id="password"[^>]* aria-invalid/);
    const noPassword = await phone.submit(noEmail, { fields: { email: demo.email, password: '' } });
    expect(noPassword.status).toBe(400);
    expect(noPassword.error).toBe('Enter your password.');
    expect(noPassword.html).toMatch(/<input id="password"[^>]* aria-invalid="true" aria-describedby="error"/);
    expect(noPassword.html).not.toMatch(/<input id="email"[^>]* aria-invalid/);
    expect((await phone.signIn(noPassword, demo)).page).toBe('consent');
  });

  it('a code used once cannot be used again from another phone', async () => {
    const auth = await authorize();
    expect((await new Phone().approve(auth.verification_uri_complete, demo)).page).toBe('success');
    const again = await new Phone().get(auth.verification_uri_complete);
    expect(again.page).toBe('used');
  });

  it('the login error is identical for a wrong email and a wrong password', async () => {
    const bodies: string[] = [];
    for (const creds of [
      { email: 'nobody@device-login.local', password: demo.password },
      { email: demo.email, password: `${demo.password}x` },
    ]) {
      const auth = await authorize();
      const phone = new Phone();
      const page = await phone.confirmAndSignIn(await phone.get(auth.verification_uri_complete), creds);
      expect(page.page).toBe('login');
      expect(page.error).toBe('Login failed: the email or password is incorrect.');
      bodies.push(page.error ?? '');
      expect(page.html).not.toContain(creds.password);
    }
    expect(bodies[0]).toBe(bodies[1]);
  });

  it('a phone already signed in approves a second TV with consent only, and each TV gets its own grant', async () => {
    const phone = new Phone();
    const first = await authorize();
    expect((await phone.approve(first.verification_uri_complete, demo)).page).toBe('success');
    const second = await authorize();
    const confirm = await phone.get(second.verification_uri_complete);
    const consent = await phone.submit(confirm, { button: 'Continue' });
    expect(consent.page).toBe('consent');
    expect((await phone.submit(consent, { button: 'decision=allow' })).page).toBe('success');

    const a = (await poll(first.device_code)).body;
    const b = (await poll(second.device_code)).body;
    // Revoking the first TV's refresh token ends its grant; the second TV must stay signed in.
    const revoke = await fetch(`${server.url}/token/revocation`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: server.clientId, token: String(a.refresh_token), token_type_hint: 'refresh_token' }),
    });
    expect(revoke.status).toBe(200);
    const me = (token: unknown) => fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${String(token)}` } }).then((r) => r.status);
    expect(await me(a.access_token)).toBe(401);
    expect(await me(b.access_token)).toBe(200);
  });

  it('pages carry the viewport meta, the labels Code, Email, Password and the buttons Continue, Sign in, Allow, Deny', async () => {
    const phone = new Phone();
    const enter = await phone.get(`${server.url}/device`);
    expect(enter.labels).toEqual(['Code']);
    expect(enter.buttons).toEqual(['Continue']);
    const auth = await authorize();
    const confirm = await phone.openCode(enter.url, auth.user_code);
    expect(confirm.buttons).toEqual(['Continue', 'Deny']);
    const login = await phone.submit(confirm, { button: 'Continue' });
    expect(login.labels).toEqual(['Email', 'Password']);
    expect(login.buttons).toEqual(['Sign in']);
    expect(login.html).toMatch(/<input id="email" name="email" type="email"/);
    expect(login.html).toMatch(/<input id="password" name="password" type="password"/);
    const consent = await phone.signIn(login, demo);
    expect(consent.buttons).toEqual(['Allow', 'Deny']);
    for (const page of [enter, confirm, login, consent]) {
      expect(page.html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(page.html).not.toMatch(/<script/);
    }
  });

  it('speaks Traditional Chinese by Accept-Language, and the switcher changes language and remembers it', async () => {
    const zh = new Phone({ acceptLanguage: 'zh-TW,zh;q=0.9,en;q=0.5' });
    const enter = await zh.get(`${server.url}/device`);
    expect(enter.html).toContain('<html lang="zh-Hant-TW">');
    expect(enter.labels).toEqual(['代碼']);
    expect(enter.buttons).toEqual(['繼續']);
    const auth = await authorize();
    const confirm = await zh.openCode(enter.url, auth.user_code);
    expect(text(confirm)).toContain('這組代碼與電視上的相同嗎？');
    const login = await zh.submit(confirm, { button: '繼續' });
    expect(login.labels).toEqual(['電子郵件', '密碼']);

    const en = new Phone({ acceptLanguage: 'en-US,en;q=0.9' });
    const page = await en.get(`${server.url}/device`);
    const switchHref = /data-testid="lang-switch"/.test(page.html) ? /<a class="lang" href="([^"]+)"/.exec(page.html)?.[1] : undefined;
    expect(switchHref).toBe('/device?lang=zh-TW');
    const switched = await en.get(`${server.url}${switchHref}`);
    expect(switched.labels).toEqual(['代碼']);
    // The choice sticks without the query, over the browser's Accept-Language.
    expect((await en.get(`${server.url}/device`)).labels).toEqual(['代碼']);
    expect((await en.get(`${server.url}/device?lang=en`)).labels).toEqual(['Code']);
  });

  it('Traditional Chinese tags get Traditional Chinese; Simplified Chinese falls through to the next language, else English', async () => {
    const langOf = async (acceptLanguage: string) => {
      const page = await new Phone({ acceptLanguage }).get(`${server.url}/device`);
      return /<html lang="([^"]+)">/.exec(page.html)?.[1];
    };
    for (const tag of ['zh-TW', 'zh-HK', 'zh-MO', 'zh-Hant', 'zh-Hant-HK', 'zh-CN,zh-TW;q=0.8']) expect(await langOf(tag), tag).toBe('zh-Hant-TW');
    for (const tag of ['zh-CN', 'zh-Hans', 'zh-Hans-CN', 'zh-SG', 'zh', 'zh-CN,zh;q=0.9', 'zh-CN,zh;q=0.9,en;q=0.8']) expect(await langOf(tag), tag).toBe('en');
    // The English page offers Chinese by its script, so a Simplified Chinese reader knows what it gives.
    const page = await new Phone({ acceptLanguage: 'zh-CN' }).get(`${server.url}/device`);
    expect(page.html).toMatch(/<a class="lang" href="\/device\?lang=zh-TW" hreflang="zh-TW" data-testid="lang-switch">繁體中文<\/a>/);
  });

  it('an expired code shows the expired page', async () => {
    // A 1-second code lifetime needs the test harness: the product server refuses lifetimes under 10 s.
    const harness = await startPagesServer({ codeTtl: 1 });
    try {
      const auth = await harness.authorize();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const page = await new Phone().get(auth.verification_uri_complete);
      expect(page.page).toBe('expired');
      expect(text(page)).toContain('This code has expired');
    } finally {
      await harness.close();
    }
  });

  it('an unknown interaction shows a readable page instead of an error dump', async () => {
    const page = await new Phone().get(`${server.url}/interaction/no-such-interaction`);
    expect(page.status).toBe(400);
    expect(page.page).toBe('unknown');
    expect(text(page)).toContain('This page has expired');
  });
});

describeWith([CHROMIUM], 'phone layout in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('no page scrolls sideways at 360 px and every tap target is at least 44 px tall', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) cspErrors.push(msg.text());
    });
    const measure = async () => ({
      name: await page.getAttribute('body', 'data-page'),
      // String expressions: they run in the page, whose DOM types this Node project does not load.
      scrollWidth: await page.evaluate<number>('document.documentElement.scrollWidth'),
      small: await page.evaluate<string[]>(
        "[...document.querySelectorAll('a, button, input:not([type=hidden])')].filter((el) => el.getBoundingClientRect().height < 44).map((el) => el.outerHTML.slice(0, 80))",
      ),
    });
    const seen: Awaited<ReturnType<typeof measure>>[] = [];
    const auth = await authorize();
    await page.goto(`${server.url}/device`);
    seen.push(await measure());
    await page.fill('#user_code', auth.user_code);
    await page.click('button[type=submit]');
    await page.waitForSelector('body[data-page=confirm]');
    seen.push(await measure());
    await page.click('form button:not([name])');
    await page.waitForSelector('body[data-page=login]');
    seen.push(await measure());
    await page.fill('#email', demo.email);
    await page.fill('#password', demo.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('body[data-page=consent]');
    seen.push(await measure());
    await page.click('button[value=allow]');
    await page.waitForSelector('body[data-page=success]');
    seen.push(await measure());
    await context.close();

    expect(seen.map((s) => s.name)).toEqual(['enter-code', 'confirm', 'login', 'consent', 'success']);
    for (const s of seen) {
      expect(s.scrollWidth, s.name ?? '').toBeLessThanOrEqual(360);
      expect(s.small, s.name ?? '').toEqual([]);
    }
    expect(cspErrors).toEqual([]);
  });

  it('a field with an error has the focus, is invalid and is described by the message: wrong or empty code, empty email, empty or wrong password', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const seen: Array<{ step: string; error: string | null; focused: string; fields: AxField[]; problems: string[] }> = [];
    /** Taps `button` and waits for the next document (every submit here is a full page load). */
    const submit = async (button: string) => {
      await page.evaluate("document.body.dataset.before = 'yes'");
      await page.getByRole('button', { name: button, exact: true }).click();
      await page.waitForSelector('body[data-page]:not([data-before])', { timeout: 5_000 }).catch(() => {
        throw new Error(`tapping ${button} after the ${lastStep()} page loaded no new page`);
      });
    };
    const lastStep = () => seen.at(-1)?.step ?? 'the first';
    const record = async (step: string) => {
      // Autofocus runs at the first rendering update after load: give it that long.
      await page.waitForFunction("document.activeElement && document.activeElement !== document.body", undefined, { timeout: 2_000 }).catch(() => undefined);
      seen.push({
        step,
        error: await page.evaluate<string | null>("document.querySelector('[data-testid=error]')?.textContent ?? null"),
        focused: await page.evaluate<string>("document.activeElement?.id || document.activeElement?.tagName || ''"),
        fields: await axFields(cdp),
        problems: await ariaProblems(page),
      });
    };
    const field = (step: string, name: string) => seen.find((s) => s.step === step)?.fields.find((f) => f.name === name);

    await page.goto(`${server.url}/device`);
    await page.getByLabel('Code').fill('BCDF-GHJK');
    await submit('Continue');
    await record('wrong code');
    await page.getByLabel('Code').fill('');
    await submit('Continue');
    await record('empty code');
    const auth = await authorize();
    await page.getByLabel('Code').fill(auth.user_code);
    await submit('Continue');
    await submit('Continue');
    await record('login');
    await submit('Sign in');
    await record('empty email');
    await page.getByLabel('Email').fill(demo.email);
    await submit('Sign in');
    await record('empty password');
    await page.getByLabel('Password').fill(`${demo.password}x`);
    await submit('Sign in');
    await record('wrong password');
    await page.getByLabel('Password').fill(demo.password);
    await submit('Sign in');
    expect(await page.getAttribute('body', 'data-page')).toBe('consent');
    await context.close();

    const wrongCode = "That code isn't right. Check the code on your TV and try again. 9 attempts left.";
    const loginFailed = 'Login failed: the email or password is incorrect.';
    expect(seen.map((s) => [s.step, s.error, s.focused])).toEqual([
      ['wrong code', wrongCode, 'user_code'],
      ['empty code', 'Enter the code shown on your TV.', 'user_code'],
      ['login', null, 'email'],
      ['empty email', 'Enter your email address.', 'email'],
      ['empty password', 'Enter your password.', 'password'],
      ['wrong password', loginFailed, 'password'],
    ]);
    // What Chromium's accessibility tree tells a screen reader about each field.
    expect(field('wrong code', 'Code')).toEqual({ name: 'Code', invalid: true, description: wrongCode });
    expect(field('empty code', 'Code')).toEqual({ name: 'Code', invalid: true, description: 'Enter the code shown on your TV.' });
    expect(field('login', 'Email')).toEqual({ name: 'Email', invalid: false, description: '' });
    expect(field('empty email', 'Email')).toEqual({ name: 'Email', invalid: true, description: 'Enter your email address.' });
    expect(field('empty email', 'Password')).toEqual({ name: 'Password', invalid: false, description: '' });
    expect(field('empty password', 'Password')).toEqual({ name: 'Password', invalid: true, description: 'Enter your password.' });
    expect(field('empty password', 'Email')).toEqual({ name: 'Email', invalid: false, description: '' });
    expect(field('wrong password', 'Email')).toEqual({ name: 'Email', invalid: true, description: loginFailed });
    expect(field('wrong password', 'Password')).toEqual({ name: 'Password', invalid: true, description: loginFailed });
    for (const s of seen) expect(s.problems, s.step).toEqual([]);
  });
});

interface AxField {
  name: string;
  invalid: boolean;
  description: string;
}

/** The text fields of the page as Chromium's accessibility tree exposes them (name, invalid, description). */
async function axFields(cdp: { send(method: 'Accessibility.getFullAXTree'): Promise<unknown> }): Promise<AxField[]> {
  type Value = { value?: unknown };
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
    nodes: Array<{ ignored?: boolean; role?: Value; name?: Value; description?: Value; properties?: Array<{ name: string; value: Value }> }>;
  };
  return nodes
    .filter((n) => !n.ignored && n.role?.value === 'textbox')
    .map((n) => ({
      name: String(n.name?.value ?? ''),
      invalid: String(n.properties?.find((p) => p.name === 'invalid')?.value.value ?? 'false') !== 'false',
      description: String(n.description?.value ?? ''),
    }));
}

/** Axe-like checks on the page: ids unique, aria-describedby pointing at elements that exist, every field labelled. */
async function ariaProblems(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const problems = [];
    const ids = [...document.querySelectorAll('[id]')].map((el) => el.id);
    for (const id of new Set(ids)) if (ids.filter((x) => x === id).length > 1) problems.push('duplicate id ' + id);
    for (const el of document.querySelectorAll('[aria-describedby]'))
      for (const id of el.getAttribute('aria-describedby').split(/\\s+/)) if (!document.getElementById(id)) problems.push(el.id + ' described by missing #' + id);
    for (const el of document.querySelectorAll('input:not([type=hidden])')) if (!el.labels || el.labels.length === 0) problems.push(el.id + ' has no label');
    return problems;
  })()`);
}
