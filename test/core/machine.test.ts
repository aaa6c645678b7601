import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, slowedInterval } from '../../core/backoff.ts';
import { DeviceLoginError } from '../../core/errors.ts';
import {
  initialState,
  isSettled,
  snapshotOf,
  transition,
  type Effect,
  type MachineConfig,
  type MachineEvent,
  type MachineState,
} from '../../core/machine.ts';
import type { DeviceAuthorization, PollOutcome, TokenSet } from '../../core/types.ts';

const T0 = 1_700_000_000_000;
const TEN_MINUTES = 600_000;

function authorization(overrides: Partial<DeviceAuthorization> = {}): DeviceAuthorization {
  return {
    deviceCode: 'device-code-secret-1',
    userCode: 'WDJB-MJHT',
    verificationUri: 'https://idp.example/device',
    verificationUriComplete: 'https://idp.example/device?user_code=WDJB-MJHT',
    expiresAt: T0 + TEN_MINUTES,
    interval: 5,
    issuedAt: T0,
    ...overrides,
  };
}

const TOKENS: TokenSet = {
  accessToken: 'access-token-secret',
  tokenType: 'Bearer',
  expiresAt: T0 + 3_600_000,
  refreshToken: 'refresh-token-secret',
};

const err = (code: string, message = `${code} happened`) => new DeviceLoginError(code, message);

/** Applies events in order; returns the final state and every effect, in order. */
function reduce(state: MachineState, events: MachineEvent[]): { state: MachineState; effects: Effect[] } {
  const effects: Effect[] = [];
  for (const event of events) {
    const result = transition(state, event);
    state = result.state;
    effects.push(...result.effects);
  }
  return { state, effects };
}

/** A flow that shows a code, requested at T0 with the given authorization and config. */
function awaiting(
  auth: Partial<DeviceAuthorization> = {},
  config: Partial<MachineConfig> = {},
): MachineState {
  return reduce(initialState(config), [
    { type: 'sign_in', now: T0 },
    { type: 'authorization_received', flowId: 1, now: T0, authorization: authorization(auth) },
  ]).state;
}

/** A flow with a poll in flight that went out at `now`. */
function polling(
  now: number,
  auth: Partial<DeviceAuthorization> = {},
  config: Partial<MachineConfig> = {},
): MachineState {
  const state = awaiting(auth, config);
  const result = transition(state, { type: 'poll_due', now });
  expect(result.state.pollInFlight).toBe(true);
  return result.state;
}

function outcome(state: MachineState, now: number, o: PollOutcome, jitter = 0.5) {
  return transition(state, { type: 'poll_outcome', flowId: state.flowId, now, outcome: o, jitter });
}

function scheduledAt(effects: Effect[]): number | undefined {
  const found = effects.filter((e) => e.type === 'schedule_poll');
  return found.length ? (found[found.length - 1] as { atMs: number }).atMs : undefined;
}

function signedIn(): MachineState {
  const state = polling(T0 + 5_000);
  return reduce(state, [
    { type: 'poll_outcome', flowId: 1, now: T0 + 6_000, outcome: { kind: 'tokens', tokens: TOKENS } },
    { type: 'profile_loaded', flowId: 1, profile: { sub: 'u1', name: 'Ada' } },
  ]).state;
}

describe('starting a flow', () => {
  it.each([
    ['idle', initialState(), 'requesting'],
    [
      'denied',
      reduce(polling(T0 + 5_000), [
        {
          type: 'poll_outcome',
          flowId: 1,
          now: T0 + 6_000,
          outcome: { kind: 'denied', error: err('access_denied') },
        },
      ]).state,
      'requesting',
    ],
    [
      'error',
      reduce(initialState(), [
        { type: 'sign_in', now: T0 },
        { type: 'authorization_failed', flowId: 1, error: err('invalid_client') },
      ]).state,
      'requesting',
    ],
    ['awaiting_user', awaiting(), 'awaiting_user'],
    ['signed_in', signedIn(), 'signed_in'],
  ])('sign_in from %s leads to $2', (_name, from, to) => {
    const result = transition(from, { type: 'sign_in', now: T0 });
    expect(result.state.flow).toBe(to);
    if (to === 'requesting') {
      expect(result.effects).toEqual([
        { type: 'abort' },
        { type: 'request_authorization', flowId: from.flowId + 1 },
      ]);
    } else {
      expect(result.effects).toEqual([]);
    }
  });

  it('a received code shows it, persists the pending flow, and schedules the first poll one interval later', () => {
    const result = reduce(initialState(), [
      { type: 'sign_in', now: T0 },
      { type: 'authorization_received', flowId: 1, now: T0, authorization: authorization({ interval: 5 }) },
    ]);
    expect(result.state.flow).toBe('awaiting_user');
    expect(result.state.network).toBe('online');
    expect(result.effects).toContainEqual({
      type: 'persist',
      value: { version: 1, pending: authorization() },
    });
    expect(scheduledAt(result.effects)).toBe(T0 + 5_000);
    expect(snapshotOf(result.state)).toMatchObject({
      state: 'awaiting_user',
      userCode: 'WDJB-MJHT',
      interval: 5,
      network: 'online',
    });
  });

  it('a failed device authorization request ends in the error state with its message', () => {
    const { state } = reduce(initialState(), [
      { type: 'sign_in', now: T0 },
      {
        type: 'authorization_failed',
        flowId: 1,
        error: err('invalid_client', 'The provider does not know this client id.'),
      },
    ]);
    expect(state.flow).toBe('error');
    expect(snapshotOf(state).error).toEqual({
      code: 'invalid_client',
      message: 'The provider does not know this client id.',
    });
    expect(isSettled(state)).toBe(true);
  });
});

