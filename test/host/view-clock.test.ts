// The time left on the TV's code, as the renderer computes it from what the host sends: after a page
// reload, after the event stream reconnects, and after the host restarts with a pending code. The
// host's clock is a manual one; the TV's clock runs five minutes fast, as a TV without NTP may.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceLoginError } from '../../core/errors.ts';
import type { Clock, HttpClient, Logger, TokenStore } from '../../core/ports.ts';
import { startBrowserHost, type RunningBrowserHost } from '../../host/browser-host.ts';
import type { ViewState } from '../../host/contract.ts';
import { DeviceController } from '../../host/device-controller.ts';
import { clockOffsetMs, fractionLeft, remainingMs } from '../../renderer/src/logic/countdown.ts';
import { memoryStore } from '../fixtures/memory-store.ts';

const MINUTE = 60_000;
const ISSUED = 1_700_000_000_000;
const TV_CLOCK_AHEAD = 5 * MINUTE;
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A host clock that moves only when told; its timers never fire (no poll is needed here). */
function manualClock(): Clock & { t: number } {
  const clock = {
    t: ISSUED,
    now: () => clock.t,
    sleep: (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(new DeviceLoginError('aborted', 'Cancelled.')), { once: true });
      }),
  };
  return clock;
}

/** A provider that issues a ten-minute code and answers every poll authorization_pending. */
const provider: HttpClient = {
  async request(req) {
    if (req.url.endsWith('/device'))
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ device_code: 'dc', user_code: 'WDJBMJHT', verification_uri: 'https://idp.example/device', expires_in: 600, interval: 5 }),
      };
    return { status: 400, headers: { 'content-type': 'application/json' }, body: '{"error":"authorization_pending"}' };
  },
};

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const each of open.splice(0).reverse()) await each.close();
});

async function controllerOn(clock: Clock, store: TokenStore): Promise<DeviceController> {
  const controller = await DeviceController.create({
    endpoints: { deviceAuthorizationEndpoint: 'https://idp.example/device', tokenEndpoint: 'https://idp.example/token' },
    displayName: 'idp.example',
    client: { clientId: 'tv' },
    ports: { http: provider, clock, store, logger: quiet },
  });
  open.push(controller);
  return controller;
}

async function showingCode(controller: DeviceController): Promise<void> {
  controller.signIn();
  for (let i = 0; i < 50 && controller.getState().state !== 'awaiting_user'; i++) await new Promise((r) => setTimeout(r, 1));
  expect(controller.getState().state).toBe('awaiting_user');
}

/** What the TV shows for a message it received when its own clock said `tvNow`. */
function tvCountdown(view: ViewState, tvNow: number) {
  const offsetMs = clockOffsetMs(view.hostNow, tvNow);
  return { remaining: remainingMs(view.code!, tvNow, offsetMs), fraction: fractionLeft(view.code!, tvNow, offsetMs) };
}

/** The first `event: state` frame of the browser host's event stream. */
async function firstStreamedState(host: RunningBrowserHost): Promise<ViewState> {
  const res = await fetch(new URL('/bridge/events', host.origin));
  const reader = res.body!.getReader();
  let text = '';
  try {
    while (!/event: state\ndata: .*\n\n/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
  } finally {
    await reader.cancel();
  }
  return JSON.parse(/event: state\ndata: (.*)\n\n/.exec(text)![1]!) as ViewState;
}

describe('the countdown on the TV is right whenever the view arrives', () => {
  it('a page reloaded 8 minutes into a 10-minute code shows 2 minutes left, and the one-minute warning is due in one', async () => {
    const clock = manualClock();
    const controller = await controllerOn(clock, memoryStore());
    await showingCode(controller);
    clock.t = ISSUED + 8 * MINUTE;
    const reloaded = controller.getState();
    expect(reloaded.hostNow).toBe(ISSUED + 8 * MINUTE);
    const shown = tvCountdown(reloaded, clock.t + TV_CLOCK_AHEAD);
    expect(shown.remaining).toBe(2 * MINUTE);
    expect(shown.fraction).toBeCloseTo(0.2);
    // The screen speaks its one-minute warning when remaining - 60 s has passed.
    expect(shown.remaining - MINUTE).toBe(MINUTE);
  });

  it('the event stream, reconnected 8 minutes in, and every later push, carry the host clock at sending', async () => {
    const clock = manualClock();
    const controller = await controllerOn(clock, memoryStore());
    const host = await startBrowserHost({
      controller,
      rendererDir: join(import.meta.dirname, 'no-renderer'),
      hostPageDir: join(import.meta.dirname, '..', '..', 'host', 'page'),
      phoneCanEmbed: false,
      port: 0,
      logger: quiet,
    });
    open.push(host);
    await showingCode(controller);
    clock.t = ISSUED + 8 * MINUTE;
    const reconnected = await firstStreamedState(host);
    expect(reconnected.hostNow).toBe(ISSUED + 8 * MINUTE);
    expect(tvCountdown(reconnected, clock.t + TV_CLOCK_AHEAD).remaining).toBe(2 * MINUTE);

    // A push (here a language change) is stamped when it is sent, not when the code was shown.
    const pushed: ViewState[] = [];
    controller.onState((view) => void pushed.push(view));
    clock.t = ISSUED + 9 * MINUTE;
    controller.setLanguage('zh-TW');
    expect(pushed.at(-1)?.hostNow).toBe(ISSUED + 9 * MINUTE);
    expect(tvCountdown(pushed.at(-1)!, clock.t + TV_CLOCK_AHEAD).remaining).toBe(MINUTE);
  });

  it('a host restarted 8 minutes into a pending code shows 2 minutes left and a ring one fifth full', async () => {
    const store = memoryStore();
    const before = manualClock();
    await showingCode(await controllerOn(before, store));
    for (const each of open.splice(0)) await each.close();
    expect([...store.data.values()][0]?.pending?.issuedAt).toBe(ISSUED);

    const after = manualClock();
    after.t = ISSUED + 8 * MINUTE;
    const restarted = await controllerOn(after, store);
    const view = restarted.getState();
    expect(view.state).toBe('awaiting_user');
    expect(view.code).toMatchObject({ issuedAt: ISSUED, expiresAt: ISSUED + 10 * MINUTE });
    const shown = tvCountdown(view, after.t + TV_CLOCK_AHEAD);
    expect(shown.remaining).toBe(2 * MINUTE);
    expect(shown.fraction).toBeCloseTo(0.2);
  });
});
