// The device flow as one pure reducer: the single source of truth for every RFC 8628 rule (DESIGN.md).
// Time enters only through events (`now`), randomness only through `jitter`; the session runner
// (core/session.ts) executes the effects through the ports and feeds the results back as events.
import { backoffDelayMs, nextPollAt, slowedInterval, type BackoffSettings } from './backoff.ts';
import { isCheckNumber } from './check-number.ts';
import { CLIENT_DEFAULTS } from './defaults.ts';
import { SIGNED_OUT_FROM_ACCOUNT, type DeviceLoginError } from './errors.ts';
import type {
  DeviceAuthorization,
  FlowState,
  NetworkStatus,
  PollOutcome,
  Profile,
  ProximityCheck,
  SessionNotice,
  SignOutResult,
  Snapshot,
  StoredSession,
  TokenSet,
} from './types.ts';
import { displayUserCode } from './user-code.ts';

/** Tunables of the flow. */
export interface MachineConfig {
  /** Expired codes replaced without asking the user (RFC 8628 §3.5 wants user interaction). */
  maxAutoRenewals: number;
  /**
   * The most seconds a poll asks the server to hold it (`Prefer: wait=N`, RFC 7240), and only where
   * the server announces long polling (DeviceAuthorization.longPollMaxWait); 0 = never.
   */
  longPollSeconds: number;
  backoff: BackoffSettings;
}

export const DEFAULT_MACHINE_CONFIG: MachineConfig = {
  maxAutoRenewals: CLIENT_DEFAULTS.maxAutoRenewals,
  longPollSeconds: CLIENT_DEFAULTS.longPollSeconds,
  backoff: CLIENT_DEFAULTS.backoff,
};

/** A readable error as the snapshot shows it. */
export interface FlowError {
  code: string;
  message: string;
}

export interface MachineState {
  readonly config: MachineConfig;
  readonly flow: FlowState;
  readonly network: NetworkStatus;
  /** Grows with every device code request; results that belong to an older flow are ignored. */
  readonly flowId: number;
  /** The code on screen (kept while the profile loads so the screen does not flicker). */
  readonly authorization?: DeviceAuthorization;
  readonly pollInFlight: boolean;
  /** When the poll in flight (or the last one) was sent. */
  readonly pollStartedAt?: number;
  /**
   * When the last poll the server may have seen was sent (every poll except one that never reached
   * it): the interval runs from there after a request that did not reach the server.
   */
  readonly lastPollSeenAt?: number;
  /** Earliest time of the next poll (interval, slow_down, Retry-After, backoff). */
  readonly nextPollAt?: number;
  /** The `now` at which `nextPollAt` was set: tells a wall clock that went back from an early timer. */
  readonly scheduledFrom?: number;
  /** Consecutive polls that got no usable answer. */
  readonly failures: number;
  readonly autoRenewalsLeft: number;
  /** The code being requested replaces one that expired, without anyone asking (an automatic renewal). */
  readonly renewing?: boolean;
  /** When the code on screen replaced an expired one automatically: someone half-way on the phone must be told. */
  readonly renewedAt?: number;
  /**
   * The proximity check, once the server asked for it (core/check-number.ts): polling pauses until
   * the person enters the number; `entered` is that number, sent with every poll until the server
   * answers it (a poll that fails on the way sends it again).
   */
  readonly proximity?: { readonly step: 'needed' | 'wrong'; readonly attemptsLeft?: number; readonly entered?: string };
  /**
   * A sign-in through a browser (the authorization code flow) is under way instead of a device code:
   * the address the person opens. Whoever runs it (host/browser-sign-in.ts) reports how it ended.
   */
  readonly browser?: { readonly authorizationUrl: string };
  /** Tokens arrived; waiting for the profile before `signed_in`. */
  readonly loadingProfile: boolean;
  readonly tokens?: TokenSet;
  /**
   * Grows with every new token set (sign-in, refresh, restore): a refresh answer for an older set
   * (the person signed out and in again meanwhile) is not applied to the new one.
   */
  readonly tokensId: number;
  /** A refresh is in flight: every caller that needs a fresh token waits for this one (single flight). */
  readonly refreshing: boolean;
  readonly profile?: Profile;
  readonly error?: FlowError;
  /** What the person should be told that the flow state does not say (words are the screen's). */
  readonly notice?: SessionNotice;
}

