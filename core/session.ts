// The session runner: executes the reducer's effects (core/machine.ts) through the ports and the
// Protocol, and feeds every result back into the reducer as an event. It holds no flow rules itself:
// when to refresh, whether a refused refresh ends the sign-in, what a sign-out leaves to say are the
// reducer's; the runner only keeps the promises of the callers that wait for those answers.
import { DeviceLoginError, toDeviceLoginError } from './errors.ts';
import {
  initialState,
  isSettled,
  mergeRefreshed,
  snapshotOf,
  transition,
  type Effect,
  type MachineEvent,
  type MachineState,
} from './machine.ts';
import type { Ports } from './ports.ts';
import type {
  DeviceSession,
  Endpoints,
  Protocol,
  SignOutResult,
  Snapshot,
  StoredSession,
  TokenSet,
} from './types.ts';

/** Options of `createDeviceSession`. */
export interface DeviceSessionOptions {
  protocol: Protocol;
  ports: Ports;
  /** Where the TokenStore keeps this session: `storeKeyFor(endpoints, clientId)`. */
  storeKey: string;
  /** Expired codes replaced without asking the user (default 2). */
  maxAutoRenewals?: number;
  /** Most seconds of `Prefer: wait=N` on polls, where the server announces long polling (default 25; 0 = never). */
  longPollSeconds?: number;
  /** Backoff after transport failures, timeouts and 5xx (default CLIENT_DEFAULTS.backoff). */
  backoff?: { initialMs?: number; maxMs?: number };
}

/** Who waits for an access token: settled by the reducer's `token_ready` / `token_unavailable` answers. */
interface TokenWaiter {
  resolve(accessToken: string): void;
  reject(error: DeviceLoginError): void;
}

/** The TokenStore key of one (authorization server, client) pair. */
export function storeKeyFor(endpoints: Endpoints, clientId: string): string {
  return `${endpoints.issuer ?? endpoints.tokenEndpoint}#${clientId}`;
}

