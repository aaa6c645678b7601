// When the next token poll may go out (RFC 8628 §3.2, §3.5). Pure: time and jitter come in as numbers.
// The figures (backoff cap, slow_down step) are CLIENT_DEFAULTS', with why they are what they are.
import { CLIENT_DEFAULTS } from './defaults.ts';

/** Exponential backoff after transport failures, timeouts, 5xx and unreadable answers. */
export interface BackoffSettings {
  /** Backoff after the first failure, before jitter. */
  initialMs: number;
  /** No backoff grows beyond this. */
  maxMs: number;
}

/**
 * The backoff after `failures` consecutive failures (1 = the first): doubles each time, capped at
 * `maxMs`, then "equal jitter" keeps it within [half, whole] so that many devices cut off by the same
 * outage do not come back in step. `jitter` is uniform in [0, 1).
 */
export function backoffDelayMs(
  failures: number,
  jitter: number,
  settings: BackoffSettings = CLIENT_DEFAULTS.backoff,
): number {
  if (failures <= 0) return 0;
  const exponent = Math.min(failures - 1, 30);
  const capped = Math.min(settings.maxMs, settings.initialMs * 2 ** exponent);
  const j = Math.min(Math.max(jitter, 0), 1);
  return Math.round(capped / 2 + (capped / 2) * j);
}

/** The interval after a slow_down: five seconds more, or the server's new interval if that is larger. */
export function slowedInterval(current: number, serverInterval?: number): number {
  const stepped = current + CLIENT_DEFAULTS.slowDownStepSeconds;
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
