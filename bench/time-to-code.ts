// `time-to-code`: from the TV page's navigation start to the QR code painted, with the browser host
// (`device-login web`, embedded server) in Chromium. Target: p95 at most 500 ms, for a page opened
// cold as well as a warm one.
//
// How the TV is started. RFC 8628 leaves the start to the user: on /tv the TV shows Welcome with
// "Sign in" focused and asks for a code when the viewer presses OK. A TV opened in order to sign in
// (a "Sign in" tile or deep link, or a host page that starts the TV for that) opens /tv/?signin:
// the page posts the sign-in while its script starts, and shows the code without a press. Both are
// measured:
// - deep link, the target figure: navigation start (of /tv/?signin) -> QR painted, on
//   (a) a cold page: a fresh browser context (empty cache and storage, a new renderer process);
//   (b) the first page after the host started: a new `device-login web` and its embedded server,
//       the page opened the moment the host printed its ready line (cold host, server and page);
//   (c) a warm page: the same tab opened again right after (a) (script in the HTTP cache);
// - Welcome + OK (a cold page): navigation -> Welcome with Sign in focused -> OK pressed at once ->
//   QR painted. The press is made by this process as soon as the page reports the focus (a
//   Playwright binding called from a focusin listener); its delay is reported as the harness's
//   reaction, apart from the product's share.
// - A code already pending (a reload, or a TV that restarts mid-sign-in), on a cold page: the host
//   resumes showing that code, with no press and no round trip.
//
// Method. Every time is read inside the page with performance.now(), whose zero is the navigation
// start (bench/lib/browser.ts, TV_PROBE): "painted" is when the QR (role img, accessible name
// containing "QR") is in the DOM and the next animation frame containing it has been produced.
// Screens fade in (320 ms, styles.css screen-in), so the first frame shows the QR at nearly zero
// opacity; the end of the fade-in is reported too. Where the time goes, per run, from the page's own
// log and its resource timing: the HTML received -> the app's script received -> React's first
// commit (the TV root in the DOM) -> the code at the page (the awaiting_user state, from GET
// /bridge/state or a state event) -> the code screen in the DOM -> QR painted. Baselines from the
// same run: the page's load event and first paint, and the raw device authorization round trip
// (POST /device/auth to the embedded server from Node). Between runs the code is cancelled through
// the bridge, so every run requests a new one, against a warm host (one warm-up run first, not
// counted), except (b). A run that does not finish within 20 s is counted as failed, not waited for.
// Runs: 30 deep-link cold pages (each followed by a warm one), 5 host starts, 20 Welcome + OK and
// 10 pending (about 2 minutes); with --quick 12, 2, 6 and 4 (about 45 s on a quiet machine).
import type { Browser, Page } from '@playwright/test';

import { keepAliveAgent, requestDeviceCode } from './lib/http-load.ts';
import {
  bounded,
  bridgePost,
  bridgeState,
  first,
  launchChromium,
  newTvContext,
  readLog,
  waitForDeviceState,
  waitUntil,
  type ProbeEntry,
} from './lib/browser.ts';
import { startWeb, type WebChild } from './lib/processes.ts';
import { ms, summarise, type Row, type Summary } from './lib/stats.ts';
import type { BenchOptions, BenchResult } from './types.ts';

const RUN_TIMEOUT_MS = 20_000;
const TARGET_P95_MS = 500;

/** The page's milestones of one run, ms from navigation start (undefined when not seen). */
interface Milestones {
  /** QR painted: the figure. */
  qrPainted: number;
  /** The code screen's fade-in ended. */
  qrShown: number | undefined;
  /** The HTML's last byte. */
  html: number | undefined;
  /** The app's script's last byte (index-*.js). */
  script: number | undefined;
  /** React's first commit: the TV root (data-testid="tv") in the DOM. */
  firstCommit: number | undefined;
  /** The awaiting_user state reaching the page (GET /bridge/state or a state event). */
  code: number | undefined;
  /** The code screen (the QR) in the DOM. */
  codeInDom: number | undefined;
  /** The load event. */
  load: number | undefined;
  /** First paint (the page's background). */
  firstPaint: number | undefined;
}

