// What the server needs from its persistence beyond oidc-provider's Adapter: an atomic "consume
// once", the per-code poll ledger behind slow_down, and a wake-up channel for held long polls.
// SQLite (one host) and Redis (several instances) both implement it. The ledger is shared where
// instances are (Redis) and kept in each process's memory on SQLite (server/adapters/poll-ledger.ts
// says why losing it is harmless).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';

/** The verdict of the poll ledger on one device poll. */
export interface PollVerdict {
  /** True when this poll came sooner than the code's interval after the previous one. */
  slowDown: boolean;
  /** The code's interval in seconds after this poll (grown by the step on slow_down). */
  interval: number;
}

export interface PollLedgerInput {
  /** The device code's id (never logged). */
  id: string;
  /** Epoch milliseconds of this poll. */
  now: number;
  /** The interval a fresh code starts with, in seconds. */
  baseInterval: number;
  /** Seconds added on every early poll. */
  step: number;
  /** Grace in milliseconds before a poll counts as early. */
  toleranceMs: number;
  /** Epoch milliseconds after which the entry may be dropped (the code's expiry). */
  expiresAt: number;
}

/**
 * One sign-in of a device (or an app) to an account, as the account page lists it (server/devices.ts):
 * recorded when the token endpoint first issues tokens for a grant. It holds no token value: the grant
 * id names it, and the grant id is accepted nowhere from a client.
 */
export interface SignInRecord {
  /** Opaque, url-safe, random: what the account site names the device by (never derived from a token). */
  id: string;
  grantId: string;
  accountId: string;
  clientId: string;
  /** The client's name when it signed in. */
  clientName?: string;
  /** `device`: the device authorization grant; `browser`: the authorization code flow. */
  method: 'device' | 'browser';
  /** Epoch milliseconds of the first tokens. */
  signedInAt: number;
  /** Epoch milliseconds of the last refresh or resource-server call seen (written at most once a throttle period). */
  lastUsedAt: number;
  /** The address the tokens were first issued to. */
  ip?: string;
  userAgent?: string;
  /**
   * Epoch milliseconds when the account page signed it out. The record then stays until expiresAt as
   * the reason its tokens stopped working (`reason: "signed_out_from_account"`), and is listed no more.
   */
  signedOutAt?: number;
  /** Epoch milliseconds after which the record may be dropped (the end of its grant, or of the reason). */
  expiresAt: number;
}

/** Called with the id of a device code whose state changed (approved, denied, consumed). */
export type DeviceCodeListener = () => void;

export interface OidcStore {
  /** The adapter factory handed to oidc-provider's `adapter` option. */
  adapterFor(model: string): Adapter;
  /**
   * Marks `model` `id` consumed unless it already was; true for the single caller that won.
   * Atomic across processes, so overlapping polls can never both exchange one device code.
   */
  consumeOnce(model: string, id: string): Promise<boolean>;
  /**
   * Records one device poll and says whether it was too early. Atomic: two overlapping polls of one
   * code never both pass. Shared by every instance on Redis; per process on SQLite.
   */
  recordPoll(input: PollLedgerInput): Promise<PollVerdict>;
  /** The current interval of a code (base interval when it never polled early). */
  currentInterval(id: string, baseInterval: number): Promise<number>;
  /** Wakes every held poll of this device code, on every instance sharing the store. */
  notifyDeviceCode(id: string): void;
  /** Registers a listener for one device code; returns the function that removes it. */
  onDeviceCode(id: string, listener: DeviceCodeListener): () => void;
  /** Records a sign-in unless its grant has one already; true for the caller that recorded it. */
  addSignIn(record: SignInRecord): Promise<boolean>;
  /** The sign-in of a grant, signed out or not; undefined when unknown or expired. */
  findSignIn(grantId: string): Promise<SignInRecord | undefined>;
  /** Every unexpired sign-in of an account, signed-out ones included, in no particular order. */
  listSignIns(accountId: string): Promise<SignInRecord[]>;
  /** Moves lastUsedAt to `at` when the stored one is more than `minGapMs` older and the sign-in is not signed out. */
  touchSignIn(grantId: string, at: number, minGapMs: number): Promise<void>;
  /** Marks a sign-in signed out at `at`, kept until `expiresAt`; true for the caller that did it. */
  markSignedOut(grantId: string, at: number, expiresAt: number): Promise<boolean>;
  /** Forgets a sign-in (its grant ended some other way: the device signed out, or it expired). */
  dropSignIn(grantId: string): Promise<void>;
  /** Closes connections and files. */
  close(): Promise<void>;
}

/** The oidc-provider models whose rows belong to a grant (revoked together). */
export const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/**
 * Local fan-out of device-code wake-ups: a map of listener sets rather than an EventEmitter, so ten
 * thousand held polls cost one map entry each and trip no max-listener warning.
 */
