// The devices signed in to an account, for the account website: a sign-in is recorded when the token
// endpoint first issues tokens for a grant (device flow or authorization code), its "last used" time
// moves on refresh and on resource-server calls (at most once a throttle period per grant), and the
// account page can sign a device out, which ends its grant. oidc-provider 9.13 checks that the grant
// still exists on refresh (lib/actions/grants/refresh_token.js), at introspection and at userinfo, and
// so does our resource server: ending the grant stops every token of the device at once. The record
// stays behind, marked signed out, so that those refusals can say why (`reason`, below).
import { randomBytes } from 'node:crypto';

import type { Context } from 'koa';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';

import type { Logger } from '../core/ports.ts';
import type { OidcStore, SignInRecord } from './adapters/store.ts';
import { DEVICE_CODE_GRANT } from './provider.ts';

/** The scope that lets a client list and sign out the devices of the account (the account website). */
export const DEVICES_SCOPE = 'devices';
/** The machine-readable member added to the refusals of a signed-out device's tokens (an extension). */
export const SIGNED_OUT_REASON = 'signed_out_from_account';
/** What those refusals say to a person. */
export const SIGNED_OUT_DESCRIPTION = 'This device was signed out from the account page.';

/** One device as GET /api/devices lists it. */
export interface DeviceView {
  id: string;
  clientId: string;
  clientName: string;
  method: 'device' | 'browser';
  signedInAt: string;
  lastUsedAt: string;
  ip: string;
  userAgent?: string;
}

export interface DeviceRegistryOptions {
  store: OidcStore;
  /** Milliseconds between two writes of one grant's lastUsedAt (SERVER_DEFAULTS.deviceLastUsedEverySeconds). */
  lastUsedEveryMs: number;
  /**
   * Milliseconds a signed-out record is kept as the reason its tokens stopped: as long as any of them
   * could still be presented (the refresh token's idle lifetime).
   */
  keepSignedOutMs: number;
  /** Milliseconds a record lives when its grant states no end. */
  defaultLifetimeMs: number;
  /** Where a failed write of the bookkeeping is reported (it never fails the request that caused it). */
  logger?: Pick<Logger, 'warn'>;
}

/** The parts of oidc-provider the registry uses. */
type ProviderForDevices = Pick<Provider, 'Grant' | 'RefreshToken'>;

/** The grant as the token endpoint leaves it on ctx.oidc (exp in epoch seconds). */
interface GrantLike {
  jti: string;
  accountId?: string;
  clientId?: string;
  exp?: number;
}

export class DeviceRegistry {
  readonly #store: OidcStore;
  readonly #provider: ProviderForDevices;
  readonly #options: DeviceRegistryOptions;
  /** When this process last wrote each grant's lastUsedAt: most calls then cost no store write at all. */
  readonly #lastWrite = new Map<string, number>();

  constructor(provider: ProviderForDevices, options: DeviceRegistryOptions) {
    this.#provider = provider;
    this.#store = options.store;
    this.#options = options;
  }

  /**
   * Records the sign-in of a grant that just got its first tokens; a later issue for the same grant
   * only counts as use. Best effort: a store that fails here is reported, and the device still gets
   * the tokens it was just issued (its device code is already spent).
   */
  async recordSignIn(grant: GrantLike, details: { clientName?: string; method: 'device' | 'browser'; ip: string; userAgent?: string }): Promise<void> {
    try {
      await this.#record(grant, details);
    } catch (err) {
      this.#warn('could not record a sign-in for the account page', err);
    }
  }

  async #record(grant: GrantLike, details: { clientName?: string; method: 'device' | 'browser'; ip: string; userAgent?: string }): Promise<void> {
    if (!grant.accountId || !grant.clientId) return;
    const now = Date.now();
    const expiresAt = typeof grant.exp === 'number' ? grant.exp * 1000 : now + this.#options.defaultLifetimeMs;
    const record: SignInRecord = {
      id: randomBytes(16).toString('base64url'),
      grantId: grant.jti,
      accountId: grant.accountId,
      clientId: grant.clientId,
      ...(details.clientName ? { clientName: details.clientName } : {}),
      method: details.method,
      signedInAt: now,
      lastUsedAt: now,
      ip: details.ip,
      ...(details.userAgent ? { userAgent: details.userAgent } : {}),
      expiresAt,
    };
    if (!(await this.#store.addSignIn(record))) await this.touch(grant.jti);
  }

  #warn(message: string, err: unknown): void {
    this.#options.logger?.warn(message, { error: err instanceof Error ? err.message : String(err) });
  }