interface WelcomeSample extends Milestones {
  /** Sign in focused on Welcome. */
  welcome: number;
  /** Sign in focused -> Enter keydown (this harness, not the product). */
  reaction: number;
  /** Enter -> QR painted. */
  signIn: number;
  /** Enter -> the awaiting_user state event reaching the page. */
  toCodeEvent: number | undefined;
}

async function milestonesOf(page: Page, painted: ProbeEntry): Promise<Milestones> {
  const shown = await waitUntil('the code screen to fade in', 3000, async () => first(await readLog(page), 'shown:code'), 50).catch(
    () => undefined,
  );
  const log = await readLog(page);
  const read = (await page.evaluate(`(() => {
    const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? null;
    const nav = performance.getEntriesByType('navigation')[0];
    const script = performance.getEntriesByType('resource').find((r) => /\\/assets\\/index-[^/]*\\.js$/.test(r.name));
    return {
      html: nav ? nav.responseEnd : null,
      load: nav && nav.loadEventEnd > 0 ? nav.loadEventEnd : null,
      firstPaint: at('first-paint'),
      script: script ? script.responseEnd : null,
    };
  })()`)) as { html: number | null; load: number | null; firstPaint: number | null; script: number | null };
  const code = log.find((e) => e.kind === 'get:awaiting_user' || e.kind === 'sse:awaiting_user');
  return {
    qrPainted: painted.t,
    qrShown: shown?.t,
    html: read.html ?? undefined,
    script: read.script ?? undefined,
    firstCommit: log.find((e) => e.kind.startsWith('state:'))?.t,
    code: code?.t,
    codeInDom: first(log, 'dom:qr')?.t,
    load: read.load ?? undefined,
    firstPaint: read.firstPaint ?? undefined,
  };
}

/** Waits until the page's log has `kind`, polling gently (every 50 ms) so as not to load the page. */
function logged(page: Page, kind: string, timeoutMs = RUN_TIMEOUT_MS): Promise<ProbeEntry> {
  return waitUntil(`the TV should log ${kind}`, timeoutMs, async () => first(await readLog(page), kind), 50);
}

/** Cancels whatever code is pending and waits until the device is idle. */
async function toIdle(web: WebChild): Promise<void> {
  const view = await bridgeState(web.origin);
  if (view.state === 'signed_in') await bridgePost(web.origin, 'sign-out');
  else if (view.state !== 'idle') await bridgePost(web.origin, 'cancel');
  await waitForDeviceState(web.origin, 'idle');
}

const deepLink = (web: WebChild): string => `${web.ready.url}?signin`;

/**
 * The deep link on a cold page (fresh context) and then, when `warm` is given, on the same tab again
 * (after cancelling the code): [cold, warm].
 */
async function deepLinkRun(browser: Browser, web: WebChild, warm: boolean): Promise<[Milestones, Milestones | undefined]> {
  const { context, tv } = await newTvContext(browser);
  try {
    await tv.goto(deepLink(web), { waitUntil: 'commit', timeout: RUN_TIMEOUT_MS });
    const cold = await milestonesOf(tv, await logged(tv, 'painted:qr'));
    if (first(await readLog(tv), 'key:Enter')) throw new Error('a key was pressed on the deep link');
    if (!warm) return [cold, undefined];
    await toIdle(web);
    await waitUntil('the TV should show Welcome', 10_000, async () => first(await readLog(tv), 'state:idle'), 50);
    await tv.goto(deepLink(web), { waitUntil: 'commit', timeout: RUN_TIMEOUT_MS });
    return [cold, await milestonesOf(tv, await logged(tv, 'painted:qr'))];
  } finally {
    await context.close().catch(() => undefined);
  }
}

