// The slow_down ledger of one process, in memory: per device code, when it last polled and its
// current interval (RFC 8628 §3.5: an early poll gets slow_down and five more seconds for this and
// every later poll). The SQLite store keeps it here instead of writing the file on every pending
// poll, which was most of what a pending poll cost beyond plain oidc-provider.
//
// Why the ledger may live in memory, unshared and lost on restart:
// - slow_down is pacing advice to a client that keeps the rules, not a defence. An early poll costs
//   the server the same whether it is answered slow_down or authorization_pending, and a client that
//   ignores slow_down is not stopped by it. Device codes are long random secrets (no guessing to
//   slow down); guessing user codes is limited on the phone pages, not here.
// - After a restart the ledger is empty: the next poll of each code counts as its first. The worst
//   case is one early poll not answered slow_down, and a grown interval forgotten until the next
//   early poll grows it again. A client that keeps the rules already uses its grown interval for
//   every later poll (§3.5), so it polls no faster for the loss.
// - Two processes sharing one SQLite file are one host's restart overlap (both run only while the
//   old one drains), not a scale-out: a device that alternates between them could be told slow_down
//   a little less often during that window. Lasting scale-out runs on Redis, whose ledger stays in
//   Redis (server/adapters/redis.ts) so that switching instances does not reset it.
import type { PollLedgerInput, PollVerdict } from './store.ts';

/** Expired entries are swept at most this often, on a poll, instead of by a timer. */
const SWEEP_EVERY_MS = 60 * 1000;
/**
 * Bound on the entries kept (about 200 bytes each): past it the code that first polled longest ago
 * is forgotten, which costs at most one missed slow_down. Far above the codes polled within one code
 * lifetime at the rates the server sustains.
 */
const MAX_ENTRIES = 200_000;

interface Entry {
  lastAt: number;
  interval: number;
  expiresAt: number;
}

/** The per-process slow_down ledger: one map entry per polled code, no I/O. */
export class MemoryPollLedger {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  #lastSweep = 0;

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? MAX_ENTRIES;
  }

  /** Records one poll of a code and says whether it came sooner than the code's interval. */
  recordPoll(input: PollLedgerInput): PollVerdict {
    this.#sweepIfDue(input.now);
    const entry = this.#entries.get(input.id);
    if (!entry) {
      if (this.#entries.size >= this.#maxEntries) this.#forgetOldest();
      this.#entries.set(input.id, { lastAt: input.now, interval: input.baseInterval, expiresAt: input.expiresAt });
      return { slowDown: false, interval: input.baseInterval };
    }
    const slowDown = input.now - entry.lastAt < entry.interval * 1000 - input.toleranceMs;
    if (slowDown) entry.interval += input.step;
    entry.lastAt = input.now;
    return { slowDown, interval: entry.interval };
  }

  /** The current interval of a code: the base interval when it never polled early (or is unknown). */
  currentInterval(id: string, baseInterval: number): number {
    return this.#entries.get(id)?.interval ?? baseInterval;
  }

  /** Number of codes remembered (tests and diagnostics). */
  get size(): number {
    return this.#entries.size;
  }

  #sweepIfDue(now: number): void {
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    for (const [id, entry] of this.#entries) if (entry.expiresAt < now) this.#entries.delete(id);
  }

  #forgetOldest(): void {
    // Entries are updated in place, so the map's order is the order of first polls.
    const oldest = this.#entries.keys().next();
    if (!oldest.done) this.#entries.delete(oldest.value);
  }
}
