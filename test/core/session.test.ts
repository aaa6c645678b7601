// The session runner against a scripted in-memory double of the Protocol port and a controllable clock.
// A double is used here because these tests steer virtual time to the millisecond (intervals, slow_down,
// Retry-After, 25-second held polls, cancellation mid-poll) without waiting in real time. The real HTTP
// path is covered by the protocol fixture tests (test/fixtures/, test/core/protocol*) and by
// test/core/faults.test.ts, which runs this same session over a real server.
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceLoginError } from '../../core/errors.ts';
import type { Clock, Logger, Ports, TokenStore } from '../../core/ports.ts';
import { createDeviceSession, storeKeyFor, type DeviceSessionOptions } from '../../core/session.ts';
import type {
  DeviceAuthorization,
  DeviceSession,
  Endpoints,
  PollOutcome,
  Profile,
  Protocol,
  Snapshot,
  StoredSession,
  TokenSet,
} from '../../core/types.ts';

const T0 = 1_700_000_000_000;
const KEY = 'https://idp.example/#tv';

/** Virtual time: sleeps resolve only when the test advances the clock. */
class FakeClock implements Clock {
  t = T0;
  private timers: Array<{ at: number; seq: number; fire: () => void }> = [];
  private seq = 0;

  now = (): number => this.t;

  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new DeviceLoginError('aborted', 'Cancelled.'));
      const timer = {
        at: this.t + Math.max(0, ms),
        seq: this.seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((x) => x !== timer);
        reject(new DeviceLoginError('aborted', 'Cancelled.'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });

  /** Moves time forward, firing due timers in order and letting the promises they release settle. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    await settle();
    for (let i = 0; i < 10_000; i++) {
      const due = this.timers.filter((x) => x.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fire();
      await settle();
    }
    this.t = target;
    await settle();
  }

  pendingTimers(): number {
    return this.timers.length;
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

class MemoryStore implements TokenStore {
  data = new Map<string, string>();
  saves = 0;
  async load(key: string) {
    const raw = this.data.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as StoredSession);
  }
  async save(key: string, value: StoredSession) {
    this.saves++;
    this.data.set(key, JSON.stringify(value));
  }
  async remove(key: string) {
    this.data.delete(key);
  }
  get(key = KEY): StoredSession | undefined {
    const raw = this.data.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as StoredSession);
  }
}

class RecordingLogger implements Logger {
  lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  debug = (message: string, fields?: Record<string, unknown>) =>
    this.lines.push({ level: 'debug', message, ...(fields ? { fields } : {}) });
  info = (message: string, fields?: Record<string, unknown>) =>
    this.lines.push({ level: 'info', message, ...(fields ? { fields } : {}) });
  warn = (message: string, fields?: Record<string, unknown>) =>
    this.lines.push({ level: 'warn', message, ...(fields ? { fields } : {}) });
  error = (message: string, fields?: Record<string, unknown>) =>
    this.lines.push({ level: 'error', message, ...(fields ? { fields } : {}) });
}

/** One scripted poll answer, optionally held (as a long poll would be) for `holdMs` of virtual time. */
type PollStep = PollOutcome | { holdMs: number; then: PollOutcome };

interface PollRecord {
  deviceCode: string;
  waitSeconds: number | undefined;
  startedAt: number;
  endedAt?: number;
  aborted?: boolean;
}

/** A scripted double of the Protocol port (see the file comment). */
class ScriptedProtocol implements Protocol {
  readonly endpoints: Endpoints = {
    issuer: 'https://idp.example/',
    deviceAuthorizationEndpoint: 'https://idp.example/device',
    tokenEndpoint: 'https://idp.example/token',
  };
  codes = 0;
  polls: PollRecord[] = [];
  inFlight = 0;
  maxInFlight = 0;
  pollScript: PollStep[] = [];
  initiateError?: DeviceLoginError;
  profile: Profile | Error | undefined = { sub: 'user-1', name: 'Ada', email: 'ada@example.com' };
  revocation: 'revoked' | 'unsupported' | Error = 'revoked';
  revoked: TokenSet[] = [];
  refreshCalls: string[] = [];
  refreshResult: (refreshToken: string) => Promise<TokenSet> = async () => {
    throw new Error('no refresh scripted');
  };
  private readonly clock: FakeClock;
  private readonly expiresInMs: number;
  private readonly interval: number;
  private readonly longPollMaxWait: number | undefined;
  constructor(clock: FakeClock, expiresInMs = 600_000, interval = 5, longPollMaxWait?: number) {
    this.clock = clock;
    this.expiresInMs = expiresInMs;
    this.interval = interval;
    this.longPollMaxWait = longPollMaxWait;
  }

  async initiateDeviceAuthorization(signal?: AbortSignal): Promise<DeviceAuthorization> {
    if (signal?.aborted) throw new DeviceLoginError('aborted', 'Cancelled.');
    if (this.initiateError) throw this.initiateError;
    this.codes++;
    return {
      deviceCode: `device-code-${this.codes}`,
      userCode: `USER-000${this.codes}`,
      verificationUri: 'https://idp.example/activate',
      verificationUriComplete: `https://idp.example/activate?user_code=USER-000${this.codes}`,
      expiresAt: this.clock.now() + this.expiresInMs,
      interval: this.interval,
      ...(this.longPollMaxWait === undefined ? {} : { longPollMaxWait: this.longPollMaxWait }),
    };
  }

  async pollDeviceAuthorizationGrant(
    deviceCode: string,
    options: { signal?: AbortSignal; waitSeconds?: number } = {},
  ): Promise<PollOutcome> {
    const record: PollRecord = { deviceCode, waitSeconds: options.waitSeconds, startedAt: this.clock.now() };
    this.polls.push(record);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const step = this.pollScript.shift() ?? { kind: 'pending' };
      if ('holdMs' in step) {
        await this.clock.sleep(step.holdMs, options.signal);
        return step.then;
      }
      return step;
    } catch (err) {
      record.aborted = true;
      throw err;
    } finally {
      record.endedAt = this.clock.now();
      this.inFlight--;
    }
  }

  refreshTokenGrant(refreshToken: string): Promise<TokenSet> {
    this.refreshCalls.push(refreshToken);
    return this.refreshResult(refreshToken);
  }

  async fetchProfile(): Promise<Profile | undefined> {
    if (this.profile instanceof Error) throw this.profile;
    return this.profile;
  }

  async tokenRevocation(tokens: TokenSet): Promise<'revoked' | 'unsupported'> {
    if (this.revocation instanceof Error) throw this.revocation;
    this.revoked.push(tokens);
    return this.revocation;
  }
}

