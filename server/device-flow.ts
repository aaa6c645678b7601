// What plain oidc-provider 9.13 lacks for RFC 8628, closed around its own device_code grant:
// `interval` in the device authorization response, slow_down with a growing per-code interval (kept
// by the store's poll ledger: in process memory on SQLite, shared on Redis), reuse of an exchanged code answered with invalid_grant WITHOUT revoking the
// tokens it issued (and an atomic consume, so overlapping polls cannot both exchange one code), and
// opt-in long polling with `Prefer: wait=N` (RFC 7240), announced in the metadata and the device
// authorization response (`device_authorization_long_poll_max_wait`) so that clients use it only here.
import type { ServerResponse } from 'node:http';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import { errors } from 'oidc-provider';
import * as stockHelpers from 'oidc-provider/lib/helpers/grants.js';
import { grantType as DEVICE_CODE_GRANT, handler as stockDeviceCodeHandler, parameters as deviceCodeParameters } from 'oidc-provider/lib/actions/grants/device_code.js';

import { LONG_POLL_MEMBER } from '../core/normalise.ts';
import type { OidcStore } from './adapters/store.ts';
import { installProximityCheck } from './proximity.ts';

export interface DeviceFlowOptions {
  store: OidcStore;
  /** Seconds between polls announced in the device authorization response. */
  interval: number;
  /** Seconds added to a code's interval on every early poll. */
  slowDownStep: number;
  /** Grace in ms before a poll counts as early. */
  pollToleranceMs: number;
  /** Upper bound of `Prefer: wait=N`, in seconds. */
  longPollCapSeconds: number;
}

export interface DeviceFlowControl {
  /** Number of polls currently held. */
  readonly heldPolls: number;
  /** Answers every held poll now (authorization_pending) and refuses to hold new ones. */
  close(): void;
}

/** The device code whose poll we are answering, as oidc-provider's model exposes it. */
interface DeviceCodeLike {
  jti: string;
  exp?: number;
  consumed?: unknown;
  accountId?: string;
  error?: string;
  readonly isExpired: boolean;
}

/** Reads `Prefer: wait=N` (RFC 7240 §4.3); 0 when absent or malformed. */
export function parsePreferWait(header: string | undefined, cap: number): number {
  if (!header) return 0;
  for (const preference of header.split(',')) {
    const [token] = preference.split(';');
    const match = /^\s*wait\s*=\s*"?(\d{1,6})"?\s*$/i.exec(token ?? '');
    if (match?.[1]) return Math.min(Number(match[1]), cap);
  }
  return 0;
}

/**
 * Installs the gap closures on `provider`; call before the server starts listening. Wake-ups of
 * held polls reach every instance: at once through Redis pub/sub, and with a shared SQLite file
 * within one scan tick (server/adapters/sqlite.ts) for processes other than the deciding one.
 */
