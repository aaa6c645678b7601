// "New code: the old one expired" beside a code the TV took without being asked. Someone half-way
// through on the phone has just been told "This code has expired" there; the TV must say why its
// code changed, on screen (not only to a screen reader), for long enough to be seen by a person who
// looks up from the phone. Measured on the host's clock like the countdown, so a reload or a TV clock
// that is off neither restarts it nor cuts it short.

/** How long the notice stays beside a renewed code. */
export const RENEWED_NOTICE_MS = 120_000;

/** Milliseconds the notice still shows for `code` (0: not renewed, or shown long enough already). */
export function renewedNoticeLeftMs(code: { renewedAt?: number }, localNow: number, offsetMs: number): number {
  if (code.renewedAt === undefined) return 0;
  return Math.max(0, code.renewedAt + RENEWED_NOTICE_MS - (localNow + offsetMs));
}