export type MachineEvent =
  /** What the TokenStore held at start-up. */
  | { type: 'restored'; now: number; stored?: StoredSession }
  | { type: 'restore_failed'; error: DeviceLoginError }
  /** The user asked to sign in (from idle, denied, expired or error). */
  | { type: 'sign_in'; now: number }
  /** The user asked for a fresh code ("Press OK for a new code"). */
  | { type: 'new_code'; now: number }
  /** The person entered the check number the phone shows (the proximity check). */
  | { type: 'check_number_entered'; now: number; checkNumber: string }
  | { type: 'authorization_received'; flowId: number; now: number; authorization: DeviceAuthorization }
  /** A sign-in through a browser began (from idle, denied, expired or error): the person opens this address. */
  | { type: 'browser_sign_in_started'; authorizationUrl: string }
  /**
   * How that sign-in ended: tokens from the code exchange, or an error (`access_denied`: the person
   * said no; `expired_token`: nobody finished in time; anything else: it failed).
   */
  | { type: 'browser_sign_in_ended'; flowId: number; result: { kind: 'tokens'; tokens: TokenSet } | { kind: 'failed'; error: DeviceLoginError } }
  | { type: 'authorization_failed'; flowId: number; error: DeviceLoginError }
  /** The timer of a `schedule_poll` effect fired. */
  | { type: 'poll_due'; now: number }
  /** `jitter` is uniform in [0, 1), used only for backoff. */
  | { type: 'poll_outcome'; flowId: number; now: number; outcome: PollOutcome; jitter?: number }
  /** `profile` is undefined when the server gave none; `failed` when it could not be loaded (the tokens are kept anyway). */
  | { type: 'profile_loaded'; flowId: number; profile?: Profile; failed?: boolean }
  | { type: 'cancel' }
  | { type: 'sign_out' }
  | { type: 'signed_out'; result: SignOutResult }
  /**
   * A caller needs an access token (for an API call): answered at once by a `token_ready` or
   * `token_unavailable` effect, or by those effects when the refresh it starts (or joins) ends.
   */
  | { type: 'token_wanted'; now: number; forceRefresh?: boolean; minValidityMs?: number }
  /** `stored`: the runner already wrote the set to the store, under its lock (TokenStore.exclusive). */
  | { type: 'refresh_succeeded'; tokensId: number; tokens: TokenSet; stored?: boolean }
  | { type: 'refresh_failed'; tokensId: number; error: DeviceLoginError };

export type Effect =
  /** Abort whatever the current flow has in flight: the authorization request, a poll, a timer. */
  | { type: 'abort' }
  | { type: 'request_authorization'; flowId: number }
  /** Dispatch `poll_due` at `atMs` (replaces any earlier timer). */
  | { type: 'schedule_poll'; atMs: number }
  /** `checkNumber`: the number the person entered, for a server that asked for it. */
  | { type: 'poll'; flowId: number; deviceCode: string; waitSeconds: number; checkNumber?: string }
  | { type: 'load_profile'; flowId: number; tokens: TokenSet }
  /** Write this value to the TokenStore under the session's key. */
  | { type: 'persist'; value: StoredSession }
  | { type: 'clear_store' }
  | { type: 'revoke'; tokens: TokenSet }
  /** Refresh the tokens (RFC 6749 §6); answer with `refresh_succeeded` or `refresh_failed` for `tokensId`. */
  | { type: 'refresh'; tokensId: number; refreshToken: string }
  /** The answer to who asked for an access token: this one is good to use. */
  | { type: 'token_ready'; accessToken: string }
  /** The answer to who asked for an access token: there is none (`not_signed_in` when the sign-in ended). */
  | { type: 'token_unavailable'; error: FlowError };

export interface Transition {
  state: MachineState;
  effects: Effect[];
}

/** The state of a fresh session. */
export function initialState(config: Partial<MachineConfig> = {}): MachineState {
  const full: MachineConfig = {
    maxAutoRenewals: config.maxAutoRenewals ?? DEFAULT_MACHINE_CONFIG.maxAutoRenewals,
    longPollSeconds: config.longPollSeconds ?? DEFAULT_MACHINE_CONFIG.longPollSeconds,
    backoff: config.backoff ?? DEFAULT_MACHINE_CONFIG.backoff,
  };
  return {
    config: full,
    flow: 'idle',
    network: 'online',
    flowId: 0,
    pollInFlight: false,
    failures: 0,
    autoRenewalsLeft: full.maxAutoRenewals,
    loadingProfile: false,
    tokensId: 0,
    refreshing: false,
  };
}

