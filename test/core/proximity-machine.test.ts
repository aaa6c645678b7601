// The proximity check in the reducer (core/machine.ts): a detail of awaiting_user, not a state of its
// own. Once the server asks for the check number, polling pauses until the person enters it; the
// number goes at once and again after a failed request until the server answers it.
import { describe, expect, it } from 'vitest';

import { DeviceLoginError } from '../../core/errors.ts';
import { initialState, snapshotOf, transition, type Effect, type MachineEvent, type MachineState } from '../../core/machine.ts';
import type { DeviceAuthorization, PollOutcome } from '../../core/types.ts';

const T0 = 1_700_000_000_000;
const EXPIRES = T0 + 600_000;

const AUTH: DeviceAuthorization = {
  deviceCode: 'device-code-secret',
  userCode: 'WDJB-MJHT',
  verificationUri: 'https://idp.example/device',
  expiresAt: EXPIRES,
  interval: 5,
  issuedAt: T0,
};

function reduce(state: MachineState, events: MachineEvent[]): { state: MachineState; effects: Effect[] } {
  const effects: Effect[] = [];
  for (const event of events) {
    const result = transition(state, event);
    state = result.state;
    effects.push(...result.effects);
  }
  return { state, effects };
}

/** A code on screen with its first poll in flight at T0 + 5 s. */
function polling(): MachineState {
  return reduce(initialState({ longPollSeconds: 0 }), [
    { type: 'sign_in', now: T0 },
    { type: 'authorization_received', flowId: 1, now: T0, authorization: AUTH },
    { type: 'poll_due', now: T0 + 5_000 },
  ]).state;
}

function answer(state: MachineState, now: number, outcome: PollOutcome): { state: MachineState; effects: Effect[] } {
  return transition(state, { type: 'poll_outcome', flowId: state.flowId, now, outcome, jitter: 0.5 });
}

/** The server asked for the number at T0 + 6 s: three attempts. */
function asked(): MachineState {
  return answer(polling(), T0 + 6_000, { kind: 'check_number', wrong: false, attemptsLeft: 3 }).state;
}

const polls = (effects: Effect[]) => effects.filter((e): e is Extract<Effect, { type: 'poll' }> => e.type === 'poll');
const timers = (effects: Effect[]) => effects.filter((e): e is Extract<Effect, { type: 'schedule_poll' }> => e.type === 'schedule_poll');