describe('poll timing (RFC 8628 §3.5)', () => {
  it.each([
    ['before the interval has passed', T0 + 4_999, false],
    ['exactly when the interval has passed', T0 + 5_000, true],
    ['after the interval has passed', T0 + 7_000, true],
  ])('poll_due %s polls: $2', (_name, now, polls) => {
    const result = transition(awaiting(), { type: 'poll_due', now });
    expect(result.effects.some((e) => e.type === 'poll')).toBe(polls);
    if (!polls) expect(scheduledAt(result.effects)).toBe(T0 + 5_000);
  });

  it('a wall clock that jumps back while waiting does not stall polling: the timer has run, so the poll goes out', () => {
    const state = awaiting();
    const jumpedBack = transition(state, { type: 'poll_due', now: T0 - 3_600_000 });
    expect(jumpedBack.effects.some((e) => e.type === 'poll')).toBe(true);
    // A timer that fires a little early, on a clock that did not jump, still waits for the interval.
    const early = transition(state, { type: 'poll_due', now: T0 + 4_998 });
    expect(early.effects).toEqual([{ type: 'schedule_poll', atMs: T0 + 5_000 }]);
  });

  it('never two polls in flight for one device code: poll_due while a poll is in flight does nothing', () => {
    const inFlight = polling(T0 + 5_000);
    for (const now of [T0 + 5_001, T0 + 10_000, T0 + 60_000]) {
      const result = transition(inFlight, { type: 'poll_due', now });
      expect(result.effects).toEqual([]);
      expect(result.state).toBe(inFlight);
    }
  });

  it('a held poll never asks to be held past the expiry of the code', () => {
    const { effects } = reduce(initialState({ longPollSeconds: 25 }), [
      { type: 'sign_in', now: T0 },
      { type: 'authorization_received', flowId: 1, now: T0 + 5_000, authorization: authorization({ expiresAt: T0 + 15_000, longPollMaxWait: 30 }) },
    ]);
    expect(effects.filter((e) => e.type === 'poll')).toEqual([
      { type: 'poll', flowId: 1, deviceCode: 'device-code-secret-1', waitSeconds: 10 },
    ]);
  });

  it.each([
    // The poll went out at T0 + 5 s and was answered at T0 + 20 s: held longer than the interval.
    [
      'authorization_pending after a poll the server held past the interval polls again at once',
      { kind: 'pending', held: true },
      5,
      T0 + 20_000,
    ],
    [
      'authorization_pending after a held poll still honours Retry-After',
      { kind: 'pending', held: true, retryAfterMs: 2_000 },
      5,
      T0 + 22_000,
    ],
    [
      'authorization_pending that was only slow (not held by the server) waits the interval after the answer',
      { kind: 'pending' },
      5,
      T0 + 25_000,
    ],
    [
      'authorization_pending with a shorter Retry-After still waits the interval',
      { kind: 'pending', retryAfterMs: 2_000 },
      5,
      T0 + 25_000,
    ],
    [
      'Retry-After longer than the interval delays the next poll',
      { kind: 'pending', retryAfterMs: 12_000 },
      5,
      T0 + 32_000,
    ],
    ['slow_down adds five seconds to the interval', { kind: 'slow_down' }, 10, T0 + 30_000],
    [
      'slow_down takes the server interval when it is larger',
      { kind: 'slow_down', interval: 30 },
      30,
      T0 + 50_000,
    ],
    [
      'slow_down ignores a server interval smaller than interval + 5',
      { kind: 'slow_down', interval: 7 },
      10,
      T0 + 30_000,
    ],
    [
      'slow_down with Retry-After waits for the later of both',
      { kind: 'slow_down', retryAfterMs: 40_000 },
      10,
      T0 + 60_000,
    ],
  ] as Array<[string, PollOutcome, number, number]>)('%s', (_name, o, interval, nextAt) => {
    const state = polling(T0 + 5_000);
    const result = outcome(state, T0 + 20_000, o);
    expect(result.state.flow).toBe('awaiting_user');
    expect(result.state.authorization?.interval).toBe(interval);
    expect(scheduledAt(result.effects)).toBe(nextAt);
    // (A poll due at once has no earlier moment after the answer to check.)
    if (nextAt > T0 + 20_000) {
      expect(
        transition(result.state, { type: 'poll_due', now: nextAt - 1 }).effects.some((e) => e.type === 'poll'),
      ).toBe(false);
    }
    expect(
      transition(result.state, { type: 'poll_due', now: nextAt }).effects.some((e) => e.type === 'poll'),
    ).toBe(true);
  });

  it('slow_down adds five seconds to every later poll, not just the next one', () => {
    let state = polling(T0 + 5_000);
    let now = T0 + 5_000;
    const intervals: number[] = [];
    const kinds: PollOutcome[] = [
      { kind: 'slow_down' },
      { kind: 'pending' },
      { kind: 'slow_down' },
      { kind: 'pending' },
      { kind: 'pending' },
    ];
    for (const o of kinds) {
      const result = outcome(state, now, o);
      const at = scheduledAt(result.effects)!;
      intervals.push((at - now) / 1000);
      now = at;
      state = transition(result.state, { type: 'poll_due', now }).state;
      expect(state.pollInFlight).toBe(true);
    }
    expect(intervals).toEqual([10, 10, 15, 15, 15]);
  });

  it('a slowed interval is persisted with the pending flow so that a restart keeps it', () => {
    const result = outcome(polling(T0 + 5_000), T0 + 6_000, { kind: 'slow_down' });
    expect(result.effects).toContainEqual({
      type: 'persist',
      value: { version: 1, pending: authorization({ interval: 10 }) },
    });
  });

  it('slowedInterval is the larger of interval + 5 and the server interval', () => {
    expect([slowedInterval(5), slowedInterval(5, 8), slowedInterval(5, 11), slowedInterval(12)]).toEqual([
      10, 10, 11, 17,
    ]);
  });
});

describe('poll timing after quick answers', () => {
  it.each([
    ['answered at once', T0 + 5_300, T0 + 10_300],
    ['held, but answered before the interval is over', T0 + 9_999, T0 + 14_999],
  ])('authorization_pending %s waits a whole interval after the answer', (_name, answeredAt, nextAt) => {
    const result = outcome(polling(T0 + 5_000), answeredAt, { kind: 'pending', held: true });
    expect(scheduledAt(result.effects)).toBe(nextAt);
  });

  it('a poll held exactly one interval polls again at once; slow_down and retries never do', () => {
    expect(scheduledAt(outcome(polling(T0 + 5_000), T0 + 10_000, { kind: 'pending', held: true }).effects)).toBe(T0 + 10_000);
    expect(scheduledAt(outcome(polling(T0 + 5_000), T0 + 20_000, { kind: 'slow_down' }).effects)).toBe(T0 + 30_000);
    const retried = outcome(polling(T0 + 5_000), T0 + 20_000, { kind: 'retry', error: err('timeout') });
    expect(scheduledAt(retried.effects)).toBeGreaterThanOrEqual(T0 + 25_000);
  });
});

