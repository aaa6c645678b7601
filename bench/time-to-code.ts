// `time-to-code`: from the TV page's navigation start to the QR code painted, with the browser host
// (`device-login web`, embedded server) in Chromium. Target: p95 at most 500 ms.
//
// What the TV does on /tv: it shows Welcome with "Sign in" focused, and asks for a code only when
// the viewer presses OK (RFC 8628 leaves the start to the user; neither the renderer nor the host
// has an option to sign in on load: the only query parameter, ?preview, is the design preview).
// So the honest measure is: navigation start -> Welcome with Sign in focused -> OK pressed at once
// -> the device authorization round trip -> QR painted. The press is made by this process as soon
// as the page reports the focus (a Playwright binding called from a focusin listener); its delay is
// reported as the harness's reaction, apart from the product's share.
//
// Method. Each run is a fresh navigation in a fresh browser context (empty cache and storage: a
// cold page) against a warm host and server (one warm-up run first, not counted). Every time is
// read inside the page with performance.now(), whose zero is the navigation start (bench/lib/
// browser.ts, TV_PROBE): "painted" is when the QR (role img, accessible name containing "QR") is in
// the DOM and the next animation frame containing it has been produced. Screens fade in (320 ms,
// styles.css screen-in), so the first frame shows the QR at nearly zero opacity; the end of the
// fade-in is reported too. The sign-in round trip is split with the page's own log: Enter -> the
// host's awaiting_user state event arriving -> QR painted.
//
// Baselines from the same run: the page's first contentful paint (what loading /tv costs before any
// of our logic), and the raw device authorization round trip (POST /device/auth to the embedded
// server from Node), so the table shows which share is ours. A second case (every run; every other
// run with --quick): the TV page opened while a code is already pending (a reload, or a TV that
// restarts mid-sign-in): the host resumes showing that code, with no press and no round trip. Between runs the code is cancelled through
// the bridge, so every run requests a new one. A run that does not finish within 20 s is counted as
// failed, not waited for. 40 runs (about 80 s); 20 with --quick (about 35 s).
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

interface SignInSample {
  /** Navigation start -> QR painted (the figure). */
  qrPainted: number;
  /** Navigation start -> the code screen's fade-in ended. */
  qrShown: number | undefined;
  paints: Paints;
  /** Navigation start -> Sign in focused on Welcome. */
  welcome: number;
  /** Sign in focused -> Enter keydown (this harness, not the product). */
  reaction: number;
  /** Enter -> QR painted. */
  signIn: number;
  /** Enter -> the awaiting_user state event reaching the page. */
  toCodeEvent: number | undefined;
  /** The awaiting_user state event -> QR painted. */
  render: number | undefined;
  /** POST /device/auth from Node, beside this run. */
  deviceAuthorization: number;
}

interface PendingSample {
  qrPainted: number;
  paints: Paints;
}

/** The browser's own milestones of the page load, from navigation start. */
interface Paints {
  /** First paint (the page's background). */
  fp: number | undefined;
  /** First contentful paint: often absent here, as every screen fades in from opacity 0. */
  fcp: number | undefined;
  /** The load event (HTML, CSS and the app's script fetched and run). */
  load: number | undefined;
}