describe('the proximity check in awaiting_user', () => {
  it('stays awaiting_user, says the number is needed, and waits for it with no timer but the code’s expiry', () => {
    const { state, effects } = answer(polling(), T0 + 6_000, { kind: 'check_number', wrong: false, attemptsLeft: 3 });
    expect(state.flow).toBe('awaiting_user');
    expect(snapshotOf(state)).toMatchObject({ state: 'awaiting_user', network: 'online', proximity: { step: 'needed', attemptsLeft: 3 } });
    expect(polls(effects)).toEqual([]);
    expect(timers(effects).map((e) => e.atMs)).toEqual([EXPIRES]);
    // A timer that fires early (a wall clock that jumped) still sends no poll without the number.
    const early = transition(state, { type: 'poll_due', now: T0 + 60_000 });
    expect(polls(early.effects)).toEqual([]);
    expect(early.state.pollInFlight).toBe(false);
  });

  it('sends the entered number at once, before the interval is up, and says it is being checked', () => {
    const { state, effects } = transition(asked(), { type: 'check_number_entered', now: T0 + 7_000, checkNumber: '47' });
    expect(polls(effects)).toEqual([{ type: 'poll', flowId: 1, deviceCode: 'device-code-secret', waitSeconds: 0, checkNumber: '47' }]);
    expect(snapshotOf(state).proximity).toEqual({ step: 'checking', attemptsLeft: 3 });
  });

  it('after a wrong number says so with the attempts left, pauses again, and sends the next number', () => {
    const sent = transition(asked(), { type: 'check_number_entered', now: T0 + 7_000, checkNumber: '12' }).state;
    const wrong = answer(sent, T0 + 7_100, { kind: 'check_number', wrong: true, attemptsLeft: 2 });
    expect(snapshotOf(wrong.state).proximity).toEqual({ step: 'wrong', attemptsLeft: 2 });
    expect(polls(wrong.effects)).toEqual([]);
    const retried = transition(wrong.state, { type: 'check_number_entered', now: T0 + 9_000, checkNumber: '47' });
    expect(polls(retried.effects).map((p) => p.checkNumber)).toEqual(['47']);
  });

  it('ignores a number nobody asked for, one that is not two digits, and a second one while the first is checked', () => {
    const notAsked = transition(polling(), { type: 'check_number_entered', now: T0 + 5_500, checkNumber: '47' });
    expect(notAsked.effects).toEqual([]);
    expect(snapshotOf(notAsked.state).proximity).toBeUndefined();
    for (const bad of ['4', '477', '4a', ' 47', '']) {
      expect(transition(asked(), { type: 'check_number_entered', now: T0 + 7_000, checkNumber: bad }).effects).toEqual([]);
    }
    const sent = transition(asked(), { type: 'check_number_entered', now: T0 + 7_000, checkNumber: '12' }).state;
    expect(transition(sent, { type: 'check_number_entered', now: T0 + 7_010, checkNumber: '47' }).effects).toEqual([]);
  });

  it('sends the number again after a request that failed on the way', () => {
    const sent = transition(asked(), { type: 'check_number_entered', now: T0 + 7_000, checkNumber: '47' }).state;
    const failed = answer(sent, T0 + 7_200, { kind: 'retry', error: new DeviceLoginError('network', 'no route'), unsent: true });
    expect(snapshotOf(failed.state)).toMatchObject({ network: 'retrying', proximity: { step: 'checking' } });
    const at = timers(failed.effects).at(-1)!.atMs;
    const again = transition(failed.state, { type: 'poll_due', now: at });
    expect(polls(again.effects).map((p) => p.checkNumber)).toEqual(['47']);
  });

  it('leaves the check behind when the tokens come', () => {
    const sent = transition(asked(), { type: 'check_number_entered', now: T0 + 7_000, checkNumber: '47' }).state;
    const tokens = answer(sent, T0 + 7_100, { kind: 'tokens', tokens: { accessToken: 'at', tokenType: 'Bearer' } });
    expect(snapshotOf(tokens.state).proximity).toBeUndefined();
    const signedIn = transition(tokens.state, { type: 'profile_loaded', flowId: 1, profile: { sub: 'u1' } }).state;
    expect(snapshotOf(signedIn)).toEqual({ state: 'signed_in', profile: { sub: 'u1' } });
  });

  it('words a denial after a wrong number as the check’s, not as someone choosing Deny', () => {
    const sent = transition(asked(), { type: 'check_number_entered', now: T0 + 7_000, checkNumber: '12' }).state;
    const denied = answer(sent, T0 + 7_100, { kind: 'denied', error: new DeviceLoginError('access_denied', 'declined') });
    expect(snapshotOf(denied.state)).toMatchObject({ state: 'denied', error: { code: 'check_number_exhausted' } });
    expect(snapshotOf(denied.state).proximity).toBeUndefined();
    // Without the check, a denial is the phone's, as before.
    const plain = answer(polling(), T0 + 6_000, { kind: 'denied', error: new DeviceLoginError('access_denied', 'declined') });
    expect(snapshotOf(plain.state).error?.code).toBe('access_denied');
  });

  it('expires the code that dies while the number is awaited, and the renewed code starts without the check', () => {
    const expired = transition(asked(), { type: 'poll_due', now: EXPIRES });
    expect(expired.state.flow).toBe('requesting');
    const renewed = transition(expired.state, {
      type: 'authorization_received',
      flowId: expired.state.flowId,
      now: EXPIRES + 100,
      authorization: { ...AUTH, deviceCode: 'second', userCode: 'BCDF-GHJK', expiresAt: EXPIRES + 600_000 },
    });
    expect(snapshotOf(renewed.state).proximity).toBeUndefined();
    expect(timers(renewed.effects).length).toBe(1);
  });

  it('forgets the check with a new code or a cancel', () => {
    expect(snapshotOf(transition(asked(), { type: 'new_code', now: T0 + 8_000 }).state).proximity).toBeUndefined();
    expect(snapshotOf(transition(asked(), { type: 'cancel' }).state)).toEqual({ state: 'idle' });
  });
});