describe('end of a flow', () => {
  it('access_denied stops polling in the denied state and forgets the pending code', () => {
    const result = outcome(polling(T0 + 5_000), T0 + 6_000, {
      kind: 'denied',
      error: err('access_denied', 'You declined.'),
    });
    expect(result.state.flow).toBe('denied');
    expect(result.effects).toEqual([{ type: 'clear_store' }]);
    expect(snapshotOf(result.state)).toEqual({
      state: 'denied',
      error: { code: 'access_denied', message: 'You declined.' },
    });
    expect(transition(result.state, { type: 'poll_due', now: T0 + 60_000 }).effects).toEqual([]);
  });

  it('a fatal outcome ends in the error state with its message', () => {
    const result = outcome(polling(T0 + 5_000), T0 + 6_000, {
      kind: 'fatal',
      error: err('invalid_client', 'Unknown client.'),
    });
    expect(result.state.flow).toBe('error');
    expect(snapshotOf(result.state).error).toEqual({ code: 'invalid_client', message: 'Unknown client.' });
    expect(result.effects).toEqual([{ type: 'clear_store' }]);
  });

  it('tokens load the profile first, persisting the tokens at once, then sign in', () => {
    const got = outcome(polling(T0 + 5_000), T0 + 6_000, { kind: 'tokens', tokens: TOKENS });
    expect(got.state.flow).toBe('awaiting_user');
    expect(got.effects).toEqual([
      { type: 'persist', value: { version: 1, tokens: TOKENS } },
      { type: 'load_profile', flowId: 1, tokens: TOKENS },
    ]);
    const done = transition(got.state, {
      type: 'profile_loaded',
      flowId: 1,
      profile: { sub: 'u1', email: 'a@example.com' },
    });
    expect(done.state.flow).toBe('signed_in');
    expect(done.effects).toEqual([
      {
        type: 'persist',
        value: { version: 1, tokens: TOKENS, profile: { sub: 'u1', email: 'a@example.com' } },
      },
    ]);
    expect(snapshotOf(done.state)).toEqual({
      state: 'signed_in',
      profile: { sub: 'u1', email: 'a@example.com' },
      tokenExpiresAt: TOKENS.expiresAt,
    });
  });

  it('a profile that cannot be loaded still signs in with the tokens, with the profile_unavailable notice', () => {
    const got = outcome(polling(T0 + 5_000), T0 + 6_000, { kind: 'tokens', tokens: TOKENS });
    const done = transition(got.state, { type: 'profile_loaded', flowId: 1, failed: true });
    expect(done.state.flow).toBe('signed_in');
    expect(done.state.tokens).toEqual(TOKENS);
    expect(snapshotOf(done.state).notice).toBe('profile_unavailable');
    expect(snapshotOf(done.state).message).toBeUndefined();
  });
});

describe('the code on screen', () => {
  it('carries its display form from the one formatter: a 9-character code reads ABC-DEF-GHI', () => {
    const state = awaiting({ userCode: 'ABCDEFGHI' });
    expect(snapshotOf(state)).toMatchObject({ userCode: 'ABCDEFGHI', displayCode: 'ABC-DEF-GHI' });
  });

  it('a code without an issue time is stamped when it arrives, so every screen counts down from the same moment', () => {
    const state = reduce(initialState(), [
      { type: 'sign_in', now: T0 },
      { type: 'authorization_received', flowId: 1, now: T0 + 700, authorization: authorization({ issuedAt: undefined }) },
    ]).state;
    expect(snapshotOf(state).issuedAt).toBe(T0 + 700);
  });

  it('a code that replaced an expired one by itself says when; a code the viewer asked for does not', () => {
    const expiredAt = T0 + 6_000;
    const renewing = outcome(polling(T0 + 5_000), expiredAt, { kind: 'expired', error: err('expired_token', 'gone') });
    expect(renewing.state.flow).toBe('requesting');
    const renewed = transition(renewing.state, {
      type: 'authorization_received',
      flowId: renewing.state.flowId,
      now: expiredAt + 300,
      authorization: authorization({ userCode: 'KQPX-RVTN' }),
    });
    expect(snapshotOf(renewed.state).renewedAt).toBe(expiredAt + 300);
    const asked = reduce(renewed.state, [
      { type: 'new_code', now: expiredAt + 1_000 },
      { type: 'authorization_received', flowId: renewed.state.flowId + 1, now: expiredAt + 1_200, authorization: authorization() },
    ]).state;
    expect(asked.flow).toBe('awaiting_user');
    expect(snapshotOf(asked).renewedAt).toBeUndefined();
  });
});

describe('expiry and automatic renewal', () => {
  it.each([
    [0, ['expired']],
    [1, ['requesting', 'expired']],
    [2, ['requesting', 'requesting', 'expired']],
  ])(
    'with maxAutoRenewals %i an expired code is renewed that many times, then the flow waits in expired',
    (max, flows) => {
      let state = polling(T0 + 5_000, {}, { maxAutoRenewals: max });
      const seen: string[] = [];
      for (let round = 0; round < flows.length; round++) {
        const result = outcome(state, T0 + 6_000 + round, {
          kind: 'expired',
          error: err('expired_token', 'The code expired.'),
        });
        seen.push(result.state.flow);
        if (result.state.flow === 'requesting') {
          expect(result.effects).toContainEqual({
            type: 'request_authorization',
            flowId: result.state.flowId,
          });
          state = reduce(result.state, [
            {
              type: 'authorization_received',
              flowId: result.state.flowId,
              now: T0,
              authorization: authorization({ userCode: `CODE-${round}` }),
            },
            { type: 'poll_due', now: T0 + 5_000 },
          ]).state;
        } else {
          expect(result.effects).toContainEqual({ type: 'clear_store' });
          expect(result.effects.some((e) => e.type === 'request_authorization')).toBe(false);
          state = result.state;
        }
      }
      expect(seen).toEqual(flows);
      expect(snapshotOf(state)).toMatchObject({
        state: 'expired',
        autoRenewalsLeft: 0,
        error: { code: 'expired_token' },
      });
      expect(isSettled(state)).toBe(true);
    },
  );

  it('newCode after the renewals are used up asks for a code and restores the renewal budget', () => {
    const expired = outcome(polling(T0 + 5_000, {}, { maxAutoRenewals: 0 }), T0 + 6_000, {
      kind: 'expired',
      error: err('expired_token'),
    });
    expect(expired.state.flow).toBe('expired');
    const renewed = transition(expired.state, { type: 'new_code', now: T0 + 7_000 });
    expect(renewed.state.flow).toBe('requesting');
    expect(renewed.state.autoRenewalsLeft).toBe(0);
    const withBudget = transition(
      outcome(polling(T0 + 5_000, {}, { maxAutoRenewals: 2 }), T0 + 6_000, {
        kind: 'expired',
        error: err('expired_token'),
      }).state,
      {
        type: 'new_code',
        now: T0 + 7_000,
      },
    );
    expect(withBudget.state.autoRenewalsLeft).toBe(2);
  });

  it('no poll is ever scheduled after expiresAt; the timer fires at expiresAt and the flow expires', () => {
    const state = polling(T0 + 5_000, { expiresAt: T0 + 12_000 }, { maxAutoRenewals: 0 });
    const result = outcome(state, T0 + 9_000, { kind: 'pending' });
    expect(scheduledAt(result.effects)).toBe(T0 + 12_000);
    const due = transition(result.state, { type: 'poll_due', now: T0 + 12_000 });
    expect(due.state.flow).toBe('expired');
    expect(due.effects.some((e) => e.type === 'poll')).toBe(false);
  });

  it('an answer that arrives after expiresAt expires the flow instead of scheduling another poll', () => {
    const state = polling(T0 + 5_000, { expiresAt: T0 + 12_000 }, { maxAutoRenewals: 0 });
    const result = outcome(state, T0 + 12_500, { kind: 'pending' });
    expect(result.state.flow).toBe('expired');
    expect(scheduledAt(result.effects)).toBeUndefined();
  });

  it('a code that expires by time is renewed automatically too', () => {
    const state = awaiting({ expiresAt: T0 + 12_000 }, { maxAutoRenewals: 1 });
    const due = transition(state, { type: 'poll_due', now: T0 + 12_000 });
    expect(due.state.flow).toBe('requesting');
    expect(due.state.autoRenewalsLeft).toBe(0);
    expect(due.effects).toContainEqual({ type: 'request_authorization', flowId: 2 });
  });
});

