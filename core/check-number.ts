// The proximity check (RFC 10027, cross-device flows): when the phone that approves is on another
// network than the device that asked for the code, a server that supports it shows a two-digit check
// number on the phone and releases the tokens only to a poll that carries it. A person holding both
// screens reads it off one and types it into the other; an attacker who sent a stolen code to
// someone far away has to guess. These are its wire names, shared by the quirk layer (which recognises
// the errors from the answer itself, whoever sends them), the embedded server that speaks them, and
// every screen that asks for the number. No server that never sends these errors is affected.

/** Discovery metadata member (RFC 8414 style) by which a server announces the check: `true`. */
export const CHECK_NUMBER_METADATA = 'device_authorization_check_number_supported';

/** The token request parameter of a device-code poll that carries the number the person entered. */
export const CHECK_NUMBER_PARAM = 'check_number';

/** Poll error (HTTP 400): approved from another network; poll again with `check_number`. */
export const CHECK_NUMBER_REQUIRED = 'check_number_required';

/** Poll error (HTTP 400): the `check_number` sent was wrong; `attempts_left` more may be tried. */
export const INVALID_CHECK_NUMBER = 'invalid_check_number';

/**
 * Member of both errors: how many more numbers the device may send before the server denies the
 * grant (`access_denied`).
 */
export const ATTEMPTS_LEFT_MEMBER = 'attempts_left';

/** A check number is this many decimal digits, leading zeros kept ("07"). */
export const CHECK_NUMBER_DIGITS = 2;

const PATTERN = new RegExp(`^[0-9]{${CHECK_NUMBER_DIGITS}}$`);

/** True for a well-formed check number: exactly CHECK_NUMBER_DIGITS ASCII digits. */
export function isCheckNumber(value: unknown): value is string {
  return typeof value === 'string' && PATTERN.test(value);
}
