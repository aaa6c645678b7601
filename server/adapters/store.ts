// What the server needs from its persistence beyond oidc-provider's Adapter: an atomic "consume
// once", the per-code poll ledger behind slow_down, and a wake-up channel for held long polls.
// SQLite (one host) and Redis (several instances) both implement it. The ledger is shared where
// instances are (Redis) and kept in each process's memory on SQLite (server/adapters/poll-ledger.ts
// says why losing it is harmless).
import type { Adapter } from 'oidc-provider';

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