describe('transport failures (backoff while the code is valid)', () => {
  const retry: PollOutcome = { kind: 'retry', error: err('network', 'Could not reach the server.') };

  it.each([
    [1, 0, 500],
    [1, 0.999, 1_000],
    [2, 0, 1_000],
    [3, 0.5, 3_000],
    [3, 0.999, 4_000],
    [5, 0, 2_000],
    [6, 0.999, 4_000],
    [20, 0, 2_000],
    [20, 0.999, 4_000],
  ])(
    'after %i failures with jitter %d the backoff is %i ms (doubling, capped at 4 s)',
    (failures, jitter, expected) => {
      expect(Math.abs(backoffDelayMs(failures, jitter) - expected)).toBeLessThanOrEqual(30);
    },
  );

  it('a retry outcome keeps the code on screen, marks the network retrying and backs off exponentially', () => {
    let state = polling(T0 + 1_000, { interval: 1 }, { backoff: { initialMs: 1_000, maxMs: 8_000 } });
    let now = T0 + 1_000;
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const result = outcome(state, now, retry, 0);
      expect(result.state.network).toBe('retrying');
      expect(snapshotOf(result.state)).toMatchObject({
        state: 'awaiting_user',
        userCode: 'WDJB-MJHT',
        network: 'retrying',
      });
      const at = scheduledAt(result.effects)!;
      delays.push(at - now);
      now = at;
      state = transition(result.state, { type: 'poll_due', now }).state;
    }
    // Equal jitter at its low end halves each backoff; the one-second interval is the floor.
    expect(delays).toEqual([1_000, 1_000, 2_000, 4_000, 4_000, 4_000]);
    const back = outcome(state, now, { kind: 'pending' });
    expect(back.state.network).toBe('online');
    expect(back.state.failures).toBe(0);
    expect(scheduledAt(back.effects)).toBe(now + 1_000);
  });

  it('backoff never polls sooner than the interval, nor than Retry-After', () => {
    const state = polling(T0 + 5_000);
    expect(scheduledAt(outcome(state, T0 + 6_000, retry, 0).effects)).toBe(T0 + 11_000);
    expect(scheduledAt(outcome(state, T0 + 6_000, { ...retry, retryAfterMs: 20_000 }, 0).effects)).toBe(
      T0 + 26_000,
    );
  });

  it('the jitter spreads the retry time within [half, whole] of the backoff', () => {
    const state = polling(T0 + 1_000, { interval: 0 }, { backoff: { initialMs: 8_000, maxMs: 30_000 } });
    const low = scheduledAt(outcome(state, T0 + 2_000, retry, 0).effects)!;
    const high = scheduledAt(outcome(state, T0 + 2_000, retry, 0.99).effects)!;
    expect(low - (T0 + 2_000)).toBe(4_000);
    expect(high - (T0 + 2_000)).toBeGreaterThan(7_900);
  });

  const refused: PollOutcome = {
    kind: 'retry',
    error: err('network', 'Could not reach idp.example (ECONNREFUSED).'),
    unsent: true,
  };
  const unavailable: PollOutcome = { kind: 'retry', error: err('server_error', 'HTTP 503') };

  /**
   * Drives polls with the default config: every poll until `backAt` gets `failure`, the first after
   * it `pending`. Returns how long after `backAt` the first poll the server could answer went out.
   */
  function recoveryAfterOutage(failure: PollOutcome, backAt: number, jitter: number): number {
    let state = polling(T0 + 5_000);
    let now = T0 + 5_000;
    for (let polls = 0; polls < 1_000; polls++) {
      if (now >= backAt) return now - backAt;
      const result = outcome(state, now + 20, failure, jitter);
      expect(snapshotOf(result.state)).toMatchObject({ network: 'retrying', userCode: 'WDJB-MJHT' });
      now = scheduledAt(result.effects)!;
      state = transition(result.state, { type: 'poll_due', now }).state;
      expect(state.pollInFlight).toBe(true);
    }
    throw new Error('no poll after the outage');
  }

  it.each([0, 0.5, 0.999])(
    'after a 50 s outage of refused connections the TV polls again within 4 s of the server coming back (jitter %d)',
    (jitter) => {
      for (const offset of [0, 700, 1_900, 3_300]) {
        expect(recoveryAfterOutage(refused, T0 + 55_000 + offset, jitter)).toBeLessThanOrEqual(4_020);
      }
    },
  );

  it.each([0, 0.5, 0.999])(
    'after a 50 s outage of 503s the TV polls again within one interval of the server coming back (jitter %d)',
    (jitter) => {
      for (const offset of [0, 700, 1_900, 3_300]) {
        expect(recoveryAfterOutage(unavailable, T0 + 55_000 + offset, jitter)).toBeLessThanOrEqual(5_020);
      }
    },
  );

  it('a refused connection was not a poll the server saw: the next goes after the backoff, not a whole interval', () => {
    // The first poll reached the server (pending); the second found it gone.
    let state = polling(T0 + 5_000);
    const pending = outcome(state, T0 + 5_100, { kind: 'pending' });
    expect(scheduledAt(pending.effects)).toBe(T0 + 10_100);
    state = transition(pending.state, { type: 'poll_due', now: T0 + 10_100 }).state;
    // The interval ran from the last poll the server saw (T0 + 5 s): the backoff alone paces the retry.
    const refusedOnce = outcome(state, T0 + 10_150, refused, 0);
    expect(scheduledAt(refusedOnce.effects)).toBe(T0 + 10_650);
    // Had the server answered 503, that poll restarts the interval.
    expect(scheduledAt(outcome(state, T0 + 10_150, unavailable, 0).effects)).toBe(T0 + 15_150);
    // A refused poll never restarts it: the next attempt goes after the backoff (1.5 s here).
    state = transition(refusedOnce.state, { type: 'poll_due', now: T0 + 10_650 }).state;
    const twice = outcome(state, T0 + 10_660, refused, 0.5);
    expect(scheduledAt(twice.effects)).toBe(T0 + 12_160);
  });

  it('a 5xx may be a poll the server saw: never sooner than the interval, and Retry-After above the cap is honoured', () => {
    const state = polling(T0 + 5_000);
    expect(scheduledAt(outcome(state, T0 + 5_200, unavailable, 0).effects)).toBe(T0 + 10_200);
    const told = outcome(state, T0 + 5_200, { ...unavailable, retryAfterMs: 30_000 }, 0);
    expect(scheduledAt(told.effects)).toBe(T0 + 35_200);
    const refusedWithRetryAfter = outcome(state, T0 + 5_200, { ...refused, retryAfterMs: 9_000 }, 0);
    expect(scheduledAt(refusedWithRetryAfter.effects)).toBe(T0 + 14_200);
  });

  it('a code that expires while retrying ends in expired', () => {
    const state = polling(T0 + 5_000, { expiresAt: T0 + 8_000 }, { maxAutoRenewals: 0 });
    const result = outcome(state, T0 + 6_000, retry);
    expect(scheduledAt(result.effects)).toBe(T0 + 8_000);
    const due = transition(result.state, { type: 'poll_due', now: T0 + 8_000 });
    expect(due.state.flow).toBe('expired');
  });
});