/** A cold TV page on Welcome: OK as soon as Sign in has focus; resolves once the QR is shown. */
async function welcomeRun(browser: Browser, web: WebChild): Promise<WelcomeSample> {
  let pressed = false;
  const { context, tv } = await newTvContext(browser, {
    onSignInFocused: (page) => {
      if (pressed) return;
      pressed = true;
      void page.keyboard.press('Enter').catch(() => undefined);
    },
  });
  try {
    await tv.goto(web.ready.url, { waitUntil: 'commit', timeout: RUN_TIMEOUT_MS });
    const painted = await logged(tv, 'painted:qr');
    const milestones = await milestonesOf(tv, painted);
    const log = await readLog(tv);
    const focus = first(log, 'focus:sign-in');
    const enter = first(log, 'key:Enter');
    if (!focus || !enter) throw new Error('the TV showed a code without Sign in being pressed');
    const codeEvent = first(log, 'sse:awaiting_user', enter.t);
    return {
      ...milestones,
      welcome: focus.t,
      reaction: enter.t - focus.t,
      signIn: painted.t - enter.t,
      toCodeEvent: codeEvent ? codeEvent.t - enter.t : undefined,
    };
  } finally {
    await context.close().catch(() => undefined);
  }
}

/** A cold TV page (plain /tv) while a code is pending: the code comes back without a press. */
async function pendingRun(browser: Browser, web: WebChild): Promise<Milestones> {
  const { context, tv } = await newTvContext(browser);
  try {
    await tv.goto(web.ready.url, { waitUntil: 'commit', timeout: RUN_TIMEOUT_MS });
    const painted = await logged(tv, 'painted:qr');
    if (first(await readLog(tv), 'key:Enter')) throw new Error('a key was pressed on a pending code');
    return await milestonesOf(tv, painted);
  } finally {
    await context.close().catch(() => undefined);
  }
}