async function paintsOf(page: Page): Promise<Paints> {
  const read = (await page.evaluate(`(() => {
    const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? null;
    const nav = performance.getEntriesByType('navigation')[0];
    return { fp: at('first-paint'), fcp: at('first-contentful-paint'), load: nav && nav.loadEventEnd > 0 ? nav.loadEventEnd : null };
  })()`)) as Record<keyof Paints, number | null>;
  return { fp: read.fp ?? undefined, fcp: read.fcp ?? undefined, load: read.load ?? undefined };
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

/** A cold TV page on Welcome: OK as soon as Sign in has focus; resolves once the QR is shown. */
async function signInRun(browser: Browser, web: WebChild): Promise<SignInSample> {
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
    // The fade-in ends 320 ms later; a missing one is reported as such, not waited for long.
    const shown = await logged(tv, 'shown:code', 3000).catch(() => undefined);
    const log = await readLog(tv);
    const focus = first(log, 'focus:sign-in');
    const enter = first(log, 'key:Enter');
    if (!focus || !enter) throw new Error('the TV showed a code without Sign in being pressed');
    const codeEvent = first(log, 'sse:awaiting_user', enter.t);
    return {
      qrPainted: painted.t,
      qrShown: shown?.t,
      paints: await paintsOf(tv),
      welcome: focus.t,
      reaction: enter.t - focus.t,
      signIn: painted.t - enter.t,
      toCodeEvent: codeEvent ? codeEvent.t - enter.t : undefined,
      render: codeEvent ? painted.t - codeEvent.t : undefined,
      deviceAuthorization: Number.NaN,
    };
  } finally {
    await context.close().catch(() => undefined);
  }
}

/** A cold TV page while a code is pending: the code comes back without a press. */
async function pendingRun(browser: Browser, web: WebChild): Promise<PendingSample> {
  const { context, tv } = await newTvContext(browser);
  try {
    await tv.goto(web.ready.url, { waitUntil: 'commit', timeout: RUN_TIMEOUT_MS });
    const painted = await logged(tv, 'painted:qr');
    if (first(await readLog(tv), 'key:Enter')) throw new Error('a key was pressed on a pending code');
    return { qrPainted: painted.t, paints: await paintsOf(tv) };
  } finally {
    await context.close().catch(() => undefined);
  }
}

