// How code entry slows guessing down instead of locking people out. Three counters of wrong codes
// within a window: this browser, this address (an IPv6 /64 counts as one), and the whole server.
// A browser waits after its second wrong code in the window, twice as long after each further one,
// up to a cap; an address, which many people may share (a home, an office, the TV-and-phone demo on
// 127.0.0.1), only from its fifth. Each counter has a budget for the window. The page says how many
// attempts are left (the smallest of the three budgets) and how long to wait.
//
// The arithmetic, with the defaults (SERVER_DEFAULTS.codeEntry) and L codes alive at once:
//   code space N = 20^8 ≈ 2.56e10 (34.6 bits); one wrong guess hits a live code with p = L / N.
//   One address: at most 30 guesses an hour (with fresh browsers, delays from the fifth: 2+4+8+16+32 s,
//   then 60 s each; the budget, not the delays, is what binds). Any number of addresses: at most 300
//   an hour, server-wide.
//   So a year of guessing at the cap is 300 × 24 × 365 ≈ 2.6e6 guesses: P(any hit) ≤ 2.6e6 × L / N
//   ≈ 1e-4 × L, i.e. one in a thousand with ten codes waiting at every moment of that year, and each
//   such hit only reaches a TV waiting for its owner, who would see the wrong account on it.
//   A person who mistypes twice waits 2 s, a third time 4 s; ten mistakes in an hour stop that
//   browser for the rest of the hour.
// Budgets are counted per process: N instances give an attacker N times the rate (several instances
// sharing Redis: divide the budgets by their number). What an attacker can do to others: keep an
// address (everyone behind one NAT, or the TV-and-phone demo on 127.0.0.1) waiting, and spend the
// server's budget so nobody can TYPE a code for the rest of the hour. The QR link
// (verification_uri_complete carries a MAC of the code) and decisions on a code this browser was
// shown pass without counting, so a TV's own link always works, and Deny always does.
import type { CodeEntryLimits } from './code-entry.ts';

/** Who an attempt is counted against. */
export interface GuessKeys {
  /** The browser's own cookie id (new browsers are free to make, so this protects honest users only). */
  browser: string;
  /** The address group (server/limits.ts addressGroup). */
  address: string;
}

/** What the limiter says about the next attempt of these keys. */
export interface GuessVerdict {
  /** Milliseconds before an attempt is evaluated; 0 when it may be made now. */
  waitMs: number;
  /** Wrong codes that may still be made in the window (the smallest budget). */
  attemptsLeft: number;
  /** True when a budget is spent (waitMs then runs until the window frees one). */
  exhausted: boolean;
}

export interface GuessLimiter {
  /** May these keys try a code now? Counts nothing. */
  check(keys: GuessKeys): GuessVerdict;
  /** Counts one wrong code against the keys and the server; returns the verdict for the next attempt. */
  fail(keys: GuessKeys): GuessVerdict;
}

interface Counter {
  /** Times of the wrong codes within the window, oldest first. */
  failures: number[];
}

/** Creates the limiter; `now` is for tests of the arithmetic. */
export function createGuessLimiter(limits: CodeEntryLimits, now: () => number = Date.now, maxKeys = 20_000): GuessLimiter {
  const windowMs = limits.windowSeconds * 1000;
  const counters = new Map<string, Counter>();
  const overall: Counter = { failures: [] };

  const prune = (counter: Counter, t: number): Counter => {
    const cutoff = t - windowMs;
    let drop = 0;
    while (drop < counter.failures.length && (counter.failures[drop] ?? 0) <= cutoff) drop += 1;
    if (drop) counter.failures.splice(0, drop);
    return counter;
  };
  const counter = (key: string, t: number): Counter => {
    const found = counters.get(key);
    if (found) return prune(found, t);
    return { failures: [] };
  };
  /** The wait the delays ask for after these wrong codes, when they start at the `from`th. */
  const delayed = (failures: number[], from: number, t: number): number => {
    const n = failures.length;
    if (n < from) return 0;
    const delay = Math.min(limits.maxDelaySeconds, limits.firstDelaySeconds * 2 ** (n - from)) * 1000;
    return Math.max(0, (failures[n - 1] ?? t) + delay - t);
  };
  /** The wait until the oldest counted failure leaves the window, when the budget is spent. */
  const spent = (failures: number[], budget: number, t: number): number =>
    failures.length >= budget ? Math.max(1, (failures[failures.length - budget] ?? t) + windowMs - t) : 0;

  const verdict = (keys: GuessKeys, t: number): GuessVerdict => {
    const browser = counter(`b:${keys.browser}`, t).failures;
    const address = counter(`a:${keys.address}`, t).failures;
    const all = prune(overall, t).failures;
    const budgetWait = Math.max(
      spent(browser, limits.perBrowser, t),
      spent(address, limits.perAddress, t),
      spent(all, limits.overall, t),
    );
    const attemptsLeft = Math.max(
      0,
      Math.min(limits.perBrowser - browser.length, limits.perAddress - address.length, limits.overall - all.length),
    );
    return {
      waitMs: Math.max(budgetWait, delayed(browser, limits.browserDelayFrom, t), delayed(address, limits.addressDelayFrom, t)),
      attemptsLeft,
      exhausted: budgetWait > 0,
    };
  };

  const record = (key: string, t: number): void => {
    const found = counter(key, t);
    found.failures.push(t);
    counters.delete(key);
    counters.set(key, found);
    // Forget the least recently failing keys first: a flood of addresses cannot grow memory without bound.
    while (counters.size > maxKeys) counters.delete(counters.keys().next().value as string);
  };

  return {
    check(keys) {
      return verdict(keys, now());
    },
    fail(keys) {
      const t = now();
      record(`b:${keys.browser}`, t);
      record(`a:${keys.address}`, t);
      prune(overall, t).failures.push(t);
      // The overall list is bounded by its budget's window: older entries are pruned on every use.
      if (overall.failures.length > limits.overall * 2) overall.failures.splice(0, overall.failures.length - limits.overall * 2);
      return verdict(keys, t);
    },
  };
}