/** True in the states `settled()` waits for. */
export function isSettled(state: MachineState): boolean {
  return (
    state.flow === 'signed_in' ||
    state.flow === 'denied' ||
    state.flow === 'expired' ||
    state.flow === 'error'
  );
}

/** The one reducer of the device flow. Pure and deterministic. */
export function transition(state: MachineState, event: MachineEvent): Transition {
  switch (event.type) {
    case 'restored':
      return onRestored(state, event.now, event.stored);
    case 'restore_failed':
      if (state.flow !== 'idle') return same(state);
      return { state: { ...state, flow: 'error', error: describe(event.error) }, effects: [] };
    case 'sign_in':
      if (!['idle', 'denied', 'expired', 'error'].includes(state.flow)) return same(state);
      return startRequest(state, state.config.maxAutoRenewals);
    case 'new_code':
      if (state.flow === 'signed_in' || state.flow === 'signing_out') return same(state);
      return startRequest(state, state.config.maxAutoRenewals);
    case 'authorization_received':
      if (state.flow !== 'requesting' || event.flowId !== state.flowId) return same(state);
      return onAuthorization(state, event.now, event.authorization);
    case 'authorization_failed':
      if (state.flow !== 'requesting' || event.flowId !== state.flowId) return same(state);
      return { state: settle(state, 'error', describe(event.error)), effects: [] };
    case 'check_number_entered':
      return onCheckNumberEntered(state, event.now, event.checkNumber);
    case 'browser_sign_in_started':
      if (!['idle', 'denied', 'expired', 'error'].includes(state.flow)) return same(state);
      return {
        state: { ...withoutFlow(state), flow: 'awaiting_user', flowId: state.flowId + 1, browser: { authorizationUrl: event.authorizationUrl } },
        effects: [{ type: 'abort' }],
      };
    case 'browser_sign_in_ended':
      if (state.flow !== 'awaiting_user' || !state.browser || state.loadingProfile || event.flowId !== state.flowId) return same(state);
      if (event.result.kind === 'tokens') return tokensObtained(state, event.result.tokens);
      return { state: settle(state, browserOutcome(event.result.error), describe(event.result.error)), effects: [] };
    case 'poll_due':
      return onPollDue(state, event.now);
    case 'poll_outcome':
      if (state.flow !== 'awaiting_user' || event.flowId !== state.flowId || !state.pollInFlight)
        return same(state);
      return onPollOutcome({ ...state, pollInFlight: false }, event.now, event.outcome, event.jitter ?? 0.5);
    case 'profile_loaded': {
      if (!state.loadingProfile || event.flowId !== state.flowId || !state.tokens) return same(state);
      const profile = event.profile;
      const next: MachineState = {
        ...withoutFlow(state),
        flow: 'signed_in',
        tokens: state.tokens,
        ...(profile ? { profile } : {}),
        ...(event.failed ? { notice: 'profile_unavailable' as const } : {}),
      };
      return { state: next, effects: [{ type: 'persist', value: storedSignedIn(state.tokens, profile) }] };
    }
    case 'cancel':
      if (!['requesting', 'awaiting_user', 'denied', 'expired', 'error'].includes(state.flow))
        return same(state);
      return {
        state: { ...withoutFlow(state), flow: 'idle', autoRenewalsLeft: state.config.maxAutoRenewals },
        effects: [{ type: 'abort' }, { type: 'clear_store' }],
      };
    case 'sign_out': {
      if (state.flow === 'signing_out') return same(state);
      const tokens = state.tokens;
      const base = { ...withoutFlow(state), autoRenewalsLeft: state.config.maxAutoRenewals };
      // Forget first: a revocation that hangs or fails must not leave the tokens on disk.
      if (!tokens)
        return { state: { ...base, flow: 'idle' }, effects: [{ type: 'abort' }, { type: 'clear_store' }] };
      return {
        state: { ...base, flow: 'signing_out' },
        effects: [{ type: 'abort' }, { type: 'clear_store' }, { type: 'revoke', tokens }],
      };
    }
    case 'signed_out': {
      if (state.flow !== 'signing_out') return same(state);
      const notice = signOutNotice(event.result);
      return { state: { ...state, flow: 'idle', ...(notice ? { notice } : {}) }, effects: [] };
    }
    case 'token_wanted':
      return onTokenWanted(state, event.now, event.forceRefresh === true, event.minValidityMs ?? CLIENT_DEFAULTS.minTokenValidityMs);
    case 'refresh_succeeded':
      return onRefreshed(state, event.tokensId, event.tokens, event.stored === true);
    case 'refresh_failed':
      return onRefreshFailed(state, event.tokensId, event.error);
  }
}