/** Runs the time-to-code benchmark. */
export async function run(options: BenchOptions): Promise<BenchResult> {
  const runs = options.quick ? 20 : 40;
  // The pending-code case on every run, or on every other one with --quick (to keep it near 30 s).
  const pendingEvery = options.quick ? 2 : 1;
  const started = performance.now();
  const agent = keepAliveAgent(1);
  const web = await startWeb([]);
  let browser: Browser | undefined;
  const signIns: SignInSample[] = [];
  const pendings: PendingSample[] = [];
  const failures: string[] = [];
  try {
    const issuer = web.ready.issuer;
    if (!issuer) throw new Error('device-login web started no embedded server');
    const chromium = await launchChromium();
    browser = chromium;
    for (let i = -1; i < runs; i++) {
      try {
        await bounded(
          'a time-to-code run',
          RUN_TIMEOUT_MS * 2,
          (async () => {
            await toIdle(web);
            const sample = await signInRun(chromium, web);
            await waitForDeviceState(web.origin, 'awaiting_user');
            const pending = i % pendingEvery === 0 ? await pendingRun(chromium, web) : undefined;
            await toIdle(web);
            // The round trip the TV's press waits on, measured bare, beside each run.
            const t0 = performance.now();
            const answer = await requestDeviceCode(agent, issuer);
            if (answer.status !== 200) throw new Error(`POST /device/auth answered ${answer.status}`);
            sample.deviceAuthorization = answer.at - t0;
            // Run -1 warms the host, the server and Chromium up; it is not counted.
            if (i >= 0) {
              signIns.push(sample);
              if (pending) pendings.push(pending);
            }
          })(),
        );
      } catch (err) {
        if (i >= 0) failures.push(err instanceof Error ? err.message.split('\n')[0]! : String(err));
        await toIdle(web).catch(() => undefined);
      }
    }
  } finally {
    agent.destroy();
    await browser?.close().catch(() => undefined);
    await web.stop();
  }
  const seconds = (performance.now() - started) / 1000;

  const of = (values: Array<number | undefined>): Summary =>
    summarise(values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const total = of(signIns.map((s) => s.qrPainted));
  const shown = of(signIns.map((s) => s.qrShown));
  const fp = of(signIns.map((s) => s.paints.fp));
  const fcp = of(signIns.map((s) => s.paints.fcp));
  const load = of(signIns.map((s) => s.paints.load));
  const welcome = of(signIns.map((s) => s.welcome));
  const reaction = of(signIns.map((s) => s.reaction));
  const signIn = of(signIns.map((s) => s.signIn));
  const codeEvent = of(signIns.map((s) => s.toCodeEvent));
  const render = of(signIns.map((s) => s.render));
  const deviceAuth = of(signIns.map((s) => s.deviceAuthorization));
  const withoutReaction = of(signIns.map((s) => s.qrPainted - s.reaction));
  const pending = of(pendings.map((s) => s.qrPainted));
  const pendingLoad = of(pendings.map((s) => s.paints.load));
  const pair = (s: Summary): string => `${ms(s.p50Ms)} / ${ms(s.p95Ms)}`;
  const pass = total.runs > 0 && total.p95Ms <= TARGET_P95_MS;

  const rows: Row[] = [
    {
      figure: `navigation -> QR painted, OK pressed on focus: p50 / p95 (${total.runs} runs)`,
      value: pair(total),
      target: `p95 <= ${TARGET_P95_MS} ms`,
      pass,
    },
    { figure: '  the same without the harness reaction p50 / p95', value: pair(withoutReaction) },
    { figure: '  navigation -> code screen fully faded in p50 / p95', value: pair(shown) },
    { figure: 'page load: navigation -> Welcome, Sign in focused', value: pair(welcome) },
    { figure: '  baseline: navigation -> first paint (page background)', value: pair(fp) },
    { figure: '  baseline: navigation -> load event (HTML, CSS, script run)', value: pair(load) },
    {
      figure: `  first contentful paint (reported in ${fcp.runs} of ${signIns.length} runs)`,
      value: pair(fcp),
    },
    { figure: 'harness reaction: focus -> Enter keydown', value: pair(reaction) },
    { figure: 'sign-in: Enter -> QR painted', value: pair(signIn) },
    { figure: '  Enter -> awaiting_user state event at the page', value: pair(codeEvent) },
    { figure: '  baseline: POST /device/auth from Node (bare round trip)', value: pair(deviceAuth) },
    { figure: '  state event -> QR painted (render)', value: pair(render) },
    { figure: `code already pending: navigation -> QR painted (${pending.runs} runs)`, value: pair(pending) },
    { figure: '  baseline: its load event', value: pair(pendingLoad) },
    {
      figure: 'failed runs (bounded)',
      value: `${failures.length}${failures.length ? `: ${[...new Set(failures)].slice(0, 3).join('; ')}` : ''}`,
    },
    { figure: 'duration', value: `${seconds.toFixed(0)} s` },
  ];
  const brief = (s: Summary) => ({ p50Ms: s.p50Ms, p95Ms: s.p95Ms });
  return {
    title:
      'time to code (browser host in Chromium: TV navigation start -> QR code painted; fresh context per run, warm server)',
    rows,
    json: {
      timeToCode: {
        p50Ms: total.p50Ms,
        p95Ms: total.p95Ms,
        minMs: total.minMs,
        maxMs: total.maxMs,
        runs: total.runs,
        failed: failures.length,
        targetP95Ms: TARGET_P95_MS,
        targetMet: pass,
        withoutHarnessReaction: brief(withoutReaction),
        fullyShown: brief(shown),
        pageLoad: {
          welcomeFocused: brief(welcome),
          firstPaint: brief(fp),
          loadEvent: brief(load),
          firstContentfulPaint: { ...brief(fcp), reportedRuns: fcp.runs },
        },
        harnessReaction: brief(reaction),
        signIn: { enterToQr: brief(signIn), enterToCodeEvent: brief(codeEvent), render: brief(render) },
        deviceAuthorizationBare: brief(deviceAuth),
        pendingCode: { ...brief(pending), runs: pending.runs, loadEvent: brief(pendingLoad) },
        seconds: Math.round(seconds * 10) / 10,
      },
    },
  };
}
