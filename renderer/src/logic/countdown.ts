// Time left on a code, measured on the host's clock. The host stamps every message with its clock
// at the moment of sending (`hostNow`, not when the state was built, so a reload or a reconnect
// minutes into a code does not set the countdown back); the difference to our clock at receipt
// corrects for a TV whose clock is off (no NTP yet after a cold boot is common), so the ring
// reaches zero when the server's code really expires.
// One clock: the ring's face ("0:06") and the words beside it ("expires in 6 seconds") are both made
// from one reading (`readCountdown`), rounded once, so they cannot disagree.

/** The host clock minus ours, in ms, from a message's `hostNow` and the local time it arrived. */
export function clockOffsetMs(hostNow: number, receivedAt: number): number {
  return hostNow - receivedAt;
}

/** The code's lifetime as the countdown ring needs it. */
export interface CodeTimes {
  issuedAt: number;
  expiresAt: number;
}

/** Milliseconds until expiry on the host's clock (never negative). */
export function remainingMs(code: CodeTimes, localNow: number, offsetMs: number): number {
  return Math.max(0, code.expiresAt - (localNow + offsetMs));
}

/** The part of the code's lifetime still left, 0..1, for the ring. */
export function fractionLeft(code: CodeTimes, localNow: number, offsetMs: number): number {
  const lifetime = code.expiresAt - code.issuedAt;
  if (!(lifetime > 0)) return 0;
  return Math.min(1, remainingMs(code, localNow, offsetMs) / lifetime);
}

/** The countdown at one moment: what the ring's face, its words and its arc all show. */
export interface CountdownReading {
  /** Whole seconds left, rounded up (a code with 0.2 s left still shows 0:01). */
  seconds: number;
  /** The part of the lifetime left, 0..1. */
  fraction: number;
}

/** Reads the countdown once, for every part of the ring to show. */
export function readCountdown(code: CodeTimes, localNow: number, offsetMs: number): CountdownReading {
  return {
    seconds: Math.ceil(remainingMs(code, localNow, offsetMs) / 1000),
    fraction: fractionLeft(code, localNow, offsetMs),
  };
}