const TOKENS: TokenSet = {
  accessToken: 'access-1',
  tokenType: 'Bearer',
  expiresAt: T0 + 3_600_000,
  refreshToken: 'refresh-1',
};

interface Rig {
  clock: FakeClock;
  store: MemoryStore;
  logger: RecordingLogger;
  protocol: ScriptedProtocol;
  ports: Ports;
  session: DeviceSession;
  snapshots: Snapshot[];
  open(options?: Partial<DeviceSessionOptions>): DeviceSession;
}

const sessions: DeviceSession[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.close();
});

function rig(
  options: Partial<DeviceSessionOptions> = {},
  protocolArgs: { expiresInMs?: number; interval?: number; longPollMaxWait?: number } = {},
): Rig {
  const clock = new FakeClock();
  const store = new MemoryStore();
  const logger = new RecordingLogger();
  const protocol = new ScriptedProtocol(clock, protocolArgs.expiresInMs, protocolArgs.interval, protocolArgs.longPollMaxWait);
  const ports: Ports = {
    http: { request: () => Promise.reject(new Error('no HTTP in this test')) },
    clock,
    store,
    logger,
    random: () => 0.5,
  };
  const snapshots: Snapshot[] = [];
  const r: Rig = {
    clock,
    store,
    logger,
    protocol,
    ports,
    snapshots,
    session: undefined as unknown as DeviceSession,
    open(more = {}) {
      const s = createDeviceSession({
        protocol,
        ports,
        storeKey: KEY,
        longPollSeconds: 0,
        ...options,
        ...more,
      });
      sessions.push(s);
      s.subscribe((snap) => snapshots.push(snap));
      return s;
    },
  };
  r.session = r.open();
  return r;
}

