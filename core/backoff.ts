// When the next token poll may go out (RFC 8628 §3.2, §3.5). Pure: time and jitter come in as numbers.

/** Exponential backoff after transport failures, timeouts, 5xx and unreadable answers. */
export interface BackoffSettings {
  /** Backoff after the first failure, before jitter. */
  initialMs: number;
  /** No backoff grows beyond this. */
  maxMs: number;
}

/**
 * Backoff only runs while a code is on screen and someone may be holding a phone: capped at a few
 * seconds, so that the TV is polling again within seconds of the server coming back (a 30 s cap
 * left it deaf for up to half a minute after an outage). The server is protected by the rest: a 5xx
 * never brings a poll sooner than the interval, a stated Retry-After is honoured whatever the cap,
 * and the jitter keeps devices cut off by the same outage from returning in step.
 */
export const DEFAULT_BACKOFF: BackoffSettings = { initialMs: 1_000, maxMs: 4_000 };

/** The polling interval when the server states none (RFC 8628 §3.2). */
export const DEFAULT_INTERVAL_SECONDS = 5;

/** What slow_down adds to this and every later poll (RFC 8628 §3.5). */
export const SLOW_DOWN_STEP_SECONDS = 5;

/**
 * The backoff after `failures` consecutive failures (1 = the first): doubles each time, capped at
 * `maxMs`, then "equal jitter" keeps it within [half, whole] so that many devices cut off by the same
 * outage do not come back in step. `jitter` is uniform in [0, 1).
 */
export function backoffDelayMs(
  failures: number,
  jitter: number,
  settings: BackoffSettings = DEFAULT_BACKOFF,
): number {
  if (failures <= 0) return 0;
  const exponent = Math.min(failures - 1, 30);
  const capped = Math.min(settings.maxMs, settings.initialMs * 2 ** exponent);
  const j = Math.min(Math.max(jitter, 0), 1);
  return Math.round(capped / 2 + (capped / 2) * j);
}

/** The interval after a slow_down: five seconds more, or the server's new interval if that is larger. */
export function slowedInterval(current: number, serverInterval?: number): number {
  const stepped = current + SLOW_DOWN_STEP_SECONDS;
  return serverInterval !== undefined && serverInterval > stepped ? serverInterval : stepped;
}

/**
 * The earliest time the next poll may start: never sooner than the interval (a failed poll may
 * still have reached the server, so backoff never undercuts it) nor than a stated Retry-After.
 * The interval runs from `now` (the answer), or from `intervalFrom` (when the last poll the server
 * saw was sent): for a poll the server held, and after a request that never reached the server.
 */
export function nextPollAt(
  now: number,
  intervalSeconds: number,
  extra: { retryAfterMs?: number; backoffMs?: number; intervalFrom?: number } = {},
): number {
  const intervalEnds = (extra.intervalFrom ?? now) + intervalSeconds * 1000;
  return Math.max(intervalEnds, now + (extra.retryAfterMs ?? 0), now + (extra.backoffMs ?? 0));
}