export function installDeviceFlow(provider: Provider, options: DeviceFlowOptions): DeviceFlowControl {
  const { store } = options;
  // RFC 10027's proximity check (server/proximity.ts): an approval from another network releases the
  // tokens only to a poll that carries the check number the phone shows.
  const proximity = installProximityCheck(provider, store);
  const finishers = new Set<() => void>();
  let closing = false;

  const bound = Object.fromEntries(
    Object.entries(stockHelpers).map(([name, helper]) => [name, (helper as (...args: unknown[]) => unknown).bind(undefined, provider)]),
  );

  // Stock consumeGrantSource revokes the whole grant when a consumed code is presented again
  // (lib/helpers/grant_source.js), which signs the TV out when its own overlapping polls race.
  // RFC 8628 only asks for an error, so we answer invalid_grant and leave the tokens alone.
  async function consumeWithoutRevoking(_ctx: unknown, source: DeviceCodeLike, label: string): Promise<void> {
    const won = !source.consumed && (await store.consumeOnce('DeviceCode', source.jti));
    if (!won) throw new errors.InvalidGrant(`${label} already consumed`);
    store.notifyDeviceCode(source.jti);
  }

  /** Waits for a change of the code, the deadline, the client leaving, or shutdown. */
  function hold(id: string, ms: number, res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        off();
        res.off('close', finish);
        finishers.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, Math.max(0, ms));
      const off = store.onDeviceCode(id, finish);
      res.once('close', finish);
      finishers.add(finish);
    });
  }

  async function findCode(ctx: KoaContextWithOIDC, value: string): Promise<DeviceCodeLike> {
    const found = (await bound.findGrantSource!(ctx, provider.DeviceCode, value, 'device code')) as DeviceCodeLike;
    return found;
  }

  /**
   * True for a poll that asks to be held for at least the code's interval. Such a poll is not judged
   * by the slow_down ledger (and not recorded in it): it cannot come back pending sooner than a plain
   * poll kept to the interval would, so a long-polling client may send it at once, as its first poll,
   * right after a held poll, or on resuming a code after a restart while its last held poll was still
   * open. Without this, the ledger, which counts from a poll's arrival, would punish those.
   */
  async function heldAtLeastAnInterval(code: DeviceCodeLike, wait: number): Promise<boolean> {
    if (wait <= 0) return false;
    const holdMs = Math.min(wait * 1000, (code.exp ?? 0) * 1000 - Date.now());
    const interval = await store.currentInterval(code.jti, options.interval);
    return holdMs >= interval * 1000;
  }

  async function deviceCodeGrant(ctx: KoaContextWithOIDC): Promise<void> {
    const params = ctx.oidc.params as { device_code?: unknown };
    if (typeof params.device_code !== 'string' || params.device_code === '') {
      throw new errors.InvalidRequest("missing required parameter 'device_code'");
    }
    const value = params.device_code;
    let code = await findCode(ctx, value);

    if (code.consumed) throw new errors.InvalidGrant('device code already consumed');

    const wait = closing ? 0 : parsePreferWait(ctx.get('prefer'), options.longPollCapSeconds);
    if (!code.isExpired && !proximity.answersCheck(ctx, code) && !(await heldAtLeastAnInterval(code, wait))) {
      const now = Date.now();
      const verdict = await store.recordPoll({
        id: code.jti,
        now,
        baseInterval: options.interval,
        step: options.slowDownStep,
        toleranceMs: options.pollToleranceMs,
        expiresAt: (code.exp ?? Math.floor(now / 1000) + 3600) * 1000,
      });
      if (verdict.slowDown) {
        ctx.state.deviceLoginInterval = verdict.interval;
        throw new errors.SlowDown();
      }
    }

    const pending = !code.accountId && !code.error && !code.isExpired && !code.consumed;
    if (wait > 0 && pending) {
      // Only a poll we actually held says the preference was applied (RFC 7240 §3).
      ctx.set('Preference-Applied', `wait=${wait}`);
      const untilExpiry = (code.exp ?? 0) * 1000 - Date.now();
      await hold(code.jti, Math.min(wait * 1000, untilExpiry), ctx.res);
      if (closing || ctx.res.destroyed) throw new errors.AuthorizationPending();
      code = await findCode(ctx, value);
      if (code.consumed) throw new errors.InvalidGrant('device code already consumed');
    }

    const current = code;
    await proximity.verify(ctx, current);
    await stockDeviceCodeHandler(
      provider,
      { ...bound, findGrantSource: async () => current, consumeGrantSource: consumeWithoutRevoking },
      ctx,
    );
  }

  provider.registerGrantType(DEVICE_CODE_GRANT, deviceCodeGrant, [...deviceCodeParameters, proximity.parameter]);

  // Adds `interval` where oidc-provider leaves it out: the device authorization response (RFC 8628
  // §3.2) and, as GitHub does, slow_down errors, so a client learns the grown interval. Announces
  // long polling (the most seconds a poll is held) in the metadata and the device authorization
  // response: clients that see it poll at once with `Prefer: wait`; others keep plain RFC 8628 pacing.
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) return;
    const route = (ctx as Partial<KoaContextWithOIDC>).oidc?.route;
    if (route === 'device_authorization' && ctx.status === 200 && typeof body.device_code === 'string') {
      body.interval = options.interval;
      body[LONG_POLL_MEMBER] = options.longPollCapSeconds;
    } else if (route === 'discovery' && ctx.status === 200) {
      body[LONG_POLL_MEMBER] = options.longPollCapSeconds;
    } else if (route === 'token' && body.error === 'slow_down' && typeof ctx.state.deviceLoginInterval === 'number') {
      body.interval = ctx.state.deviceLoginInterval;
    }
  });

  return {
    get heldPolls() {
      return finishers.size;
    },
    close() {
      closing = true;
      for (const finish of [...finishers]) finish();
    },
  };
}