/** The public projection: no tokens, no device code. */
export function snapshotOf(state: MachineState): Snapshot {
  const snap: Snapshot = { state: state.flow };
  const auth = state.authorization;
  if (state.flow === 'awaiting_user' && state.browser) {
    snap.method = 'browser';
    snap.authorizationUrl = state.browser.authorizationUrl;
  }
  if (state.flow === 'awaiting_user' && auth) {
    snap.method = 'device';
    snap.network = state.network;
    snap.userCode = auth.userCode;
    snap.verificationUri = auth.verificationUri;
    if (auth.verificationUriComplete) snap.verificationUriComplete = auth.verificationUriComplete;
    snap.expiresAt = auth.expiresAt;
    if (auth.issuedAt !== undefined) snap.issuedAt = auth.issuedAt;
    snap.interval = auth.interval;
    if (auth.message) snap.message = auth.message;
    if (state.renewedAt !== undefined) snap.renewedAt = state.renewedAt;
    snap.displayCode = displayUserCode(auth.userCode);
    const proximity = proximityOf(state);
    if (proximity) snap.proximity = proximity;
  }
  if (state.notice) snap.notice = state.notice;
  if (state.flow === 'signed_in') {
    if (state.profile) snap.profile = state.profile;
    if (state.tokens?.expiresAt !== undefined) snap.tokenExpiresAt = state.tokens.expiresAt;
  }
  if (state.error) snap.error = state.error;
  // Renewals are of device codes: a browser sign-in has none.
  if (state.flow === 'requesting' || (state.flow === 'awaiting_user' && !state.browser) || state.flow === 'expired') {
    snap.autoRenewalsLeft = state.autoRenewalsLeft;
  }
  return snap;
}

function same(state: MachineState): Transition {
  return { state, effects: [] };
}

/** Drops everything that belongs to a device flow or a sign-in. */
function withoutFlow(state: MachineState): MachineState {
  return {
    config: state.config,
    flow: state.flow,
    network: 'online',
    flowId: state.flowId,
    pollInFlight: false,
    failures: 0,
    autoRenewalsLeft: state.autoRenewalsLeft,
    loadingProfile: false,
    tokensId: state.tokensId,
    refreshing: false,
  };
}

function settle(state: MachineState, flow: 'denied' | 'expired' | 'error', error: FlowError): MachineState {
  return { ...withoutFlow(state), flow, error };
}

function describe(error: DeviceLoginError): FlowError {
  return { code: error.code, message: error.message };
}

function startRequest(state: MachineState, autoRenewalsLeft: number, renewing = false): Transition {
  const flowId = state.flowId + 1;
  return {
    state: { ...withoutFlow(state), flow: 'requesting', flowId, autoRenewalsLeft, ...(renewing ? { renewing } : {}) },
    effects: [{ type: 'abort' }, { type: 'request_authorization', flowId }],
  };
}

function storedPending(authorization: DeviceAuthorization): StoredSession {
  return { version: 1, pending: authorization };
}

function storedSignedIn(tokens: TokenSet, profile?: Profile): StoredSession {
  return profile ? { version: 1, tokens, profile } : { version: 1, tokens };
}

