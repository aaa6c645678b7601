// Continue reserves a code for the browser that pressed it. oidc-provider marks the code in flight
// and refuses it to everyone from then on, so a person who stopped at the sign-in page, or a
// passer-by who scanned the TV's QR code and pressed Continue, left the TV waiting on a dead code
// until it expired. Here the reservation (a hold) names the browser and when it last made progress:
// the same browser may enter the code again (it sees confirm again, and the sign-in it had started
// stays valid too); once the holder has made no progress for codeHoldSeconds, another browser may
// take the code over, and the first one's sign-in is dropped.
// The hold lives in the device code's deviceInfo (a field oidc-provider stores as it is given), so it
// is shared by every instance that shares the store. Only a hash of the browser's cookie is kept.
import { createHash } from 'node:crypto';

import type { UnknownObject } from 'oidc-provider';

/** A device code as oidc-provider's model exposes it, the fields a hold reads and writes. */
export interface HoldableCode {
  inFlight?: boolean | undefined;
  accountId?: string | undefined;
  error?: string | undefined;
  consumed?: unknown;
  deviceInfo?: UnknownObject | undefined;
  readonly isExpired: boolean;
  save(): Promise<unknown>;
}

interface Hold {
  /** Hash of the holding browser's id. */
  by: string;
  /** Epoch milliseconds of the holder's last step. */
  at: number;
}

function tag(browser: string): string {
  return createHash('sha256').update(`hold:${browser}`).digest('base64url').slice(0, 22);
}

function holdOf(code: HoldableCode): Hold | undefined {
  const hold = code.deviceInfo?.hold as Partial<Hold> | undefined;
  return typeof hold?.by === 'string' && typeof hold.at === 'number' ? { by: hold.by, at: hold.at } : undefined;
}

/** True for a code nobody has approved, denied or exchanged yet, and that has not expired. */
export function isAwaitingDecision(code: HoldableCode): boolean {
  return !code.accountId && !code.error && !code.consumed && !code.isExpired;
}

/** Reserves `code` (in flight) for `browser`, from now. */
export async function holdCode(code: HoldableCode, browser: string): Promise<void> {
  code.deviceInfo = { ...code.deviceInfo, hold: { by: tag(browser), at: Date.now() } satisfies Hold };
  await code.save();
}

/** True when `code` is reserved for `browser`: a sign-in it started on this code may go on. */
export function isHeldBy(code: HoldableCode, browser: string | undefined): boolean {
  return Boolean(browser && holdOf(code)?.by === tag(browser));
}

/**
 * Milliseconds until `browser` may take over an in-flight `code`: 0 when it holds the code itself,
 * when the holder has made no progress for `holdSeconds`, or when no hold was recorded.
 */
export function heldForOthers(code: HoldableCode, browser: string | undefined, holdSeconds: number, now = Date.now()): number {
  const hold = holdOf(code);
  if (!code.inFlight || !hold || isHeldBy(code, browser)) return 0;
  return Math.max(0, hold.at + holdSeconds * 1000 - now);
}

/**
 * Makes an in-flight code usable again from its confirm page. For the browser that holds it the hold
 * stays (its sign-in in progress may still finish); for another browser taking over it is dropped,
 * and with it the first browser's sign-in.
 */
export async function releaseCode(code: HoldableCode, browser: string | undefined): Promise<void> {
  code.inFlight = undefined;
  if (!isHeldBy(code, browser)) {
    const { hold: _dropped, ...rest } = code.deviceInfo ?? {};
    code.deviceInfo = rest;
  }
  await code.save();
}
