// Which sentence the TV says for a stopped flow. The device sends only a machine code (core's
// DeviceLoginError codes: ours and the OAuth ones, RFC 6749 §5.2 and RFC 8628 §3.5); people need to
// know what happened and what to do next, and for that a handful of kinds is enough. A code that is
// not listed here gets the general sentence, never the code itself.

/** The kinds of failure the TV words differently, each with its own next step. */
export type ErrorKind = 'network' | 'server' | 'setup' | 'response' | 'other';

const KINDS: Record<string, ErrorKind> = {
  // No usable answer: the TV's connection, or the service is down.
  network: 'network',
  timeout: 'network',
  // The service answered that it is in trouble.
  server_error: 'server',
  temporarily_unavailable: 'server',
  // The TV's client settings do not match the provider: retrying will not help, a person must fix them.
  configuration: 'setup',
  discovery_failed: 'setup',
  invalid_client: 'setup',
  unauthorized_client: 'setup',
  unsupported_grant_type: 'setup',
  invalid_scope: 'setup',
  invalid_request: 'setup',
  invalid_target: 'setup',
  device_flow_disabled: 'setup',
  incorrect_client_credentials: 'setup',
  // An answer that is not in the shape the standard says.
  invalid_response: 'response',
};

/** The kind of failure for an error code from the device (anything unknown is `other`). */
export function errorKind(code: string | undefined): ErrorKind {
  return (code !== undefined && Object.hasOwn(KINDS, code) ? KINDS[code] : undefined) ?? 'other';
}