/** Signs in through one pending poll and a token answer. */
async function signIn(r: Rig, tokens: TokenSet = TOKENS): Promise<void> {
  r.protocol.pollScript.push({ kind: 'pending' }, { kind: 'tokens', tokens });
  r.session.signIn();
  await r.clock.advance(10_000);
  expect(r.session.snapshot().state).toBe('signed_in');
}

describe('device session runner', () => {
  it('signs in: requesting, awaiting_user with the code, then signed_in with the profile, persisted', async () => {
    const r = rig();
    r.protocol.pollScript.push({ kind: 'pending' }, { kind: 'pending' }, { kind: 'tokens', tokens: TOKENS });
    const settled = r.session.settled();
    r.session.signIn();
    await r.clock.advance(15_000);
    const done = await settled;
    expect(done).toEqual({
      state: 'signed_in',
      profile: { sub: 'user-1', name: 'Ada', email: 'ada@example.com' },
      tokenExpiresAt: TOKENS.expiresAt,
    });
    expect(r.snapshots.map((s) => s.state)).toEqual(['requesting', 'awaiting_user', 'signed_in']);
    expect(r.snapshots[1]).toMatchObject({
      userCode: 'USER-0001',
      verificationUri: 'https://idp.example/activate',
      interval: 5,
      network: 'online',
    });
    expect(r.store.get()).toEqual({
      version: 1,
      tokens: TOKENS,
      profile: { sub: 'user-1', name: 'Ada', email: 'ada@example.com' },
    });
    expect(r.protocol.polls.map((p) => p.startedAt - T0)).toEqual([5_000, 10_000, 15_000]);
  });

  it('where the server announces long polling, polls at once with longPollSeconds as waitSeconds (25 by default) and never concurrently', async () => {
    // No longPollSeconds given: the session's default applies.
    const r = rig({ longPollSeconds: undefined }, { longPollMaxWait: 30 });
    const session = r.session;
    r.protocol.pollScript.push(
      { holdMs: 25_000, then: { kind: 'pending', held: true } },
      { holdMs: 12_000, then: { kind: 'tokens', tokens: TOKENS } },
    );
    session.signIn();
    await r.clock.advance(60_000);
    expect(session.snapshot().state).toBe('signed_in');
    expect(r.protocol.polls.map((p) => p.waitSeconds)).toEqual([25, 25]);
    expect(r.protocol.maxInFlight).toBe(1);
    // The first poll goes out with the code; the second not while the first is held, but the moment
    // its answer comes: the held poll lasted longer than the interval, so the interval is over.
    expect(r.protocol.polls.map((p) => p.startedAt - T0)).toEqual([0, 25_000]);
  });

  it('where the server does not announce long polling, never asks a poll to be held and polls first after one interval', async () => {
    const r = rig({ longPollSeconds: undefined });
    r.protocol.pollScript.push({ kind: 'pending' }, { kind: 'tokens', tokens: TOKENS });
    r.session.signIn();
    await r.clock.advance(30_000);
    expect(r.session.snapshot().state).toBe('signed_in');
    expect(r.protocol.polls.map((p) => p.waitSeconds)).toEqual([0, 0]);
    expect(r.protocol.polls.map((p) => p.startedAt - T0)).toEqual([5_000, 10_000]);
  });

  it('a code resumed after a restart keeps the announcement: it polls at once, asking to be held', async () => {
    const first = rig({ longPollSeconds: 25 }, { longPollMaxWait: 20 });
    first.protocol.pollScript.push({ holdMs: 600_000, then: { kind: 'pending', held: true } });
    first.session.signIn();
    await first.clock.advance(3_000);
    await first.session.close();
    const stored = first.store.get();
    expect(stored?.pending?.longPollMaxWait).toBe(20);

    const second = rig({ longPollSeconds: 25 });
    second.clock.t = first.clock.now();
    await second.store.save(KEY, stored!);
    second.protocol.pollScript.push({ holdMs: 20_000, then: { kind: 'pending', held: true } });
    await second.session.restore();
    await second.clock.advance(0);
    expect(second.protocol.polls.map((p) => ({ at: p.startedAt - first.clock.now(), wait: p.waitSeconds }))).toEqual([{ at: 0, wait: 20 }]);
  });

  it('honours the interval, slow_down (+5 s for every later poll), Retry-After and backoff in its timing', async () => {
    const r = rig({ backoff: { initialMs: 1_000, maxMs: 30_000 } });
    r.protocol.pollScript.push(
      { kind: 'pending' },
      { kind: 'slow_down' },
      { kind: 'pending' },
      { kind: 'pending', retryAfterMs: 20_000 },
      { kind: 'retry', error: new DeviceLoginError('network', 'Could not reach idp.example.') },
      { kind: 'slow_down', interval: 30 },
      { kind: 'tokens', tokens: TOKENS },
    );
    r.session.signIn();
    await r.clock.advance(200_000);
    expect(r.session.snapshot().state).toBe('signed_in');
    const starts = r.protocol.polls.map((p) => p.startedAt - T0);
    const gaps = starts.slice(1).map((s, i) => (s - starts[i]!) / 1000);
    expect(starts[0]).toBe(5_000);
    expect(gaps).toEqual([5, 10, 10, 20, 10, 30]);
    expect(r.protocol.maxInFlight).toBe(1);
  });

  it('cancel during a long poll aborts it at once and polls no more', async () => {
    const r = rig({ longPollSeconds: 25 });
    r.protocol.pollScript.push({ holdMs: 25_000, then: { kind: 'tokens', tokens: TOKENS } });
    r.session.signIn();
    await r.clock.advance(8_000);
    expect(r.protocol.inFlight).toBe(1);
    r.session.cancel();
    await r.clock.advance(0);
    expect(r.protocol.polls[0]).toMatchObject({ aborted: true, endedAt: T0 + 8_000 });
    expect(r.protocol.inFlight).toBe(0);
    expect(r.session.snapshot()).toEqual({ state: 'idle' });
    expect(r.store.get()).toBeUndefined();
    await r.clock.advance(120_000);
    expect(r.protocol.polls).toHaveLength(1);
    expect(r.clock.pendingTimers()).toBe(0);
  });

  it('close during a long poll aborts it at once and leaves no timers', async () => {
    const r = rig({ longPollSeconds: 25 });
    r.protocol.pollScript.push({ holdMs: 25_000, then: { kind: 'pending' } });
    r.session.signIn();
    await r.clock.advance(6_000);
    const settled = r.session.settled();
    r.session.close();
    await r.clock.advance(0);
    expect(r.protocol.polls[0]).toMatchObject({ aborted: true, endedAt: T0 + 6_000 });
    await expect(settled).resolves.toMatchObject({ state: 'awaiting_user' });
    expect(r.clock.pendingTimers()).toBe(0);
  });

  it('newCode during a long poll aborts it, shows a new code, and ignores the old poll', async () => {
    const r = rig({ longPollSeconds: 25 });
    r.protocol.pollScript.push(
      { holdMs: 25_000, then: { kind: 'tokens', tokens: TOKENS } },
      { kind: 'pending' },
    );
    r.session.signIn();
    await r.clock.advance(7_000);
    r.session.newCode();
    await r.clock.advance(0);
    expect(r.protocol.polls[0]?.aborted).toBe(true);
    expect(r.session.snapshot()).toMatchObject({ state: 'awaiting_user', userCode: 'USER-0002' });
    await r.clock.advance(30_000);
    expect(r.session.snapshot().state).toBe('awaiting_user');
    expect(r.protocol.polls.slice(1).every((p) => p.deviceCode === 'device-code-2')).toBe(true);
  });

  it('persists the pending flow and a new session on the same store resumes the same code and interval', async () => {
    const r = rig();
    r.protocol.pollScript.push({ kind: 'slow_down' });
    r.session.signIn();
    await r.clock.advance(6_000);
    expect(r.store.get()?.pending).toMatchObject({ userCode: 'USER-0001', interval: 10 });
    r.session.close();

    await r.clock.advance(3_000);
    const resumed = r.open();
    const snap = await resumed.restore();
    expect(snap).toMatchObject({ state: 'awaiting_user', userCode: 'USER-0001', interval: 10 });
    r.protocol.pollScript.push({ kind: 'tokens', tokens: TOKENS });
    await r.clock.advance(10_000);
    expect(resumed.snapshot().state).toBe('signed_in');
    expect(r.protocol.codes).toBe(1);
    expect(r.protocol.polls.map((p) => p.deviceCode)).toEqual(['device-code-1', 'device-code-1']);
    expect(r.protocol.polls[1]!.startedAt - r.protocol.polls[0]!.startedAt).toBeGreaterThanOrEqual(10_000);
  });

  it('a restored pending flow whose code expired is cleared and the session is idle', async () => {
    const r = rig();
    r.session.signIn();
    await r.clock.advance(1);
    r.session.close();
    await r.clock.advance(601_000);
    const next = r.open();
    expect(await next.restore()).toEqual({ state: 'idle' });
    expect(r.store.get()).toBeUndefined();
  });

  it('a restored signed-in session is signed_in with its profile without any network call', async () => {
    const r = rig();
    await r.store.save(KEY, { version: 1, tokens: TOKENS, profile: { sub: 'user-9' } });
    expect(await r.session.restore()).toEqual({
      state: 'signed_in',
      profile: { sub: 'user-9' },
      tokenExpiresAt: TOKENS.expiresAt,
    });
    expect(await r.session.accessToken()).toBe('access-1');
    expect(r.protocol.codes + r.protocol.polls.length + r.protocol.refreshCalls.length).toBe(0);
  });

  it('concurrent accessToken callers share one refresh, and a rotated refresh token is kept', async () => {
    const r = rig();
    await signIn(r, { ...TOKENS, expiresAt: T0 + 70_000 });
    let release!: () => void;
    r.protocol.refreshResult = (rt) =>
      new Promise((resolve) => {
        release = () =>
          resolve({
            accessToken: `access-after-${rt}`,
            tokenType: 'bearer',
            expiresAt: r.clock.now() + 3_600_000,
            refreshToken: 'refresh-2',
          });
      });
    await r.clock.advance(30_000);
    const callers = Array.from({ length: 5 }, () => r.session.accessToken());
    await settle();
    release();
    expect(await Promise.all(callers)).toEqual(Array(5).fill('access-after-refresh-1'));
    expect(r.protocol.refreshCalls).toEqual(['refresh-1']);
    expect(r.store.get()?.tokens).toMatchObject({
      accessToken: 'access-after-refresh-1',
      refreshToken: 'refresh-2',
    });
    expect(r.store.get()?.profile).toEqual({ sub: 'user-1', name: 'Ada', email: 'ada@example.com' });
  });

  it('a refresh without rotation keeps the old refresh token', async () => {
    const r = rig();
    await signIn(r);
    r.protocol.refreshResult = async () => ({
      accessToken: 'access-2',
      tokenType: 'Bearer',
      expiresAt: r.clock.now() + 3_600_000,
    });
    expect(await r.session.accessToken({ forceRefresh: true })).toBe('access-2');
    expect(r.store.get()?.tokens).toMatchObject({ accessToken: 'access-2', refreshToken: 'refresh-1' });
  });

  it('a fresh token is returned without refreshing; one expiring within minValidityMs is refreshed', async () => {
    const r = rig();
    await signIn(r, { ...TOKENS, expiresAt: T0 + 200_000 });
    r.protocol.refreshResult = async () => ({
      accessToken: 'access-2',
      tokenType: 'Bearer',
      expiresAt: r.clock.now() + 3_600_000,
    });
    expect(await r.session.accessToken()).toBe('access-1');
    expect(await r.session.accessToken({ minValidityMs: 300_000 })).toBe('access-2');
    expect(r.protocol.refreshCalls).toHaveLength(1);
  });

  it('invalid_grant on refresh signs out cleanly: store cleared, idle, a readable not_signed_in error', async () => {
    const r = rig();
    await signIn(r);
    r.protocol.refreshResult = async () => {
      throw new DeviceLoginError('invalid_grant', 'Refresh token revoked.', {
        oauth: { error: 'invalid_grant' },
        status: 400,
      });
    };
    const err = await r.session.accessToken({ forceRefresh: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceLoginError);
    expect((err as DeviceLoginError).code).toBe('not_signed_in');
    expect((err as DeviceLoginError).message).toMatch(/sign in again/i);
    expect(r.session.snapshot()).toEqual({ state: 'idle', notice: 'session_ended' });
    expect(r.store.get()).toBeUndefined();
  });

  it('callers that need a token while one refresh runs share it, and all learn when the sign-in ended', async () => {
    const r = rig();
    await signIn(r);
    let release!: () => void;
    r.protocol.refreshResult = () =>
      new Promise((_resolve, reject) => {
        release = () => reject(new DeviceLoginError('invalid_grant', 'Refresh token revoked.', { status: 400 }));
      });
    const first = r.session.accessToken({ forceRefresh: true }).catch((e: unknown) => e);
    const second = r.session.accessToken({ forceRefresh: true }).catch((e: unknown) => e);
    await Promise.resolve();
    release();
    expect(await first).toMatchObject({ code: 'not_signed_in' });
    expect(await second).toMatchObject({ code: 'not_signed_in' });
    expect(r.protocol.refreshCalls).toHaveLength(1);
  });

  it('a transport error on refresh is thrown and the session stays signed in', async () => {
    const r = rig();
    await signIn(r);
    r.protocol.refreshResult = async () => {
      throw new DeviceLoginError('network', 'Could not reach idp.example.');
    };
    await expect(r.session.accessToken({ forceRefresh: true })).rejects.toMatchObject({ code: 'network' });
    expect(r.session.snapshot().state).toBe('signed_in');
    expect(r.store.get()?.tokens).toEqual(TOKENS);
  });

  it('a token store that cannot be read ends in the error state with the store code (not a configuration error)', async () => {
    const r = rig();
    r.store.data.set(KEY, '{not json');
    const snapshot = await r.session.restore();
    expect(snapshot.state).toBe('error');
    expect(snapshot.error?.code).toBe('store');
  });

  it('accessToken when not signed in throws not_signed_in', async () => {
    const r = rig();
    await expect(r.session.accessToken()).rejects.toMatchObject({ code: 'not_signed_in' });
  });

  it('signOut without a revocation endpoint forgets locally and says the grant is still live at the provider', async () => {
    const r = rig();
    await signIn(r);
    r.protocol.revocation = 'unsupported';
    const result = await r.session.signOut();
    expect(result).toEqual({ revoked: false, notRevoked: 'unsupported', provider: 'https://idp.example/' });
    expect(r.store.get()).toBeUndefined();
    expect(r.session.snapshot()).toEqual({ state: 'idle', notice: 'revocation_unsupported' });
    expect(r.snapshots.map((s) => s.state).slice(-2)).toEqual(['signing_out', 'idle']);
  });

  it('signOut revokes when it can, and forgets the tokens even when revocation fails', async () => {
    const ok = rig();
    await signIn(ok);
    expect(await ok.session.signOut()).toMatchObject({ revoked: true });
    expect(ok.protocol.revoked).toEqual([TOKENS]);

    const failing = rig();
    await signIn(failing);
    failing.protocol.revocation = new DeviceLoginError(
      'timeout',
      'No answer from https://idp.example within 10000 ms.',
    );
    const result = await failing.session.signOut();
    expect(result).toMatchObject({ revoked: false, notRevoked: 'failed', detail: 'No answer from https://idp.example within 10000 ms.' });
    expect(failing.store.get()).toBeUndefined();
    expect(failing.session.snapshot()).toEqual({ state: 'idle', notice: 'revocation_failed' });
  });

  it('two signOut calls at once revoke once and share the result', async () => {
    const r = rig();
    await signIn(r);
    const [a, b] = await Promise.all([r.session.signOut(), r.session.signOut()]);
    expect(a).toEqual(b);
    expect(a.revoked).toBe(true);
    expect(r.protocol.revoked).toHaveLength(1);
  });

  it('a profile that cannot be loaded does not lose the sign-in; a warning is logged', async () => {
    const r = rig();
    r.protocol.profile = new DeviceLoginError('network', 'userinfo unreachable');
    await signIn(r);
    expect(r.store.get()?.tokens).toEqual(TOKENS);
    expect(r.session.snapshot()).toMatchObject({ state: 'signed_in', notice: 'profile_unavailable' });
    expect(r.logger.lines.some((l) => l.level === 'warn' && /profile/.test(l.message))).toBe(true);
  });

  it('a failed device authorization request becomes the error state with its message, and signIn retries', async () => {
    const r = rig();
    r.protocol.initiateError = new DeviceLoginError(
      'invalid_client',
      'The provider does not know the client id "tv".',
    );
    r.session.signIn();
    const settled = await r.session.settled();
    expect(settled).toEqual({
      state: 'error',
      error: { code: 'invalid_client', message: 'The provider does not know the client id "tv".' },
    });
    delete r.protocol.initiateError;
    r.session.signIn();
    await r.clock.advance(0);
    expect(r.session.snapshot()).toMatchObject({ state: 'awaiting_user', userCode: 'USER-0001' });
  });

  it('renews an expired code automatically twice, then settles in expired until newCode()', async () => {
    const r = rig({ maxAutoRenewals: 2 }, { expiresInMs: 20_000 });
    r.session.signIn();
    const settled = await Promise.race([
      r.session.settled(),
      r.clock.advance(100_000).then(() => 'timeout' as const),
    ]);
    expect(settled).toMatchObject({
      state: 'expired',
      autoRenewalsLeft: 0,
      error: { code: 'expired_token' },
    });
    expect(r.protocol.codes).toBe(3);
    expect(r.protocol.polls.every((p) => p.startedAt < T0 + 60_000)).toBe(true);
    r.session.newCode();
    await r.clock.advance(0);
    expect(r.session.snapshot()).toMatchObject({
      state: 'awaiting_user',
      userCode: 'USER-0004',
      autoRenewalsLeft: 2,
    });
  });

  it('shows network retrying while polls fail, keeps the code, and returns to online', async () => {
    const r = rig({ backoff: { initialMs: 1_000, maxMs: 4_000 } });
    const failure: PollOutcome = {
      kind: 'retry',
      error: new DeviceLoginError('timeout', 'No answer within 10000 ms.'),
    };
    r.protocol.pollScript.push(failure, failure, { kind: 'pending' });
    r.session.signIn();
    await r.clock.advance(30_000);
    const networks = r.snapshots.filter((s) => s.state === 'awaiting_user').map((s) => s.network);
    expect(networks).toEqual(['online', 'retrying', 'online']);
    expect(new Set(r.snapshots.filter((s) => s.userCode).map((s) => s.userCode))).toEqual(
      new Set(['USER-0001']),
    );
  });

  it('snapshots and log lines never contain a token or the device code', async () => {
    const r = rig();
    await signIn(r);
    await r.session.signOut();
    const text = JSON.stringify(r.snapshots) + JSON.stringify(r.logger.lines);
    for (const secret of ['device-code-1', 'access-1', 'refresh-1']) expect(text).not.toContain(secret);
  });

  it('storeKeyFor keys by issuer, else token endpoint, and client id', () => {
    expect(
      storeKeyFor(
        {
          issuer: 'https://a.example/',
          deviceAuthorizationEndpoint: 'x',
          tokenEndpoint: 'https://a.example/t',
        },
        'tv',
      ),
    ).toBe('https://a.example/#tv');
    expect(
      storeKeyFor(
        { deviceAuthorizationEndpoint: 'x', tokenEndpoint: 'https://gh.example/login/oauth/access_token' },
        'c1',
      ),
    ).toBe('https://gh.example/login/oauth/access_token#c1');
  });
});