  /** Notes that a grant's tokens were used now; written at most once per lastUsedEveryMs per grant. Best effort, like recordSignIn. */
  async touch(grantId: string): Promise<void> {
    const now = Date.now();
    const every = this.#options.lastUsedEveryMs;
    const last = this.#lastWrite.get(grantId);
    if (last !== undefined && now - last < every) return;
    if (this.#lastWrite.size >= 10_000) {
      for (const [id, at] of this.#lastWrite) if (now - at >= every) this.#lastWrite.delete(id);
    }
    this.#lastWrite.set(grantId, now);
    try {
      await this.#store.touchSignIn(grantId, now, every);
    } catch (err) {
      this.#warn('could not note when a device was last used', err);
    }
  }

  /**
   * True when the account page signed this grant out (its tokens are then refused with the reason).
   * Asked only while refusing a token: when the store cannot answer, the refusal goes out without it.
   */
  async signedOut(grantId: string): Promise<boolean> {
    try {
      const record = await this.#store.findSignIn(grantId);
      return record?.signedOutAt !== undefined;
    } catch (err) {
      this.#warn('could not tell whether a device was signed out from the account page', err);
      return false;
    }
  }

  /**
   * The devices of an account as the account page lists them, newest sign-in first: never the
   * caller's own client, never one signed out. A sign-in whose grant ended some other way (the device
   * signed out itself, or its refresh token was replayed) is forgotten as the list meets it.
   */
  async list(accountId: string, callerClientId: string): Promise<SignInRecord[]> {
    const records = await this.#store.listSignIns(accountId);
    const listed: SignInRecord[] = [];
    for (const record of records) {
      if (record.signedOutAt !== undefined || record.clientId === callerClientId) continue;
      const grant = await this.#provider.Grant.find(record.grantId);
      if (!grant) {
        await this.#store.dropSignIn(record.grantId);
        continue;
      }
      listed.push(record);
    }
    return listed.sort((a, b) => b.signedInAt - a.signedInAt);
  }

  /** Signs out one listed device of the account by its id; false when there is no such device (whoever's it is). */
  async signOut(accountId: string, callerClientId: string, id: string): Promise<boolean> {
    const record = (await this.list(accountId, callerClientId)).find((candidate) => candidate.id === id);
    if (!record) return false;
    await this.#end(record);
    return true;
  }

  /** Signs out every listed device of the account; the number signed out. */
  async signOutAll(accountId: string, callerClientId: string): Promise<number> {
    const records = await this.list(accountId, callerClientId);
    for (const record of records) await this.#end(record);
    return records.length;
  }

  /**
   * Marks the record first, then ends the grant: a refresh racing the sign-out that already finds the
   * grant gone finds the reason too. The tokens' own rows stay until they expire (they are worthless
   * without their grant) so that a refusal can still name the grant and say why.
   */
  async #end(record: SignInRecord): Promise<void> {
    const now = Date.now();
    await this.#store.markSignedOut(record.grantId, now, now + this.#options.keepSignedOutMs);
    const grant = await this.#provider.Grant.find(record.grantId, { ignoreExpiration: true });
    await grant?.destroy();
    this.#lastWrite.delete(record.grantId);
  }
}

/** A record as GET /api/devices shows it. */
export function deviceView(record: SignInRecord): DeviceView {
  return {
    id: record.id,
    clientId: record.clientId,
    clientName: record.clientName ?? record.clientId,
    method: record.method,
    signedInAt: new Date(record.signedInAt).toISOString(),
    lastUsedAt: new Date(record.lastUsedAt).toISOString(),
    ip: record.ip ?? '',
    ...(record.userAgent ? { userAgent: record.userAgent } : {}),
  };
}

/**
 * Around the token endpoint: records a sign-in when a grant gets its first tokens (device_code:
 * method device; authorization_code: method browser), notes a refresh as use, and gives the refusal of
 * a signed-out device's refresh its reason, in words and as `reason` (RFC 6749 §5.2 allows extra
 * members), so a device can tell "signed out from the account page" from any other end of its session.
 */
export function installSignInRecords(provider: Provider, registry: DeviceRegistry): void {
  provider.use(async (ctx, next) => {
    await next();
    const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
    if (oidc?.route !== 'token') return;
    const grantType = oidc.params?.grant_type;
    if (ctx.status === 200) {
      const grant = oidc.entities.Grant as GrantLike | undefined;
      if (!grant) return;
      if (grantType === DEVICE_CODE_GRANT || grantType === 'authorization_code') {
        const clientName = oidc.client?.clientName;
        const userAgent = ctx.get('user-agent').slice(0, 512);
        await registry.recordSignIn(grant, {
          method: grantType === DEVICE_CODE_GRANT ? 'device' : 'browser',
          ip: ctx.ip,
          ...(clientName ? { clientName } : {}),
          ...(userAgent ? { userAgent } : {}),
        });
      } else if (grantType === 'refresh_token') {
        await registry.touch(grant.jti);
      }
      return;
    }
    const body = ctx.body as { error?: unknown } | undefined;
    const presented = oidc.params?.refresh_token;
    if (ctx.status !== 400 || body?.error !== 'invalid_grant' || grantType !== 'refresh_token' || typeof presented !== 'string') return;
    const token = await provider.RefreshToken.find(presented, { ignoreExpiration: true });
    if (token?.grantId && (await registry.signedOut(token.grantId))) {
      ctx.body = { error: 'invalid_grant', error_description: SIGNED_OUT_DESCRIPTION, reason: SIGNED_OUT_REASON };
    }
  });
}

/** The answers of the devices API (GET /api/devices, DELETE /api/devices and /api/devices/{id}), after authentication and the scope check. */
export async function answerDevices(ctx: Context, registry: DeviceRegistry, auth: { accountId: string; clientId: string }, id: string | undefined): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  if (id !== undefined) {
    if (await registry.signOut(auth.accountId, auth.clientId, id)) {
      ctx.status = 204;
      return;
    }
    ctx.status = 404;
    ctx.body = { error: 'not_found', error_description: 'No such device on this account.' };
    return;
  }
  if (ctx.method === 'DELETE') {
    ctx.body = { signedOut: await registry.signOutAll(auth.accountId, auth.clientId) };
    return;
  }
  ctx.body = { devices: (await registry.list(auth.accountId, auth.clientId)).map(deviceView) };
}