describe('cancel, new code and stale results', () => {
  it('cancel aborts the flow, forgets the pending code and goes idle', () => {
    const result = transition(polling(T0 + 5_000), { type: 'cancel' });
    expect(result.state.flow).toBe('idle');
    expect(result.effects).toEqual([{ type: 'abort' }, { type: 'clear_store' }]);
    expect(snapshotOf(result.state)).toEqual({ state: 'idle' });
  });

  it.each([
    ['requesting', 'cancel', 'idle', () => transition(initialState(), { type: 'sign_in', now: T0 }).state],
    ['awaiting_user', 'cancel', 'idle', () => awaiting()],
    ['signed_in', 'cancel', 'signed_in', () => signedIn()],
    ['idle', 'new_code', 'requesting', () => initialState()],
    ['awaiting_user', 'new_code', 'requesting', () => awaiting()],
    ['signed_in', 'new_code', 'signed_in', () => signedIn()],
    ['signing_out', 'new_code', 'signing_out', () => transition(signedIn(), { type: 'sign_out' }).state],
  ] as const)('from %s, %s leads to %s', (_from, type, to, make) => {
    const event: MachineEvent = type === 'cancel' ? { type } : { type, now: T0 };
    expect(transition(make(), event).state.flow).toBe(to);
  });

  it('newCode while a code is shown aborts the old flow and ignores its late results', () => {
    const old = polling(T0 + 5_000);
    const renewed = transition(old, { type: 'new_code', now: T0 + 6_000 });
    expect(renewed.state.flow).toBe('requesting');
    expect(renewed.effects).toEqual([{ type: 'abort' }, { type: 'request_authorization', flowId: 2 }]);
    const late = transition(renewed.state, {
      type: 'poll_outcome',
      flowId: 1,
      now: T0 + 7_000,
      outcome: { kind: 'tokens', tokens: TOKENS },
    });
    expect(late.state).toBe(renewed.state);
    expect(late.effects).toEqual([]);
    const lateCode = transition(renewed.state, {
      type: 'authorization_received',
      flowId: 1,
      now: T0,
      authorization: authorization(),
    });
    expect(lateCode.state).toBe(renewed.state);
  });

  it('a poll outcome that arrives when no poll is in flight is ignored', () => {
    const state = awaiting();
    expect(outcome(state, T0 + 1_000, { kind: 'denied', error: err('access_denied') }).state).toBe(state);
  });
});

