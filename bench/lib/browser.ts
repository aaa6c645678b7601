// Chromium, the TV page and the phone page for the browser benchmarks (time-to-code,
// approval-to-home). The pages are instrumented from the inside: an init script (PROBE) keeps a log
// of what the page showed and when, read with the page's own clock, so a figure is never the
// round trip of asking Playwright. Waits are bounded everywhere: a step that does not finish in time
// throws, and the benchmark counts that run as failed.
//
// "Painted" means: the element is in the DOM (MutationObserver, a microtask after React's commit),
// then the next animation frame has run and the task queued from it has started, i.e. the main
// thread has finished style, layout and paint of the frame that first contains the element. What is
// left after that (compositing and presenting the frame) is a few milliseconds and not counted.
// Every TV screen fades in (styles.css, screen-in, 320 ms from opacity 0): `shown:<screen>` marks
// the end of that fade-in.
import { chromium, devices, type Browser, type BrowserContext, type Page } from '@playwright/test';

/** Chromium as the e2e tests launch it (Debian's, no Playwright download). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    timeout: 60_000,
  });
}

/** One entry of a page's log: `t` is performance.now() (0 = navigation start), `epoch` adds timeOrigin. */
export interface ProbeEntry {
  kind: string;
  t: number;
  /** performance.timeOrigin + t: comparable across pages of one Chromium on one machine. */
  epoch: number;
  /** Date.now() at the same moment (a cross-check of `epoch`, 1 ms resolution). */
  wall: number;
}

/**
 * The TV page's instrumentation, installed before any of its scripts run. Kinds logged:
 * `dom:<name>` then `painted:<name>` (or `dropped:<name>`) when a watched element appears (qr, home,
 * signed-in), `gone:<name>` when it leaves, `shown:<screen>` when a screen's fade-in ends,
 * `state:<flow state>` when the TV's data-state changes, `sse:<flow state>` when a state event
 * arrives from the host (before the app sees it), `get:<flow state>` when GET /bridge/state is
 * answered (its body read; the time is when the body is in), `focus:sign-in` when the Welcome screen's Sign in
 * button gets focus, and `key:<key>` on keydown. `window.__benchSignInFocused` (a Playwright
 * binding, when exposed) is called on that focus so the benchmark can press OK at once.
 */
export const TV_PROBE = String.raw`(() => {
  if (window.__bench) return;
  const log = [];
  const record = (kind) => {
    const t = performance.now();
    log.push({ kind, t, epoch: performance.timeOrigin + t, wall: Date.now() });
  };
  window.__bench = { log };
  // Painted: still there when the next frame is produced and once that frame's work is done; an
  // element React replaced before that frame never reached the screen ("dropped").
  const afterPaint = (name, selector) => {
    requestAnimationFrame(() => {
      if (!document.querySelector(selector)) return record('dropped:' + name);
      const channel = new MessageChannel();
      channel.port1.onmessage = () => record((document.querySelector(selector) ? 'painted:' : 'dropped:') + name);
      channel.port2.postMessage(null);
    });
  };
  const watched = [
    ['qr', '[role="img"][aria-label*="QR"]'],
    // Home counts once its catalogue is on it (HomeRoot's data-catalog), not while it says Loading.
    ['home', '[data-testid="home"][data-catalog="ready"]'],
    ['signed-in', '[data-testid="tv"][data-state="signed_in"]'],
  ];
  const present = {};
  let lastState = '';
  const check = () => {
    for (const [name, selector] of watched) {
      const on = document.querySelector(selector) !== null;
      if (on && !present[name]) {
        record('dom:' + name);
        afterPaint(name, selector);
      } else if (!on && present[name]) {
        record('gone:' + name);
      }
      present[name] = on;
    }
    const tv = document.querySelector('[data-testid="tv"]');
    const state = tv ? tv.getAttribute('data-state') || 'none' : '';
    if (state !== lastState) {
      lastState = state;
      if (state) record('state:' + state);
    }
  };
  new MutationObserver(check).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['data-state', 'aria-label', 'data-testid', 'data-catalog'],
  });
  document.addEventListener('focusin', (event) => {
    const target = event.target;
    if (target instanceof HTMLElement && target.tagName === 'BUTTON' && target.textContent.trim() === 'Sign in') {
      record('focus:sign-in');
      if (typeof window.__benchSignInFocused === 'function') window.__benchSignInFocused();
    }
  }, true);
  // Every screen fades in (styles.css, screen-in): the end of that animation is "fully shown".
  document.addEventListener('animationend', (event) => {
    const target = event.target;
    if (target instanceof Element && target.classList.contains('screen')) {
      record('shown:' + (Array.from(target.classList).find((c) => c !== 'screen') || 'screen'));
    }
  }, true);
  window.addEventListener('keydown', (event) => record('key:' + event.key), true);
  // The state as GET /bridge/state answers it (the page's first state comes that way), read from a
  // clone so the app's own reading is untouched.
  const nativeFetch = window.fetch;
  if (nativeFetch) {
    window.fetch = function (input, init) {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const answer = nativeFetch.call(this, input, init);
      if (/\/bridge\/state$/.test(url)) {
        answer.then((response) => response.clone().json()).then(
          (body) => record('get:' + body.state),
          () => record('get:unreadable'),
        );
      }
      return answer;
    };
  }
  // State events as they arrive, before the app's own listener sees them.
  const Native = window.EventSource;
  if (Native) {
    window.EventSource = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('state', (event) => {
          try {
            record('sse:' + JSON.parse(event.data).state);
          } catch {
            record('sse:unreadable');
          }
        });
      }
    };
  }
})();`;