/** A device sign-in session over a Protocol and the ports. Nothing it does throws past it, except accessToken(). */
export function createDeviceSession(options: DeviceSessionOptions): DeviceSession {
  const { protocol, ports, storeKey } = options;
  const { clock, store, logger } = ports;
  const random = ports.random ?? Math.random;
  let state: MachineState = initialState({
    ...(options.maxAutoRenewals !== undefined ? { maxAutoRenewals: Math.max(0, options.maxAutoRenewals) } : {}),
    ...(options.longPollSeconds !== undefined ? { longPollSeconds: Math.max(0, options.longPollSeconds) } : {}),
    ...(options.backoff ? { backoff: { ...initialState().config.backoff, ...options.backoff } } : {}),
  });
  let lastSnapshot = snapshotOf(state);
  let lastSnapshotJson = JSON.stringify(lastSnapshot);
  const listeners = new Set<(snapshot: Snapshot) => void>();
  let settledWaiters: Array<(snapshot: Snapshot) => void> = [];

  // `lifetime` ends at close(); `flow` ends at every `abort` effect; `timer` ends at every new schedule.
  const lifetime = new AbortController();
  let flow = new AbortController();
  let timer: AbortController | undefined;
  let closed = false;
  // Writes are serialised so that the last state always wins on disk.
  let storeQueue: Promise<void> = Promise.resolve();
  let revocation: Promise<SignOutResult> | undefined;
  // Callers waiting for the refresh in flight; `answer` is the one caller of the event being dispatched.
  const refreshWaiters: TokenWaiter[] = [];

  function dispatch(event: MachineEvent, answer?: TokenWaiter): void {
    if (closed) {
      answer?.reject(new DeviceLoginError('aborted', 'The session was closed.'));
      return;
    }
    const result = transition(state, event);
    state = result.state;
    publish();
    let answered = false;
    for (const effect of result.effects) {
      if (effect.type === 'token_ready' || effect.type === 'token_unavailable') {
        answered = true;
        // The answer to this call goes to its caller; an answer that ends a refresh, to all its waiters.
        const waiters = answer ? [answer] : refreshWaiters.splice(0);
        for (const waiter of waiters) {
          if (effect.type === 'token_ready') waiter.resolve(effect.accessToken);
          else waiter.reject(new DeviceLoginError(effect.error.code, effect.error.message));
        }
      } else {
        run(effect);
      }
    }
    if (answer && !answered) refreshWaiters.push(answer);
  }

  function publish(): void {
    const snap = snapshotOf(state);
    const json = JSON.stringify(snap);
    if (json === lastSnapshotJson) return;
    lastSnapshot = snap;
    lastSnapshotJson = json;
    for (const listener of [...listeners]) {
      try {
        listener(snap);
      } catch (err) {
        logger.warn('A session listener threw; ignoring it.', { error: toDeviceLoginError(err).message });
      }
    }
    if (isSettled(state)) {
      const waiters = settledWaiters;
      settledWaiters = [];
      for (const resolve of waiters) resolve(snap);
    }
  }

  function run(effect: Effect): void {
    switch (effect.type) {
      case 'abort':
        flow.abort();
        timer?.abort();
        timer = undefined;
        flow = new AbortController();
        return;
      case 'request_authorization': {
        const signal = flow.signal;
        protocol.initiateDeviceAuthorization(signal).then(
          (authorization) => {
            if (signal.aborted) return;
            logger.info('Device code received; waiting for the user.', {
              expiresAt: authorization.expiresAt,
            });
            dispatch({
              type: 'authorization_received',
              flowId: effect.flowId,
              now: clock.now(),
              authorization,
            });
          },
          (err: unknown) => {
            if (signal.aborted) return;
            const error = toDeviceLoginError(err);
            logger.warn('The device authorization request failed.', { code: error.code });
            dispatch({ type: 'authorization_failed', flowId: effect.flowId, error });
          },
        );
        return;
      }
      case 'schedule_poll': {
        timer?.abort();
        const own = new AbortController();
        timer = own;
        const signal = AbortSignal.any([flow.signal, own.signal]);
        clock.sleep(Math.max(0, effect.atMs - clock.now()), signal).then(
          () => {
            if (signal.aborted) return;
            if (timer === own) timer = undefined;
            dispatch({ type: 'poll_due', now: clock.now() });
          },
          () => undefined,
        );
        return;
      }
      case 'poll': {
        const signal = flow.signal;
        // Some providers want the pair with every poll (Amazon): the user code of the code polled for.
        const userCode = state.authorization?.deviceCode === effect.deviceCode ? state.authorization.userCode : undefined;
        protocol
          .pollDeviceAuthorizationGrant(effect.deviceCode, {
            signal,
            waitSeconds: effect.waitSeconds,
            ...(userCode !== undefined ? { userCode } : {}),
            ...(effect.checkNumber !== undefined ? { checkNumber: effect.checkNumber } : {}),
          })
          .catch((err: unknown) => {
            // The Protocol promises to turn every answer into an outcome; anything else is a transport fault.
            const error = toDeviceLoginError(err, 'network');
            return { kind: 'retry', error } as const;
          })
          .then((outcome) => {
            if (signal.aborted) return;
            if (outcome.kind === 'retry')
              logger.warn('Poll failed; retrying with backoff.', { code: outcome.error.code });
            dispatch({
              type: 'poll_outcome',
              flowId: effect.flowId,
              now: clock.now(),
              outcome,
              jitter: random(),
            });
          });
        return;
      }
      case 'load_profile': {
        const signal = flow.signal;
        protocol.fetchProfile(effect.tokens, signal).then(
          (profile) => {
            if (signal.aborted) return;
            dispatch({ type: 'profile_loaded', flowId: effect.flowId, ...(profile ? { profile } : {}) });
          },
          (err: unknown) => {
            if (signal.aborted) return;
            const error = toDeviceLoginError(err);
            // The tokens are good; a missing profile must not cost the user their sign-in.
            logger.warn('Signed in, but the profile could not be loaded.', {
              code: error.code,
              error: error.message,
            });
            dispatch({
              type: 'profile_loaded',
              flowId: effect.flowId,
              failed: true,
            });
          },
        );
        return;
      }
      case 'persist':
        enqueueStore('save', () => store.save(storeKey, effect.value));
        return;
      case 'clear_store':
        enqueueStore('remove', () => store.remove(storeKey));
        return;
      case 'revoke':
        revocation = revoke(effect.tokens).then((result) => {
          dispatch({ type: 'signed_out', result });
          return result;
        });
        return;
      case 'refresh':
        refreshShared(effect.refreshToken).then(
          (tokens) =>
            dispatch({ type: 'refresh_succeeded', tokensId: effect.tokensId, tokens, ...(store.exclusive ? { stored: true } : {}) }),
          (err: unknown) => {
            const error = toDeviceLoginError(err);
            if (error.code === 'invalid_grant') logger.info('Refresh token rejected; signed out locally.');
            else logger.warn('Token refresh failed.', { code: error.code, error: error.message });
            dispatch({ type: 'refresh_failed', tokensId: effect.tokensId, error });
          },
        );
        return;
      case 'token_ready':
      case 'token_unavailable':
        return; // answered in dispatch
    }
  }

  function enqueueStore(what: string, write: () => Promise<void>): void {
    storeQueue = storeQueue.then(write).catch((err: unknown) => {
      logger.warn(`Could not ${what} the session in the token store; it is kept in memory only.`, {
        error: toDeviceLoginError(err).message,
      });
    });
  }

  /**
   * Refreshes under the store's lock, so that the programs sharing the store take turns: the one that
   * comes second finds the set the first one stored and takes it, instead of presenting a refresh
   * token that rotation has retired (which the server answers by revoking the whole grant).
   */
  function refreshShared(refreshToken: string): Promise<TokenSet> {
    const work = async (): Promise<TokenSet> => {
      await storeQueue; // this process's own writes first
      const stored = store.exclusive ? await store.load(storeKey) : undefined;
      if (store.exclusive && !stored?.tokens) {
        throw new DeviceLoginError('not_signed_in', 'Signed out by another program that uses the same token store. Sign in again.');
      }
      if (stored?.tokens && stored.tokens.refreshToken !== refreshToken) {
        logger.info('Another program sharing the token store refreshed the tokens; using its set.');
        return stored.tokens;
      }
      const current = state.tokens;
      const fresh = await protocol.refreshTokenGrant(refreshToken, lifetime.signal);
      const merged = current ? mergeRefreshed(current, fresh) : fresh;
      // Stored before the lock is let go, so that the next program reads the new refresh token.
      if (store.exclusive) await store.save(storeKey, { version: 1, tokens: merged, ...(stored?.profile ? { profile: stored.profile } : {}) });
      return merged;
    };
    return store.exclusive ? store.exclusive(work) : work();
  }

  async function revoke(tokens: TokenSet): Promise<SignOutResult> {
    const provider = providerName(protocol.endpoints);
    try {
      const outcome = await protocol.tokenRevocation(tokens, lifetime.signal);
      return outcome === 'revoked' ? { revoked: true, provider } : { revoked: false, notRevoked: 'unsupported', provider };
    } catch (err) {
      const error = toDeviceLoginError(err);
      logger.warn('Token revocation failed.', { code: error.code, error: error.message });
      return { revoked: false, notRevoked: 'failed', provider, detail: error.message };
    }
  }

  return {
    snapshot: () => lastSnapshot,

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async restore() {
      if (closed || state.flow !== 'idle') return lastSnapshot;
      let stored: StoredSession | undefined;
      try {
        stored = await store.load(storeKey);
      } catch (err) {
        const cause = toDeviceLoginError(err);
        dispatch({
          type: 'restore_failed',
          error: new DeviceLoginError('store', `Could not read the token store: ${cause.message}`, {
            cause,
          }),
        });
        return lastSnapshot;
      }
      if (stored !== undefined && (typeof stored !== 'object' || stored.version !== 1)) {
        logger.warn('The token store holds a session of an unknown version; ignoring it.');
        stored = undefined;
      }
      dispatch({ type: 'restored', now: clock.now(), ...(stored ? { stored } : {}) });
      return lastSnapshot;
    },

    signIn: () => dispatch({ type: 'sign_in', now: clock.now() }),
    newCode: () => dispatch({ type: 'new_code', now: clock.now() }),
    signInWithBrowser(attempt) {
      dispatch({ type: 'browser_sign_in_started', authorizationUrl: attempt.authorizationUrl });
      if (state.flow !== 'awaiting_user' || state.browser?.authorizationUrl !== attempt.authorizationUrl) return;
      const flowId = state.flowId;
      const signal = flow.signal;
      attempt.tokens(signal).then(
        (tokens) => {
          if (!signal.aborted) dispatch({ type: 'browser_sign_in_ended', flowId, result: { kind: 'tokens', tokens } });
        },
        (err: unknown) => {
          if (signal.aborted) return;
          const error = toDeviceLoginError(err);
          logger.warn('The sign-in through the browser ended without tokens.', { code: error.code });
          dispatch({ type: 'browser_sign_in_ended', flowId, result: { kind: 'failed', error } });
        },
      );
    },
    enterCheckNumber: (checkNumber) => dispatch({ type: 'check_number_entered', now: clock.now(), checkNumber }),
    cancel: () => dispatch({ type: 'cancel' }),

    async signOut() {
      // A second call while the first is still revoking shares its result.
      const running = state.flow === 'signing_out' ? revocation : undefined;
      revocation = undefined;
      dispatch({ type: 'sign_out' });
      const result =
        revocation ??
        running ??
        Promise.resolve<SignOutResult>({ revoked: false, notRevoked: 'not_signed_in', provider: providerName(protocol.endpoints) });
      const outcome = await result;
      await storeQueue;
      return outcome;
    },

    async accessToken(opts = {}) {
      const accessToken = await new Promise<string>((resolve, reject) => {
        dispatch(
          {
            type: 'token_wanted',
            now: clock.now(),
            ...(opts.forceRefresh ? { forceRefresh: true } : {}),
            ...(opts.minValidityMs !== undefined ? { minValidityMs: opts.minValidityMs } : {}),
          },
          { resolve, reject },
        );
      });
      // A refreshed (or forgotten) token set is on disk before the caller goes on.
      await storeQueue;
      return accessToken;
    },

    settled() {
      if (isSettled(state)) return Promise.resolve(lastSnapshot);
      if (closed) return Promise.resolve(lastSnapshot);
      return new Promise((resolve) => settledWaiters.push(resolve));
    },

    async close() {
      if (closed) return storeQueue;
      closed = true;
      lifetime.abort();
      flow.abort();
      timer?.abort();
      listeners.clear();
      for (const waiter of refreshWaiters.splice(0)) waiter.reject(new DeviceLoginError('aborted', 'The session was closed.'));
      const waiters = settledWaiters;
      settledWaiters = [];
      for (const resolve of waiters) resolve(lastSnapshot);
      await storeQueue;
    },
  };
}

/** How the messages name the provider: its issuer, else the origin of its token endpoint. */
function providerName(endpoints: Endpoints): string {
  if (endpoints.issuer) return endpoints.issuer;
  try {
    return new URL(endpoints.tokenEndpoint).origin;
  } catch {
    return 'the provider';
  }
}