function onRestored(state: MachineState, now: number, stored?: StoredSession): Transition {
  if (state.flow !== 'idle') return same(state);
  if (stored?.tokens) {
    return {
      state: {
        ...withoutFlow(state),
        flow: 'signed_in',
        tokens: stored.tokens,
        tokensId: state.tokensId + 1,
        ...(stored.profile ? { profile: stored.profile } : {}),
      },
      effects: [],
    };
  }
  const pending = stored?.pending;
  if (pending && pending.expiresAt > now) {
    // Resume the same code at the same interval, paced as a fresh one (see firstPoll). A code persisted
    // by an older version has no issue time: now is close enough for the countdown ring.
    const resumed: MachineState = {
      ...withoutFlow(state),
      flow: 'awaiting_user',
      flowId: state.flowId + 1,
      authorization: { ...pending, issuedAt: Math.min(pending.issuedAt ?? now, pending.expiresAt) },
      autoRenewalsLeft: state.config.maxAutoRenewals,
    };
    return firstPoll(resumed, now, pending);
  }
  if (pending) return { state: withoutFlow(state), effects: [{ type: 'clear_store' }] };
  return same(state);
}

function onAuthorization(state: MachineState, now: number, received: DeviceAuthorization): Transition {
  const authorization: DeviceAuthorization = { ...received, issuedAt: Math.min(received.issuedAt ?? now, received.expiresAt) };
  const { renewing: _renewing, ...rest } = state;
  const awaiting: MachineState = {
    ...rest,
    flow: 'awaiting_user',
    network: 'online',
    authorization,
    pollInFlight: false,
    failures: 0,
    ...(state.renewing ? { renewedAt: now } : {}),
  };
  const first = firstPoll(awaiting, now, authorization);
  return { state: first.state, effects: [{ type: 'persist', value: storedPending(authorization) }, ...first.effects] };
}

/** Seconds a poll of this code may ask the server to hold it: 0 unless the server announced long polling. */
function longPollWait(config: MachineConfig, auth: DeviceAuthorization): number {
  return Math.max(0, Math.min(config.longPollSeconds, auth.longPollMaxWait ?? 0));
}

/**
 * The first poll of a code (new or resumed after a restart). Where the server announced long polling
 * it goes at once with `Prefer: wait`: the server holds it and answers the moment the user decides
 * (and does not count a held poll as early). Elsewhere RFC 8628 pacing: after one interval, which
 * for a resumed code also covers a poll the last run may have sent just before it stopped.
 */
function firstPoll(state: MachineState, now: number, auth: DeviceAuthorization): Transition {
  if (longPollWait(state.config, auth) > 0) {
    return onPollDue({ ...state, nextPollAt: now, scheduledFrom: now }, now);
  }
  const at = nextPollAt(now, auth.interval);
  return {
    state: { ...state, nextPollAt: at, scheduledFrom: now },
    effects: [{ type: 'schedule_poll', atMs: Math.min(at, auth.expiresAt) }],
  };
}

function onPollDue(state: MachineState, now: number): Transition {
  const auth = state.authorization;
  if (state.flow !== 'awaiting_user' || !auth || state.loadingProfile) return same(state);
  // Never two polls in flight for one device code.
  if (state.pollInFlight) return same(state);
  if (now >= auth.expiresAt) return expire(state, codeExpiredError());
  // Waiting for the person to enter the check number: no poll could succeed without it, so the only
  // timer left is the code's expiry.
  if (state.proximity && state.proximity.entered === undefined)
    return { state, effects: [{ type: 'schedule_poll', atMs: auth.expiresAt }] };
  const at = state.nextPollAt ?? now;
  // The runner's timers are monotonic: when the wall clock went back past the start of the wait, the
  // wait did pass, and trusting the clock would stall polling for as long as the jump.
  const clockWentBack = state.scheduledFrom !== undefined && now < state.scheduledFrom;
  if (now < at && !clockWentBack)
    return { state, effects: [{ type: 'schedule_poll', atMs: Math.min(at, auth.expiresAt) }] };
  // A held poll must not outlive the code.
  const remaining = Math.floor((auth.expiresAt - now) / 1000);
  const waitSeconds = Math.max(0, Math.min(longPollWait(state.config, auth), remaining));
  const checkNumber = state.proximity?.entered;
  return {
    state: { ...state, pollInFlight: true, pollStartedAt: now },
    effects: [{ type: 'poll', flowId: state.flowId, deviceCode: auth.deviceCode, waitSeconds, ...(checkNumber ? { checkNumber } : {}) }],
  };
}

/**
 * The person typed the number the phone shows: it goes at once, not after the interval, because a
 * server that asks for the number does not count a poll that carries one as early (the attempts it
 * allows are what limit guessing). Ignored unless the server asked for it, while one is being
 * checked, or when it is not two digits.
 */