/**
 * The phone's instrumentation: a capture-phase click listener that stores the moment Allow is
 * tapped in sessionStorage (the form post then replaces the document; the success page, same
 * origin and same tab, reads it back).
 */
export const PHONE_PROBE = String.raw`(() => {
  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button') : null;
    if (!button || button.getAttribute('value') !== 'allow') return;
    const t = performance.now();
    sessionStorage.setItem('benchAllowAt', JSON.stringify({ epoch: performance.timeOrigin + t, wall: Date.now() }));
  }, true);
})();`;

/**
 * A new 1280x720 TV context (fresh cache and storage) with the probe installed and a blank page.
 * `onSignInFocused` is called (without waiting) each time the Welcome screen's Sign in gets focus.
 */
export async function newTvContext(
  browser: Browser,
  options: { onSignInFocused?: (tv: Page) => void } = {},
): Promise<{ context: BrowserContext; tv: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const { onSignInFocused } = options;
  if (onSignInFocused)
    await context.exposeBinding('__benchSignInFocused', ({ page }: { page: Page }) => onSignInFocused(page));
  await context.addInitScript({ content: TV_PROBE });
  const tv = await context.newPage();
  tv.setDefaultTimeout(20_000);
  return { context, tv };
}

/** A Pixel 7 phone context (touch, mobile viewport) with the Allow probe installed. */
export async function newPhoneContext(browser: Browser): Promise<{ context: BrowserContext; phone: Page }> {
  const { defaultBrowserType: _ignored, ...pixel } = devices['Pixel 7'];
  const context = await browser.newContext({ ...pixel, locale: 'en-US' });
  await context.addInitScript({ content: PHONE_PROBE });
  const phone = await context.newPage();
  phone.setDefaultTimeout(20_000);
  return { context, phone };
}

/** The TV page's log so far. */
export async function readLog(page: Page): Promise<ProbeEntry[]> {
  return (await page.evaluate('window.__bench ? window.__bench.log.slice() : []')) as ProbeEntry[];
}

/** Empties the TV page's log (between runs on one page). */
export async function clearLog(page: Page): Promise<void> {
  await page.evaluate('window.__bench && (window.__bench.log.length = 0)');
}

/** The first entry of `kind` (at or after `from`, in the page's performance.now()). */
export function first(
  log: readonly ProbeEntry[],
  kind: string,
  from = Number.NEGATIVE_INFINITY,
): ProbeEntry | undefined {
  return log.find((entry) => entry.kind === kind && entry.t >= from);
}

