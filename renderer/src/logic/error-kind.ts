// Which words the TV says for a stopped flow. The device sends only a machine code (core's
// ERROR_CODES in core/errors.ts, which the renderer may not import; test/renderer/error-words.test.ts
// holds the two lists together). People need to know what happened and what to do next, and for that
// a handful of kinds is enough. A code a provider invents gets the general words, never the code.

/** The kinds of failure the TV words differently, each with its own next step. */
export type ErrorKind = 'network' | 'server' | 'setup' | 'refused' | 'code' | 'session' | 'storage' | 'response' | 'other';

const KINDS: Record<string, ErrorKind> = {
  // No usable answer: the TV's connection, or the service is down. Check the connection, retry.
  network: 'network',
  timeout: 'network',
  // The service answered that it is in trouble or busy: wait, retry. A poll that hears pending or
  // slow_down keeps going; only the request for a code can stop on them.
  server_error: 'server',
  temporarily_unavailable: 'server',
  authorization_pending: 'server',
  slow_down: 'server',
  // The TV's client settings do not match the provider: retrying will not help, whoever set up the
  // TV must fix them (the log and the CLI say which setting).
  configuration: 'setup',
  discovery_failed: 'setup',
  invalid_client: 'setup',
  unauthorized_client: 'setup',
  unsupported_grant_type: 'setup',
  unsupported_response_type: 'setup',
  invalid_scope: 'setup',
  invalid_request: 'setup',
  invalid_target: 'setup',
  insufficient_scope: 'setup',
  device_flow_disabled: 'setup',
  // The service would not give this TV a code at all (a "Deny" on the phone has its own screen).
  access_denied: 'refused',
  // The check number was entered wrong too many times (the Denied screen words it; this is for any other).
  check_number_exhausted: 'refused',
  // The code died before the sign-in finished: a new code is the way on.
  expired_token: 'code',
  invalid_grant: 'code',
  // The sign-in is over: sign in again.
  not_signed_in: 'session',
  no_refresh_token: 'session',
  invalid_token: 'session',
  // The TV's saved sign-in could not be read or written.
  store: 'storage',
  // An answer that is not in the shape the standard says.
  invalid_response: 'response',
  // A bug, and a cancel (which goes back to idle and never reaches this screen): the general words.
  internal: 'other',
  aborted: 'other',
};

/** Every code the TV words on purpose, for the test that holds this list to core's. */
export const WORDED_CODES: readonly string[] = Object.keys(KINDS);

/** The kind of failure for an error code from the device (anything unknown is `other`). */
export function errorKind(code: string | undefined): ErrorKind {
  return (code !== undefined && Object.hasOwn(KINDS, code) ? KINDS[code] : undefined) ?? 'other';
}