function onCheckNumberEntered(state: MachineState, now: number, checkNumber: string): Transition {
  const proximity = state.proximity;
  if (state.flow !== 'awaiting_user' || !proximity || proximity.entered !== undefined || state.pollInFlight || state.loadingProfile)
    return same(state);
  if (!isCheckNumber(checkNumber)) return same(state);
  return onPollDue({ ...state, proximity: { ...proximity, entered: checkNumber }, nextPollAt: now, scheduledFrom: now }, now);
}

/** The check as the snapshot shows it: `checking` while an entered number awaits the server's answer. */
function proximityOf(state: MachineState): ProximityCheck | undefined {
  const proximity = state.proximity;
  if (!proximity) return undefined;
  return {
    step: proximity.entered !== undefined ? 'checking' : proximity.step,
    ...(proximity.attemptsLeft !== undefined ? { attemptsLeft: proximity.attemptsLeft } : {}),
  };
}

/** The state without the proximity check (the tokens came, or the flow moved on). */
function withoutProximity(state: MachineState): MachineState {
  const { proximity: _proximity, ...rest } = state;
  return rest;
}

function onPollOutcome(polled: MachineState, now: number, outcome: PollOutcome, jitter: number): Transition {
  const auth = polled.authorization;
  if (!auth) return same(polled);
  const unsent = outcome.kind === 'retry' && outcome.unsent === true;
  const state: MachineState =
    unsent || polled.pollStartedAt === undefined ? polled : { ...polled, lastPollSeenAt: polled.pollStartedAt };
  switch (outcome.kind) {
    case 'tokens':
      return tokensObtained({ ...withoutProximity(state), network: 'online', failures: 0 }, outcome.tokens);
    case 'pending':
      return schedule({ ...state, network: 'online', failures: 0 }, now, auth, {
        retryAfterMs: outcome.retryAfterMs,
        // A long poll the server says it held (Preference-Applied) for a whole interval already kept
        // the pace: the interval runs from when that poll was sent (servers count it from a poll's
        // arrival), so the next one goes out at once. Waiting another interval would leave the TV
        // deaf to an approval for that long after every held poll. A poll that was merely slow on
        // the network is not trusted this way: its request may have reached the server late.
        ...(outcome.held && state.pollStartedAt !== undefined && now - state.pollStartedAt >= auth.interval * 1000
          ? { intervalFrom: state.pollStartedAt }
          : {}),
      });
    case 'slow_down': {
      const slowed: DeviceAuthorization = {
        ...auth,
        interval: slowedInterval(auth.interval, outcome.interval),
      };
      const next = schedule(
        { ...state, network: 'online', failures: 0, authorization: slowed },
        now,
        slowed,
        {
          retryAfterMs: outcome.retryAfterMs,
        },
      );
      if (next.state.flow !== 'awaiting_user') return next;
      return {
        state: next.state,
        effects: [{ type: 'persist', value: storedPending(slowed) }, ...next.effects],
      };
    }
    case 'denied': {
      // Once the phone has approved, only the proximity check can still refuse: the server denies the
      // grant after too many wrong numbers, which the screens must not word as "someone chose Deny".
      const error = state.proximity?.entered !== undefined ? checkNumberExhaustedError() : describe(outcome.error);
      return { state: settle(state, 'denied', error), effects: [{ type: 'clear_store' }] };
    }
    case 'check_number': {
      if (now >= auth.expiresAt) return expire(state, codeExpiredError());
      const proximity = {
        step: outcome.wrong ? ('wrong' as const) : ('needed' as const),
        ...(outcome.attemptsLeft !== undefined ? { attemptsLeft: outcome.attemptsLeft } : {}),
      };
      // Polling pauses until the person enters the number (check_number_entered); the one timer
      // left notices the code's expiry.
      return {
        state: { ...state, network: 'online', failures: 0, proximity, nextPollAt: auth.expiresAt, scheduledFrom: now },
        effects: [{ type: 'schedule_poll', atMs: auth.expiresAt }],
      };
    }
    case 'expired':
      return expire(state, describe(outcome.error));
    case 'retry': {
      const failures = state.failures + 1;
      const backoffMs = backoffDelayMs(failures, jitter, state.config.backoff);
      return schedule({ ...state, network: 'retrying', failures }, now, auth, {
        retryAfterMs: outcome.retryAfterMs,
        backoffMs,
        // A request that never reached the server was not a poll it saw (RFC 8628 §3.5 paces the polls
        // it receives): the interval runs from the last one that may have reached it, so that the
        // capped backoff alone decides how soon the TV notices the server is back. A 5xx, a reset or
        // a timeout may have been seen: the interval runs from now.
        ...(unsent ? { intervalFrom: state.lastPollSeenAt ?? Number.NEGATIVE_INFINITY } : {}),
      });
    }
    case 'fatal':
      return { state: settle(state, 'error', describe(outcome.error)), effects: [{ type: 'clear_store' }] };
  }
}