describe('long polling only where the server announces it', () => {
  const received = (auth: Partial<DeviceAuthorization>, config: Partial<MachineConfig>) =>
    reduce(initialState(config), [
      { type: 'sign_in', now: T0 },
      { type: 'authorization_received', flowId: 1, now: T0, authorization: authorization(auth) },
    ]);
  const polls = (effects: Effect[]) => effects.filter((e) => e.type === 'poll');

  it('without an announcement the first poll waits one interval and never asks to be held', () => {
    const { state, effects } = received({}, { longPollSeconds: 25 });
    expect(polls(effects)).toEqual([]);
    expect(scheduledAt(effects)).toBe(T0 + 5_000);
    expect(transition(state, { type: 'poll_due', now: T0 + 4_999 }).effects).toEqual([
      { type: 'schedule_poll', atMs: T0 + 5_000 },
    ]);
    expect(transition(state, { type: 'poll_due', now: T0 + 5_000 }).effects).toEqual([
      { type: 'poll', flowId: 1, deviceCode: 'device-code-secret-1', waitSeconds: 0 },
    ]);
  });

  it('with the announcement the first poll goes out with the code, asking the smaller of longPollSeconds and the announced wait', () => {
    const capped = received({ longPollMaxWait: 30 }, { longPollSeconds: 25 });
    expect(capped.effects.slice(-2)).toEqual([
      { type: 'persist', value: { version: 1, pending: authorization({ longPollMaxWait: 30 }) } },
      { type: 'poll', flowId: 1, deviceCode: 'device-code-secret-1', waitSeconds: 25 },
    ]);
    expect(capped.state).toMatchObject({ pollInFlight: true, pollStartedAt: T0 });
    const announced = received({ longPollMaxWait: 10 }, { longPollSeconds: 25 });
    expect(polls(announced.effects)).toEqual([
      { type: 'poll', flowId: 1, deviceCode: 'device-code-secret-1', waitSeconds: 10 },
    ]);
  });

  it('longPollSeconds 0 (--no-long-poll) keeps RFC pacing even where the server announces long polling', () => {
    const { state, effects } = received({ longPollMaxWait: 30 }, { longPollSeconds: 0 });
    expect(polls(effects)).toEqual([]);
    expect(scheduledAt(effects)).toBe(T0 + 5_000);
    expect(polls(transition(state, { type: 'poll_due', now: T0 + 5_000 }).effects)).toEqual([
      { type: 'poll', flowId: 1, deviceCode: 'device-code-secret-1', waitSeconds: 0 },
    ]);
  });

  it('after a held poll that ended pending the next goes out at once, asking to be held again', () => {
    const { state } = received({ longPollMaxWait: 30 }, { longPollSeconds: 25 });
    const answered = outcome(state, T0 + 25_000, { kind: 'pending', held: true });
    expect(scheduledAt(answered.effects)).toBe(T0 + 25_000);
    expect(polls(transition(answered.state, { type: 'poll_due', now: T0 + 25_000 }).effects)).toEqual([
      { type: 'poll', flowId: 1, deviceCode: 'device-code-secret-1', waitSeconds: 25 },
    ]);
  });

  it('a held poll that ended pending before one interval (the server let go early) waits the interval', () => {
    const { state } = received({ longPollMaxWait: 30 }, { longPollSeconds: 25 });
    const answered = outcome(state, T0 + 2_000, { kind: 'pending', held: true });
    expect(scheduledAt(answered.effects)).toBe(T0 + 7_000);
  });

  it('a resumed code follows the same rule: announced, at once with Prefer; else after one interval without', () => {
    const announced = transition(initialState({ longPollSeconds: 25 }), {
      type: 'restored',
      now: T0,
      stored: { version: 1, pending: authorization({ longPollMaxWait: 30 }) },
    });
    expect(announced.effects).toEqual([
      { type: 'poll', flowId: 1, deviceCode: 'device-code-secret-1', waitSeconds: 25 },
    ]);
    const plain = reduce(initialState({ longPollSeconds: 25 }), [
      { type: 'restored', now: T0, stored: { version: 1, pending: authorization() } },
      { type: 'poll_due', now: T0 + 5_000 },
    ]);
    expect(plain.effects).toEqual([
      { type: 'schedule_poll', atMs: T0 + 5_000 },
      { type: 'poll', flowId: 1, deviceCode: 'device-code-secret-1', waitSeconds: 0 },
    ]);
  });

  it('the snapshot carries when the code was issued, so a restarted host still knows it', () => {
    const { state } = received({ issuedAt: T0 - 60_000 }, {});
    expect(snapshotOf(state)).toMatchObject({ issuedAt: T0 - 60_000, expiresAt: T0 + TEN_MINUTES });
  });
});

describe('restart and resume', () => {
  it.each([
    ['a signed-in session', { version: 1, tokens: TOKENS, profile: { sub: 'u1' } }, 'signed_in', []],
    [
      'a pending flow whose code is still valid',
      { version: 1, pending: authorization({ interval: 10 }) },
      'awaiting_user',
      [{ type: 'schedule_poll', atMs: T0 + 10_000 }],
    ],
    [
      'a pending flow whose code has expired',
      { version: 1, pending: authorization({ expiresAt: T0 - 1 }) },
      'idle',
      [{ type: 'clear_store' }],
    ],
    ['nothing', undefined, 'idle', []],
  ] as const)('restoring %s leads to $2', (_name, stored, flow, effects) => {
    const result = transition(initialState(), {
      type: 'restored',
      now: T0,
      ...(stored ? { stored } : {}),
    } as MachineEvent);
    expect(result.state.flow).toBe(flow);
    expect(result.effects).toEqual(effects);
  });

  it('a resumed flow polls the same code at the same (slowed) interval', () => {
    const { state, effects } = reduce(initialState(), [
      { type: 'restored', now: T0, stored: { version: 1, pending: authorization({ interval: 15 }) } },
      { type: 'poll_due', now: T0 + 15_000 },
    ]);
    expect(effects).toContainEqual({
      type: 'poll',
      flowId: 1,
      deviceCode: 'device-code-secret-1',
      waitSeconds: 0,
    });
    expect(snapshotOf(state)).toMatchObject({ userCode: 'WDJB-MJHT', interval: 15 });
  });

  it('a store that cannot be read ends in the error state with its message', () => {
    const result = transition(initialState(), {
      type: 'restore_failed',
      error: err('configuration', 'The token file is not valid JSON.'),
    });
    expect(result.state.flow).toBe('error');
    expect(snapshotOf(result.state).error?.message).toBe('The token file is not valid JSON.');
  });
});