export class DeviceCodeEvents {
  readonly #listeners = new Map<string, Set<DeviceCodeListener>>();

  /** Calls every listener of `id`. */
  emit(id: string): void {
    const set = this.#listeners.get(id);
    if (!set) return;
    for (const listener of [...set]) listener();
  }

  /** Adds a listener; returns its remover. */
  on(id: string, listener: DeviceCodeListener): () => void {
    let set = this.#listeners.get(id);
    if (!set) {
      set = new Set();
      this.#listeners.set(id, set);
    }
    set.add(listener);
    return () => {
      const current = this.#listeners.get(id);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.#listeners.delete(id);
    };
  }

  /** Calls every listener once (used at shutdown so held polls answer instead of hanging). */
  emitAll(): void {
    for (const id of [...this.#listeners.keys()]) this.emit(id);
  }

  get size(): number {
    return this.#listeners.size;
  }
}

/** True when a DeviceCode payload carries the user's decision, so held polls must wake. */
export function isDecided(model: string, payload: { accountId?: unknown; error?: unknown }): boolean {
  return model === 'DeviceCode' && (payload.accountId !== undefined || payload.error !== undefined);
}

/** The SHA-256 of a row id (base64url, 43 characters): the only form in which a store keeps a token value. */
export function hashId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/**
 * Payload fields that hold the id of another row, a token value: stored as keys like the rows
 * themselves, and given back as handles. Only Interaction has them: the device code being approved,
 * the pushed authorization request, and the phone's session cookie (oidc-provider copies the
 * session's id there). No other model of oidc-provider 9 names a row by its id; grantId and
 * sessionUid stay in clear because nothing accepts them from a client.
 */
const REFERENCES: Readonly<Record<string, ReadonlyArray<readonly [string] | readonly [string, string]>>> = {
  Interaction: [['deviceCode'], ['parJti'], ['session', 'cookie']],
};

/** A copy of `payload` with every reference of `model` passed through `map`. */
function mapReferences(model: string, payload: AdapterPayload, map: (value: string) => string): AdapterPayload {
  const copy = { ...payload } as Record<string, unknown>;
  for (const [field, inner] of REFERENCES[model] ?? []) {
    const value = copy[field];
    if (inner === undefined) {
      if (typeof value === 'string') copy[field] = map(value);
    } else if (value && typeof value === 'object') {
      const nested = value as Record<string, unknown>;
      if (typeof nested[inner] === 'string') copy[field] = { ...nested, [inner]: map(nested[inner]) };
    }
  }
  return copy as AdapterPayload;
}

/**
 * Row ids in and out of a store. oidc-provider names every row by its token value (an access
 * token's id IS the access token, a session's id is its cookie), so a row read from the SQLite file
 * or from Redis would be a working credential. A store therefore keys rows by hashId(id), drops
 * `jti` from the payload it writes, and puts `jti` back from the id it was asked for.
 *
 * A row found through an index (a device code by its user code, a session by its uid) has no id in
 * clear to give back: it gets a handle, a secret prefix of this process followed by the key. Passed
 * back to the store (oidc-provider saves a row under its `jti`), a handle names the same row. The
 * prefix lives only in this process's memory and is never written, so a key read from the file
 * cannot be made into anything the server accepts; it is compared in constant time because it is
 * checked against token values that clients send.
 */
export class RowIds {
  readonly #prefix = Buffer.from(`${randomBytes(24).toString('base64url')}~`);

  /** The key of the row named `id` (a token value from oidc-provider or a client, or a handle). */
  key(id: string): string {
    const bytes = Buffer.from(id, 'utf8');
    const length = this.#prefix.length;
    if (bytes.length > length && timingSafeEqual(bytes.subarray(0, length), this.#prefix)) return bytes.subarray(length).toString('utf8');
    return hashId(id);
  }

  /** A handle of the row stored under `key`, valid in this process only. */
  handle(key: string): string {
    return `${this.#prefix.toString('utf8')}${key}`;
  }

  /** The payload as stored: no `jti`, references to other rows as keys. */
  seal(model: string, payload: AdapterPayload): AdapterPayload {
    const sealed = mapReferences(model, payload, (value) => this.key(value));
    delete sealed.jti;
    return sealed;
  }

  /** A stored payload as oidc-provider expects it: `jti` is `id` (as asked for, or a handle), references are handles. */
  open(model: string, stored: AdapterPayload, id: string): AdapterPayload {
    const payload = mapReferences(model, stored, (value) => this.handle(value));
    // Clients (dynamic registration) are not BaseModels and carry no jti.
    if (model !== 'Client') payload.jti = id;
    return payload;
  }
}