/**
 * Tokens arrived, from a poll or a browser's code exchange: stored and signed in alike, so that
 * status, token and logout never know which way the person signed in.
 */
function tokensObtained(state: MachineState, tokens: TokenSet): Transition {
  return {
    state: { ...state, loadingProfile: true, tokens, tokensId: state.tokensId + 1 },
    // Persist at once: a crash while the profile loads must not lose a sign-in.
    effects: [
      { type: 'persist', value: storedSignedIn(tokens) },
      { type: 'load_profile', flowId: state.flowId, tokens },
    ],
  };
}

/** Where a browser sign-in that failed settles: a refusal and a time-out as the device flow's, else error. */
function browserOutcome(error: DeviceLoginError): 'denied' | 'expired' | 'error' {
  if (error.code === 'access_denied') return 'denied';
  if (error.code === 'expired_token') return 'expired';
  return 'error';
}

/** Sets the next poll time, or expires the flow when the code dies first. */
function schedule(
  state: MachineState,
  now: number,
  auth: DeviceAuthorization,
  extra: { retryAfterMs?: number | undefined; backoffMs?: number; intervalFrom?: number },
): Transition {
  if (now >= auth.expiresAt) return expire(state, codeExpiredError());
  const at = nextPollAt(now, auth.interval, {
    ...(extra.retryAfterMs !== undefined ? { retryAfterMs: extra.retryAfterMs } : {}),
    ...(extra.backoffMs !== undefined ? { backoffMs: extra.backoffMs } : {}),
    ...(extra.intervalFrom !== undefined ? { intervalFrom: extra.intervalFrom } : {}),
  });
  return {
    state: { ...state, nextPollAt: at, scheduledFrom: now },
    effects: [{ type: 'schedule_poll', atMs: Math.min(at, auth.expiresAt) }],
  };
}

/** The code is dead: ask for a new one automatically a bounded number of times, then wait for the user. */
function expire(state: MachineState, error: FlowError): Transition {
  if (state.autoRenewalsLeft > 0) {
    const renewed = startRequest(state, state.autoRenewalsLeft - 1, true);
    return { state: renewed.state, effects: [{ type: 'clear_store' }, ...renewed.effects] };
  }
  return { state: settle(state, 'expired', error), effects: [{ type: 'abort' }, { type: 'clear_store' }] };
}

function checkNumberExhaustedError(): FlowError {
  return {
    code: 'check_number_exhausted',
    message: 'The sign-in was refused: the check number was entered wrong too many times. Ask for a new code to try again.',
  };
}

function codeExpiredError(): FlowError {
  return {
    code: 'expired_token',
    message: 'The code expired before it was used. Ask for a new code to try again.',
  };
}

/** What the person is told after signing out here, when the grant may live on at the provider. */
function signOutNotice(result: SignOutResult): SessionNotice | undefined {
  switch (result.notRevoked) {
    case 'unsupported':
      return 'revocation_unsupported';
    case 'failed':
      return 'revocation_failed';
    default:
      return undefined;
  }
}

/**
 * Whether the access token can be used as it is, must be refreshed first, or is gone. A token with no
 * stated expiry is trusted until the server refuses it (the caller then forces a refresh).
 */
