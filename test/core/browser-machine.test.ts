// The reducer's browser sign-in (authorization code flow): awaiting_user with method browser, the
// tokens stored exactly as a device-flow sign-in stores them, and the side exits.
import { describe, expect, it } from 'vitest';
import { DeviceLoginError } from '../../core/errors.ts';
import { initialState, snapshotOf, transition, type MachineEvent, type MachineState } from '../../core/machine.ts';
import type { TokenSet } from '../../core/types.ts';

const TOKENS: TokenSet = { accessToken: 'at', tokenType: 'Bearer', refreshToken: 'rt' };
const URL_ = 'https://idp.example/authorize?state=x';

function run(events: MachineEvent[], state: MachineState = initialState()) {
  const effects = [];
  for (const event of events) {
    const result = transition(state, event);
    state = result.state;
    effects.push(...result.effects);
  }
  return { state, effects };
}

const started = () => run([{ type: 'browser_sign_in_started', authorizationUrl: URL_ }]);

describe('a sign-in through a browser in the reducer', () => {
  it('waits for the user with method browser and the address, without a code', () => {
    const { state } = started();
    expect(snapshotOf(state)).toEqual({ state: 'awaiting_user', method: 'browser', authorizationUrl: URL_ });
  });

  it('stores the tokens and loads the profile as the device flow does, then is signed in', () => {
    const { state } = started();
    const got = run([{ type: 'browser_sign_in_ended', flowId: state.flowId, result: { kind: 'tokens', tokens: TOKENS } }], state);
    expect(got.effects).toEqual([
      { type: 'persist', value: { version: 1, tokens: TOKENS } },
      { type: 'load_profile', flowId: state.flowId, tokens: TOKENS },
    ]);
    const done = run([{ type: 'profile_loaded', flowId: state.flowId, profile: { sub: 'ada' } }], got.state);
    expect(snapshotOf(done.state)).toMatchObject({ state: 'signed_in', profile: { sub: 'ada' } });
    expect(done.effects).toEqual([{ type: 'persist', value: { version: 1, tokens: TOKENS, profile: { sub: 'ada' } } }]);
  });

  it('settles access_denied as denied, expired_token as expired, anything else as error', () => {
    const cases = [
      ['access_denied', 'denied'],
      ['expired_token', 'expired'],
      ['invalid_response', 'error'],
    ] as const;
    for (const [code, flow] of cases) {
      const { state } = started();
      const error = new DeviceLoginError(code, `${code}!`);
      const ended = run([{ type: 'browser_sign_in_ended', flowId: state.flowId, result: { kind: 'failed', error } }], state);
      expect(snapshotOf(ended.state)).toEqual({ state: flow, error: { code, message: `${code}!` }, ...(flow === 'expired' ? { autoRenewalsLeft: 2 } : {}) });
    }
  });

  it('ignores the end of an older attempt, and a start while signed in', () => {
    const { state } = started();
    const stale = run([{ type: 'browser_sign_in_ended', flowId: state.flowId - 1, result: { kind: 'tokens', tokens: TOKENS } }], state);
    expect(stale.state).toBe(state);
    const signedIn = run([{ type: 'restored', now: 0, stored: { version: 1, tokens: TOKENS } }]).state;
    expect(run([{ type: 'browser_sign_in_started', authorizationUrl: URL_ }], signedIn).state).toBe(signedIn);
  });

  it('goes back to idle on cancel, and a device code replaces it on new_code', () => {
    const { state } = started();
    expect(snapshotOf(run([{ type: 'cancel' }], state).state)).toEqual({ state: 'idle' });
    const device = run([{ type: 'new_code', now: 0 }], state);
    expect(device.state.flow).toBe('requesting');
    expect(device.state.browser).toBeUndefined();
  });

  it('marks a device code method device', () => {
    const { state } = run([
      { type: 'sign_in', now: 0 },
      { type: 'authorization_received', flowId: 1, now: 0, authorization: { deviceCode: 'd', userCode: 'U', verificationUri: 'https://x/d', expiresAt: 600_000, interval: 5 } },
    ]);
    expect(snapshotOf(state).method).toBe('device');
  });
});