/** Rejects after `ms`, so that a stuck run is counted as failed instead of hanging the benchmark. */
export function bounded<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not finished within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` every `everyMs` until it returns a value, or throws after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined> | T | undefined,
  everyMs = 10,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** What GET /bridge/state tells about the device (the subset the benchmarks read). */
export interface BridgeView {
  state: string;
  code?: {
    userCode: string;
    verificationUri: string;
    verificationUriComplete?: string;
    issuedAt: number;
    interval: number;
  };
}

/** GET /bridge/state of the browser host. */
export async function bridgeState(origin: string): Promise<BridgeView> {
  const res = await fetch(`${origin}/bridge/state`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /bridge/state answered ${res.status}`);
  return (await res.json()) as BridgeView;
}

/** POSTs a bridge action (sign-in, cancel, sign-out) as the TV page would: same origin, JSON. */
export async function bridgePost(
  origin: string,
  action: 'sign-in' | 'cancel' | 'sign-out' | 'new-code',
): Promise<void> {
  const res = await fetch(`${origin}/bridge/${action}`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: '{}',
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new Error(`POST /bridge/${action} answered ${res.status}: ${await res.text()}`);
}

/** Waits until the device is in `state` (bridge), at most `timeoutMs`. */
export function waitForDeviceState(origin: string, state: string, timeoutMs = 20_000): Promise<BridgeView> {
  return waitUntil(
    `the device should reach ${state}`,
    timeoutMs,
    async () => {
      const view = await bridgeState(origin);
      return view.state === state ? view : undefined;
    },
    25,
  );
}

/** The name of the verification page on the phone (<body data-page>). */
async function phonePage(phone: Page): Promise<string> {
  return (await phone.locator('body').getAttribute('data-page', { timeout: 10_000 })) ?? 'none';
}

/** Taps a button that posts a form, and waits for the next document. */
async function tapAndLoad(phone: Page, button: string): Promise<void> {
  await Promise.all([
    phone.waitForEvent('domcontentloaded', { timeout: 20_000 }),
    phone.getByRole('button', { name: button, exact: true }).click({ timeout: 10_000 }),
  ]);
}

/**
 * On the phone: opens the verification URL and goes through enter-code, confirm and (the first
 * time) sign-in, stopping on the consent page, as a person would before deciding.
 */
export async function phoneToConsent(
  phone: Page,
  url: string,
  user: { email: string; password: string },
): Promise<void> {
  await phone.goto(url, { timeout: 20_000, waitUntil: 'domcontentloaded' });
  for (let step = 0; step < 6; step++) {
    const page = await phonePage(phone);
    switch (page) {
      case 'enter-code':
      case 'confirm':
        await tapAndLoad(phone, 'Continue');
        break;
      case 'login':
        await phone.getByLabel('Email').fill(user.email);
        await phone.getByLabel('Password').fill(user.password);
        await tapAndLoad(phone, 'Sign in');
        break;
      case 'consent':
        return;
      default:
        throw new Error(`the phone reached "${page}" instead of the consent page`);
    }
  }
  throw new Error('the phone did not reach the consent page within 6 pages');
}

/**
 * Taps Allow on the consent page and waits for the success page. Returns when Allow was tapped,
 * read in the phone page (epoch ms, see PHONE_PROBE), and Node's Date.now() just before the tap.
 */
export async function tapAllow(
  phone: Page,
): Promise<{ epoch: number; wall: number; nodeWallBefore: number }> {
  const nodeWallBefore = Date.now();
  await tapAndLoad(phone, 'Allow');
  const page = await phonePage(phone);
  if (page !== 'success') throw new Error(`after Allow the phone shows "${page}", not success`);
  const stored = (await phone.evaluate(
    `(() => { const v = sessionStorage.getItem('benchAllowAt'); sessionStorage.removeItem('benchAllowAt'); return v; })()`,
  )) as string | null;
  if (!stored) throw new Error('the phone page did not record the Allow tap');
  return { ...(JSON.parse(stored) as { epoch: number; wall: number }), nodeWallBefore };
}