describe('sign-out and refresh', () => {
  it('sign_out clears the store before revoking, then signed_out returns to idle with a notice when the grant may live on', () => {
    const out = transition(signedIn(), { type: 'sign_out' });
    expect(out.state.flow).toBe('signing_out');
    expect(out.effects).toEqual([
      { type: 'abort' },
      { type: 'clear_store' },
      { type: 'revoke', tokens: TOKENS },
    ]);
    expect(out.state.tokens).toBeUndefined();
    const done = transition(out.state, {
      type: 'signed_out',
      result: { revoked: false, notRevoked: 'unsupported', provider: 'https://idp.example/' },
    });
    expect(snapshotOf(done.state)).toEqual({ state: 'idle', notice: 'revocation_unsupported' });
    const failed = transition(out.state, {
      type: 'signed_out',
      result: { revoked: false, notRevoked: 'failed', provider: 'https://idp.example/', detail: 'HTTP 500' },
    });
    expect(snapshotOf(failed.state)).toEqual({ state: 'idle', notice: 'revocation_failed' });
    const revoked = transition(out.state, { type: 'signed_out', result: { revoked: true, provider: 'https://idp.example/' } });
    expect(snapshotOf(revoked.state)).toEqual({ state: 'idle' });
  });

  it('a new sign-in clears the notice of the last one', () => {
    const out = transition(signedIn(), { type: 'sign_out' });
    const done = transition(out.state, {
      type: 'signed_out',
      result: { revoked: false, notRevoked: 'failed', provider: 'https://idp.example/' },
    });
    const again = transition(done.state, { type: 'sign_in', now: T0 });
    expect(snapshotOf(again.state).notice).toBeUndefined();
  });

  it('sign_out without tokens clears the store and goes straight to idle', () => {
    const result = transition(awaiting(), { type: 'sign_out' });
    expect(result.state.flow).toBe('idle');
    expect(result.effects).toEqual([{ type: 'abort' }, { type: 'clear_store' }]);
  });

  it('a fresh access token is answered at once, with no refresh', () => {
    const state = signedIn();
    const result = transition(state, { type: 'token_wanted', now: T0 });
    expect(result.effects).toEqual([{ type: 'token_ready', accessToken: TOKENS.accessToken }]);
    expect(result.state).toBe(state);
  });

  it('a token close to expiry starts one refresh; a second caller meanwhile joins it (single flight)', () => {
    const late = TOKENS.expiresAt! - 30_000;
    const first = transition(signedIn(), { type: 'token_wanted', now: late });
    expect(first.effects).toEqual([{ type: 'refresh', tokensId: first.state.tokensId, refreshToken: TOKENS.refreshToken }]);
    expect(first.state.refreshing).toBe(true);
    const second = transition(first.state, { type: 'token_wanted', now: late + 10 });
    expect(second.effects).toEqual([]);
  });

  it('refreshed tokens replace the old ones, keep the refresh token the server did not rotate, and are persisted with the profile', () => {
    const wanting = transition(signedIn(), { type: 'token_wanted', now: T0, forceRefresh: true });
    const fresh: TokenSet = { accessToken: 'new-access', tokenType: 'Bearer', expiresAt: T0 + 7_200_000 };
    const result = transition(wanting.state, { type: 'refresh_succeeded', tokensId: wanting.state.tokensId, tokens: fresh });
    const merged = { ...fresh, refreshToken: TOKENS.refreshToken, ...(TOKENS.idToken ? { idToken: TOKENS.idToken } : {}) };
    expect(result.state.tokens).toEqual(merged);
    expect(result.state.refreshing).toBe(false);
    expect(result.effects).toEqual([
      { type: 'persist', value: { version: 1, tokens: merged, profile: { sub: 'u1', name: 'Ada' } } },
      { type: 'token_ready', accessToken: 'new-access' },
    ]);
  });

  it('a set the runner already stored under the store lock is not written again', () => {
    const wanting = transition(signedIn(), { type: 'token_wanted', now: T0, forceRefresh: true });
    const fresh: TokenSet = { accessToken: 'other-process', tokenType: 'Bearer', refreshToken: 'rt-2', expiresAt: T0 + 7_200_000 };
    const result = transition(wanting.state, { type: 'refresh_succeeded', tokensId: wanting.state.tokensId, tokens: fresh, stored: true });
    expect(result.effects).toEqual([{ type: 'token_ready', accessToken: 'other-process' }]);
    expect(result.state.tokens?.refreshToken).toBe('rt-2');
  });

  it('a refresh that finds the store emptied by another program ends the sign-in here too', () => {
    const wanting = transition(signedIn(), { type: 'token_wanted', now: T0, forceRefresh: true });
    const result = transition(wanting.state, {
      type: 'refresh_failed',
      tokensId: wanting.state.tokensId,
      error: err('not_signed_in', 'Signed out by another program.'),
    });
    expect(snapshotOf(result.state)).toEqual({ state: 'idle', notice: 'session_ended' });
  });

  it('a refresh answer for tokens replaced meanwhile (signed out and in again) is not applied', () => {
    const wanting = transition(signedIn(), { type: 'token_wanted', now: T0, forceRefresh: true });
    const stale = wanting.state.tokensId - 1;
    const result = transition(wanting.state, {
      type: 'refresh_succeeded',
      tokensId: stale,
      tokens: { accessToken: 'old-answer', tokenType: 'Bearer' },
    });
    expect(result.state.tokens).toEqual(TOKENS);
    expect(result.effects).toEqual([{ type: 'token_ready', accessToken: TOKENS.accessToken }]);
  });

  it('a refused refresh (invalid_grant) ends the sign-in: idle, store cleared, the session_ended notice', () => {
    const wanting = transition(signedIn(), { type: 'token_wanted', now: T0, forceRefresh: true });
    const result = transition(wanting.state, {
      type: 'refresh_failed',
      tokensId: wanting.state.tokensId,
      error: err('invalid_grant', 'grant revoked'),
    });
    expect(result.state.flow).toBe('idle');
    expect(result.state.tokens).toBeUndefined();
    expect(result.effects[0]).toEqual({ type: 'clear_store' });
    expect(result.effects[1]).toMatchObject({ type: 'token_unavailable', error: { code: 'not_signed_in' } });
    expect(snapshotOf(result.state)).toEqual({ state: 'idle', notice: 'session_ended' });
  });

  it('a refresh refused because the device was signed out from the account page ends the sign-in with that notice', () => {
    const wanting = transition(signedIn(), { type: 'token_wanted', now: T0, forceRefresh: true });
    const refused = new DeviceLoginError('invalid_grant', 'grant revoked', {
      status: 400,
      oauth: { error: 'invalid_grant', error_description: 'This device was signed out from the account page.', reason: 'signed_out_from_account' },
    });
    const result = transition(wanting.state, { type: 'refresh_failed', tokensId: wanting.state.tokensId, error: refused });
    expect(result.state.tokens).toBeUndefined();
    expect(result.effects[0]).toEqual({ type: 'clear_store' });
    expect(result.effects[1]).toMatchObject({ type: 'token_unavailable', error: { code: 'not_signed_in', message: expect.stringMatching(/signed out from the account page/) } });
    expect(snapshotOf(result.state)).toEqual({ state: 'idle', notice: 'signed_out_from_account' });
    // The next sign-in starts clean: the notice goes with it.
    expect(snapshotOf(transition(result.state, { type: 'sign_in', now: T0 }).state).notice).toBeUndefined();
  });

  it('a reason on anything but invalid_grant, or another reason, does not say signed out from the account page', () => {
    const wanting = transition(signedIn(), { type: 'token_wanted', now: T0, forceRefresh: true });
    const otherReason = new DeviceLoginError('invalid_grant', 'expired', { oauth: { error: 'invalid_grant', reason: 'expired' } });
    expect(snapshotOf(transition(wanting.state, { type: 'refresh_failed', tokensId: wanting.state.tokensId, error: otherReason }).state)).toEqual({
      state: 'idle',
      notice: 'session_ended',
    });
    const outage = new DeviceLoginError('server_error', 'down', { oauth: { error: 'server_error', reason: 'signed_out_from_account' } });
    const kept = transition(wanting.state, { type: 'refresh_failed', tokensId: wanting.state.tokensId, error: outage });
    expect(kept.state.flow).toBe('signed_in');
    expect(kept.state.notice).toBeUndefined();
  });

  it('a refresh that fails for another reason (an outage) keeps the sign-in and answers with that error', () => {
    const wanting = transition(signedIn(), { type: 'token_wanted', now: T0, forceRefresh: true });
    const result = transition(wanting.state, {
      type: 'refresh_failed',
      tokensId: wanting.state.tokensId,
      error: err('network', 'connection refused'),
    });
    expect(result.state.flow).toBe('signed_in');
    expect(result.state.refreshing).toBe(false);
    expect(result.effects).toEqual([{ type: 'token_unavailable', error: { code: 'network', message: 'connection refused' } }]);
  });

  it('an expired access token with no refresh token ends the sign-in with the session_ended notice', () => {
    const { refreshToken: _none, ...noRefresh } = TOKENS;
    const restored = transition(initialState(), { type: 'restored', now: T0, stored: { version: 1, tokens: noRefresh } });
    const result = transition(restored.state, { type: 'token_wanted', now: TOKENS.expiresAt! + 1 });
    expect(snapshotOf(result.state)).toEqual({ state: 'idle', notice: 'session_ended' });
    expect(result.effects[0]).toEqual({ type: 'clear_store' });
  });

  it('without a refresh token a still-valid access token is used, and a forced refresh says there is none', () => {
    const { refreshToken: _none, ...noRefresh } = TOKENS;
    const restored = transition(initialState(), { type: 'restored', now: T0, stored: { version: 1, tokens: noRefresh } });
    const near = TOKENS.expiresAt! - 1_000;
    expect(transition(restored.state, { type: 'token_wanted', now: near }).effects).toEqual([
      { type: 'token_ready', accessToken: TOKENS.accessToken },
    ]);
    const forced = transition(restored.state, { type: 'token_wanted', now: near, forceRefresh: true });
    expect(forced.state.flow).toBe('signed_in');
    expect(forced.effects).toMatchObject([{ type: 'token_unavailable', error: { code: 'no_refresh_token' } }]);
  });

  it('nobody signed in: the answer is not_signed_in', () => {
    expect(transition(initialState(), { type: 'token_wanted', now: T0 }).effects).toMatchObject([
      { type: 'token_unavailable', error: { code: 'not_signed_in' } },
    ]);
  });
});