function onTokenWanted(state: MachineState, now: number, force: boolean, minValidityMs: number): Transition {
  const tokens = state.tokens;
  if (state.flow !== 'signed_in' || !tokens) {
    return { state, effects: [{ type: 'token_unavailable', error: notSignedIn() }] };
  }
  const fresh = tokens.expiresAt === undefined || tokens.expiresAt - now > minValidityMs;
  if (fresh && !force) return { state, effects: [{ type: 'token_ready', accessToken: tokens.accessToken }] };
  const refreshToken = tokens.refreshToken;
  if (!refreshToken) {
    const expired = tokens.expiresAt !== undefined && tokens.expiresAt <= now;
    if (expired) {
      return sessionEnded(state, {
        code: 'not_signed_in',
        message: 'Your sign-in has ended: the access token expired and the provider gave no refresh token. Sign in again.',
      });
    }
    // Nothing to refresh with, and the token still works for a while: use it, unless it was refused.
    if (!force) return { state, effects: [{ type: 'token_ready', accessToken: tokens.accessToken }] };
    return {
      state,
      effects: [
        {
          type: 'token_unavailable',
          error: { code: 'no_refresh_token', message: 'The provider gave no refresh token, so the access token cannot be renewed.' },
        },
      ],
    };
  }
  // Single flight: a caller that comes while a refresh runs waits for its answer.
  if (state.refreshing) return same(state);
  return { state: { ...state, refreshing: true }, effects: [{ type: 'refresh', tokensId: state.tokensId, refreshToken }] };
}

function onRefreshed(state: MachineState, tokensId: number, fresh: TokenSet, stored: boolean): Transition {
  const tokens = state.tokens;
  if (state.flow !== 'signed_in' || !tokens) {
    return { state, effects: [{ type: 'token_unavailable', error: notSignedIn() }] };
  }
  // Signed out and in again while it ran: the new sign-in's tokens are the ones to use.
  if (tokensId !== state.tokensId) return { state, effects: [{ type: 'token_ready', accessToken: tokens.accessToken }] };
  const merged = mergeRefreshed(tokens, fresh);
  return {
    state: { ...state, tokens: merged, tokensId: state.tokensId + 1, refreshing: false },
    // A set the runner stored under the store's lock is not written again: a late second write could
    // put back a refresh token that another program has since rotated away.
    effects: [
      ...(stored ? [] : [{ type: 'persist', value: storedSignedIn(merged, state.profile) } as const]),
      { type: 'token_ready', accessToken: merged.accessToken },
    ],
  };
}

/** The token set after a refresh: without rotation the server sends no new refresh token (or id_token), and the old one stays valid. */
export function mergeRefreshed(old: TokenSet, fresh: TokenSet): TokenSet {
  const refreshToken = fresh.refreshToken ?? old.refreshToken;
  const idToken = fresh.idToken ?? old.idToken;
  return { ...fresh, ...(refreshToken ? { refreshToken } : {}), ...(idToken ? { idToken } : {}) };
}

function onRefreshFailed(state: MachineState, tokensId: number, error: DeviceLoginError): Transition {
  if (state.flow !== 'signed_in' || tokensId !== state.tokensId) {
    return { state: { ...state, refreshing: false }, effects: [{ type: 'token_unavailable', error: describe(error) }] };
  }
  // invalid_grant: the refresh token expired or was revoked (signed out everywhere); not_signed_in:
  // another program sharing the token store signed out. Anything else (an outage, a 5xx, an
  // unreadable store) keeps the sign-in: the next call tries again.
  if (error.code === 'invalid_grant' && error.oauth?.reason === SIGNED_OUT_FROM_ACCOUNT) {
    // Someone signed this device out on the account website: the screens say so, not only "ended".
    return sessionEnded(
      state,
      { code: 'not_signed_in', message: 'This device was signed out from the account page. Sign in again.' },
      'signed_out_from_account',
    );
  }
  if (error.code === 'invalid_grant' || error.code === 'not_signed_in') {
    return sessionEnded(state, {
      code: 'not_signed_in',
      message: 'Your sign-in has ended (the provider no longer accepts the refresh token: it expired or was revoked). Sign in again.',
    });
  }
  return { state: { ...state, refreshing: false }, effects: [{ type: 'token_unavailable', error: describe(error) }] };
}

/** The provider no longer accepts this sign-in: forget it and tell the person (`notice`), on every screen. */
function sessionEnded(
  state: MachineState,
  error: FlowError,
  notice: 'session_ended' | 'signed_out_from_account' = 'session_ended',
): Transition {
  return {
    state: { ...withoutFlow(state), flow: 'idle', notice },
    effects: [{ type: 'clear_store' }, { type: 'token_unavailable', error }],
  };
}

function notSignedIn(): FlowError {
  return { code: 'not_signed_in', message: 'You are not signed in. Sign in first.' };
}