/** Runs the time-to-code benchmark. */
export async function run(options: BenchOptions): Promise<BenchResult> {
  const deepRuns = options.quick ? 12 : 30;
  const hostStarts = options.quick ? 2 : 5;
  const welcomeRuns = options.quick ? 6 : 20;
  const pendingRuns = options.quick ? 4 : 10;
  const started = performance.now();
  const agent = keepAliveAgent(1);
  let browser: Browser | undefined;
  let web: WebChild | undefined;
  const cold: Milestones[] = [];
  const warm: Milestones[] = [];
  const firstAfterStart: Milestones[] = [];
  const welcomes: WelcomeSample[] = [];
  const pendings: Milestones[] = [];
  const deviceAuth: number[] = [];
  const failures: string[] = [];
  const attempt = async (what: string, counted: boolean, work: () => Promise<void>): Promise<void> => {
    try {
      await bounded(what, RUN_TIMEOUT_MS * 2, work());
    } catch (err) {
      if (counted) failures.push(`${what}: ${err instanceof Error ? err.message.split('\n')[0]! : String(err)}`);
      if (web) await toIdle(web).catch(() => undefined);
    }
  };
  try {
    const chromium = await launchChromium();
    browser = chromium;
    // (b) The first page after the host starts: a new host each time (the last one stays for the rest).
    for (let i = 0; i < hostStarts; i++) {
      await web?.stop();
      web = undefined;
      const fresh = await startWeb([]);
      web = fresh;
      await attempt('the first page after the host started', true, async () => {
        firstAfterStart.push((await deepLinkRun(chromium, fresh, false))[0]);
      });
    }
    const host = web!;
    const issuer = host.ready.issuer;
    if (!issuer) throw new Error('device-login web started no embedded server');
    // The cases interleaved, so that a busy moment of the machine does not fall on one case only.
    const plan: Array<'deep' | 'welcome' | 'pending'> = [];
    for (let i = 0; i < deepRuns; i++) {
      plan.push('deep');
      if (i % Math.ceil(deepRuns / welcomeRuns) === 0) plan.push('welcome');
      if (i % Math.ceil(deepRuns / pendingRuns) === 0) plan.push('pending');
    }
    for (const [i, step] of ['warm-up' as const, ...plan].entries()) {
      await attempt(`a ${step} run`, i > 0, async () => {
        await toIdle(host);
        if (step === 'deep' || step === 'warm-up') {
          const [c, w] = await deepLinkRun(chromium, host, step === 'deep');
          if (step === 'deep') {
            cold.push(c);
            if (w) warm.push(w);
          }
        } else if (step === 'welcome') {
          welcomes.push(await welcomeRun(chromium, host));
        } else {
          await bridgePost(host.origin, 'sign-in');
          await waitForDeviceState(host.origin, 'awaiting_user');
          pendings.push(await pendingRun(chromium, host));
        }
        await toIdle(host);
        // The round trip the TV waits on, measured bare, beside each run.
        const t0 = performance.now();
        const answer = await requestDeviceCode(agent, issuer);
        if (answer.status !== 200) throw new Error(`POST /device/auth answered ${answer.status}`);
        if (i > 0) deviceAuth.push(answer.at - t0);
      });
    }
  } finally {
    agent.destroy();
    await browser?.close().catch(() => undefined);
    await web?.stop();
  }
  const seconds = (performance.now() - started) / 1000;

  const of = (values: Array<number | undefined>): Summary =>
    summarise(values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const pair = (s: Summary): string => `${ms(s.p50Ms)} / ${ms(s.p95Ms)}`;
  const met = (s: Summary): boolean => s.runs > 0 && s.p95Ms <= TARGET_P95_MS;
  const total = (list: Milestones[]): Summary => of(list.map((m) => m.qrPainted));
  const coldTotal = total(cold);
  const warmTotal = total(warm);
  const startTotal = total(firstAfterStart);
  const welcomeTotal = total(welcomes);
  const pendingTotal = total(pendings);
  const target = `p95 <= ${TARGET_P95_MS} ms`;

  /** Where the time went: the share of each step, p50 / p95 over the runs. */
  const breakdown = (list: Milestones[]) => {
    const step = (to: (m: Milestones) => number | undefined, from: (m: Milestones) => number | undefined): Summary =>
      of(list.map((m) => {
        const a = from(m);
        const b = to(m);
        return a === undefined || b === undefined ? undefined : b - a;
      }));
    return {
      html: of(list.map((m) => m.html)),
      script: step((m) => m.script, (m) => m.html),
      firstCommit: step((m) => m.firstCommit, (m) => m.script),
      code: step((m) => m.code, (m) => m.firstCommit),
      codeInDom: step((m) => m.codeInDom, (m) => m.code),
      painted: step((m) => m.qrPainted, (m) => m.codeInDom),
      load: of(list.map((m) => m.load)),
      firstPaint: of(list.map((m) => m.firstPaint)),
      shown: of(list.map((m) => m.qrShown)),
    };
  };
  const coldSteps = breakdown(cold);
  const reaction = of(welcomes.map((s) => s.reaction));

  const rows: Row[] = [
    {
      figure: `deep link /tv/?signin, cold page (fresh context): navigation -> QR painted p50 / p95 (${coldTotal.runs} runs)`,
      value: pair(coldTotal),
      target,
      pass: met(coldTotal),
    },
    {
      figure: `deep link, the first page after the host started (${startTotal.runs} host starts)`,
      value: pair(startTotal),
      target,
      pass: met(startTotal),
    },
    {
      figure: `deep link, warm page (the same tab again, ${warmTotal.runs} runs)`,
      value: pair(warmTotal),
      target,
      pass: met(warmTotal),
    },
    { figure: 'cold page, where the time goes (p50 / p95 of each step):', value: '' },
    { figure: '  navigation -> HTML received', value: pair(coldSteps.html) },
    { figure: '  -> the app script received', value: pair(coldSteps.script) },
    { figure: '  -> React first commit (script run, first render)', value: pair(coldSteps.firstCommit) },
    { figure: '  -> the code at the page (awaiting_user)', value: pair(coldSteps.code) },
    { figure: '  -> code screen in the DOM (its render)', value: pair(coldSteps.codeInDom) },
    { figure: '  -> QR painted (style, layout, paint of that frame)', value: pair(coldSteps.painted) },
    { figure: '  baseline: load event / first paint (p50)', value: `${ms(coldSteps.load.p50Ms)} / ${ms(coldSteps.firstPaint.p50Ms)}` },
    { figure: '  navigation -> code screen fully faded in', value: pair(coldSteps.shown) },
    {
      figure: `Welcome + OK, cold page: navigation -> QR painted (${welcomeTotal.runs} runs)`,
      value: pair(welcomeTotal),
      target,
      pass: met(welcomeTotal),
    },
    { figure: '  the same without the harness reaction', value: pair(of(welcomes.map((s) => s.qrPainted - s.reaction))) },
    { figure: '  navigation -> Welcome, Sign in focused', value: pair(of(welcomes.map((s) => s.welcome))) },
    { figure: '  harness reaction: focus -> Enter keydown', value: pair(reaction) },
    { figure: '  Enter -> awaiting_user state event at the page', value: pair(of(welcomes.map((s) => s.toCodeEvent))) },
    {
      figure: '  state event -> QR painted (render)',
      value: pair(of(welcomes.map((s) => (s.toCodeEvent === undefined ? undefined : s.signIn - s.toCodeEvent)))),
    },
    {
      figure: `code already pending, cold page: navigation -> QR painted (${pendingTotal.runs} runs)`,
      value: pair(pendingTotal),
      target,
      pass: met(pendingTotal),
    },
    { figure: 'baseline: POST /device/auth from Node (bare round trip)', value: pair(of(deviceAuth)) },
    {
      figure: 'failed runs (bounded)',
      value: `${failures.length}${failures.length ? `: ${[...new Set(failures)].slice(0, 3).join('; ')}` : ''}`,
    },
    { figure: 'duration', value: `${seconds.toFixed(0)} s` },
  ];
  const brief = (s: Summary) => ({ p50Ms: s.p50Ms, p95Ms: s.p95Ms });
  const caseJson = (s: Summary) => ({ ...brief(s), runs: s.runs, targetMet: met(s) });
  return {
    title: 'time to code (browser host in Chromium: TV navigation start -> QR code painted)',
    rows,
    json: {
      timeToCode: {
        // The target figure: the deep link on a cold page.
        p50Ms: coldTotal.p50Ms,
        p95Ms: coldTotal.p95Ms,
        minMs: coldTotal.minMs,
        maxMs: coldTotal.maxMs,
        runs: coldTotal.runs,
        failed: failures.length,
        targetP95Ms: TARGET_P95_MS,
        targetMet: met(coldTotal) && met(startTotal) && met(warmTotal),
        firstAfterHostStart: caseJson(startTotal),
        warmPage: caseJson(warmTotal),
        coldBreakdown: Object.fromEntries(Object.entries(coldSteps).map(([k, v]) => [k, brief(v)])),
        welcomeAndOk: {
          ...caseJson(welcomeTotal),
          welcomeFocused: brief(of(welcomes.map((s) => s.welcome))),
          harnessReaction: brief(reaction),
          enterToQr: brief(of(welcomes.map((s) => s.signIn))),
        },
        pendingCode: caseJson(pendingTotal),
        deviceAuthorizationBare: brief(of(deviceAuth)),
        seconds: Math.round(seconds * 10) / 10,
      },
    },
  };
}