describe('invariants over random poll histories', () => {
  const outcomes: fc.Arbitrary<PollOutcome> = fc.oneof(
    fc.constant<PollOutcome>({ kind: 'pending' }),
    fc.constant<PollOutcome>({ kind: 'pending', held: true }),
    fc.record({ kind: fc.constant('pending' as const), retryAfterMs: fc.integer({ min: 0, max: 40_000 }) }),
    fc.record({
      kind: fc.constant('slow_down' as const),
      interval: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
    }),
    fc.record({
      kind: fc.constant('retry' as const),
      error: fc.constant(err('timeout')),
      retryAfterMs: fc.option(fc.integer({ min: 0, max: 40_000 }), { nil: undefined }),
    }),
  );
  const step = fc.record({
    dueEarly: fc.integer({ min: 0, max: 3_000 }),
    answerAfter: fc.integer({ min: 0, max: 30_000 }),
    outcome: outcomes,
    jitter: fc.double({ min: 0, max: 0.999, noNaN: true }),
  });

  it('polls never overlap, never come sooner than the interval or Retry-After, and never after expiry', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        let state = awaiting({ expiresAt: T0 + 300_000, interval: 2 });
        let earliest = T0 + 2_000;
        let now = T0;
        let inFlight = false;
        let lastPollAt = -Infinity;
        for (const s of steps) {
          if (state.flow !== 'awaiting_user') break;
          // A timer that fires early, then on time.
          for (const due of [Math.max(now, earliest - s.dueEarly), Math.max(now, earliest)]) {
            now = due;
            const r = transition(state, { type: 'poll_due', now });
            for (const e of r.effects) {
              if (e.type !== 'poll') continue;
              expect(inFlight).toBe(false);
              expect(now).toBeGreaterThanOrEqual(earliest);
              expect(now).toBeLessThan(T0 + 300_000);
              expect(now).toBeGreaterThan(lastPollAt);
              inFlight = true;
              lastPollAt = now;
            }
            state = r.state;
          }
          if (!inFlight) break;
          // A second timer while in flight must not start another poll.
          expect(
            transition(state, { type: 'poll_due', now: now + 1 }).effects.filter((e) => e.type === 'poll'),
          ).toEqual([]);
          now += s.answerAfter;
          const interval = state.authorization!.interval;
          const r = outcome(state, now, s.outcome, s.jitter);
          inFlight = false;
          state = r.state;
          if (state.flow !== 'awaiting_user') break;
          const newInterval = state.authorization!.interval;
          if (s.outcome.kind === 'slow_down') expect(newInterval).toBeGreaterThanOrEqual(interval + 5);
          // The interval runs from the answer, or from the poll's start when the server held it
          // for at least the interval (then the next poll may go at once).
          const heldThrough = s.outcome.kind === 'pending' && s.outcome.held === true && s.answerAfter >= interval * 1000;
          earliest = Math.max(
            (heldThrough ? lastPollAt : now) + newInterval * 1000,
            now +
              (s.outcome.kind !== 'slow_down'
                ? ((s.outcome as { retryAfterMs?: number }).retryAfterMs ?? 0)
                : 0),
          );
          expect(scheduledAt(r.effects)).toBeGreaterThanOrEqual(Math.min(earliest, T0 + 300_000));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the snapshot never contains a token or the device code', () => {
    const states = [
      awaiting(),
      polling(T0 + 5_000),
      signedIn(),
      transition(signedIn(), { type: 'sign_out' }).state,
    ];
    for (const s of states) {
      const json = JSON.stringify(snapshotOf(s));
      for (const secret of ['device-code-secret-1', 'access-token-secret', 'refresh-token-secret'])
        expect(json).not.toContain(secret);
    }
  });
});
