// The one error class of device-login, and the codes it carries. Screens word a code in the viewer's
// language (the TV: renderer/src/logic/error-kind.ts); the English `message` is for the CLI, which
// speaks English only, and for the log.

/** The body of an OAuth 2.0 error response (RFC 6749 §5.2), kept as the server sent it. */
export interface OAuthErrorBody {
  error: string;
  error_description?: string;
  error_uri?: string;
  /**
   * Why, in a word a program can test (an extension, not RFC 6749): the embedded server says
   * `signed_out_from_account` when the grant was ended from the account website (SIGNED_OUT_FROM_ACCOUNT).
   */
  reason?: string;
}

/**
 * The `reason` of a refused refresh (and of a refused access token) whose grant was signed out from
 * the account website, so that every screen can say that rather than "your sign-in has ended".
 */
export const SIGNED_OUT_FROM_ACCOUNT = 'signed_out_from_account';

/**
 * Every code a DeviceLoginError from core can carry, and where it comes from: a port, device-login
 * itself, the OAuth standards, or one provider. A server may send an OAuth code that is not listed:
 * it is kept as sent (after the aliases of core/normalise.ts), and screens give it their general words.
 */
export const ERROR_CODES = {
  /** No answer: the connection failed or was refused, or the name did not resolve (HttpClient port). */
  network: 'port',
  /** No answer within the request's time limit (HttpClient port). */
  timeout: 'port',
  /** Cancelled on purpose (a cancelled flow, a closed session): the flow goes back to idle, nothing to show. */
  aborted: 'port',
  /** The token store could not be read or written (TokenStore port; the file store in host/). */
  store: 'port',

  /** An answer the standards do not allow: no JSON or form, a field missing, a bad id_token or key set. */
  invalid_response: 'device-login',
  /** The issuer's metadata could not be read or does not describe a device flow (OIDC Discovery, RFC 8414). */
  discovery_failed: 'device-login',
  /** The client's own settings are wrong or incomplete (an issuer that is no URL, a missing secret, ...). */
  configuration: 'device-login',
  /** Nobody is signed in, or the provider ended the sign-in (a refused refresh, an expired token with nothing to renew it). */
  not_signed_in: 'device-login',
  /** An early renewal was asked for, but the provider gave no refresh token. */
  no_refresh_token: 'device-login',
  /**
   * The server denied the grant after the check number of the proximity check (core/check-number.ts)
   * was entered wrong too many times: an `access_denied` that no one chose on the phone.
   */
  check_number_exhausted: 'device-login',
  /** Something that is not a DeviceLoginError was thrown: a bug, reported with the original as `cause`. */
  internal: 'device-login',

  /** RFC 6749 §5.2: the request is malformed or lacks a parameter. */
  invalid_request: 'oauth',
  /** RFC 6749 §5.2: the client is unknown or its authentication failed (GitHub's incorrect_client_credentials). */
  invalid_client: 'oauth',
  /** RFC 6749 §5.2: the grant (device code, refresh token) is invalid, expired or revoked. */
  invalid_grant: 'oauth',
  /** RFC 6749 §5.2: this client may not use this grant type. */
  unauthorized_client: 'oauth',
  /** RFC 6749 §5.2: the server does not support this grant type. */
  unsupported_grant_type: 'oauth',
  /** RFC 6749 §4.1.2.1: the server does not support this response type (codes asked for with `response_type`). */
  unsupported_response_type: 'oauth',
  /** RFC 6749 §5.2: the requested scope is invalid, unknown or more than the client may have. */
  invalid_scope: 'oauth',
  /** RFC 6749 §4.1.2.1, RFC 8628 §3.5: the person or the server refused (Entra's authorization_declined). */
  access_denied: 'oauth',
  /** RFC 6749 §4.1.2.1: the server failed (also ours for a 5xx without an OAuth error). */
  server_error: 'oauth',
  /** RFC 6749 §4.1.2.1: the server is overloaded or down for maintenance. */
  temporarily_unavailable: 'oauth',
  /** RFC 8628 §3.5: not approved yet; a poll keeps going, any other request that hears it fails. */
  authorization_pending: 'oauth',
  /** RFC 8628 §3.5: asked too often; a poll slows down, any other request that hears it fails. */
  slow_down: 'oauth',
  /** RFC 8628 §3.5: the device code expired (also Entra's bad_verification_code and GitHub's incorrect_device_code). */
  expired_token: 'oauth',
  /** RFC 8707 §2: the requested resource or audience is refused. */
  invalid_target: 'oauth',
  /** RFC 6750 §3.1: the access token was refused (userinfo answered 401). */
  invalid_token: 'oauth',
  /** RFC 6750 §3.1: the access token lacks a scope the request needs. */
  insufficient_scope: 'oauth',

  /** GitHub: the device flow is not enabled in the OAuth app's settings. */
  device_flow_disabled: 'provider',
} as const satisfies Record<string, 'port' | 'device-login' | 'oauth' | 'provider'>;

/** A code listed in ERROR_CODES. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The one error class of device-login. `code` is one of ERROR_CODES, or an OAuth code a server sent
 * that is not listed there. `message` is English for the CLI and the log, never a screen's words, and
 * never contains a token, a device code or a client secret.
 */
export class DeviceLoginError extends Error {
  override readonly name = 'DeviceLoginError';
  readonly code: string;
  /** The OAuth error body, when the server sent one. */
  readonly oauth?: OAuthErrorBody;
  /** The HTTP status of the response that caused this error, if any. */
  readonly status?: number;
  /** True for a `network` error where the request never reached the server (connection refused, no such host). */
  readonly unsent?: boolean;

  constructor(
    code: string,
    message: string,
    options: { cause?: unknown; oauth?: OAuthErrorBody; status?: number; unsent?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.oauth) this.oauth = options.oauth;
    if (options.status !== undefined) this.status = options.status;
    if (options.unsent) this.unsent = true;
  }
}

/** True for errors of the transport itself (no usable HTTP answer): worth a retry with backoff. */
export function isTransportError(err: unknown): boolean {
  return err instanceof DeviceLoginError && (err.code === 'network' || err.code === 'timeout');
}

/** Wraps anything thrown into a DeviceLoginError without losing the original as `cause`. */
export function toDeviceLoginError(err: unknown, fallbackCode: ErrorCode = 'internal'): DeviceLoginError {
  if (err instanceof DeviceLoginError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new DeviceLoginError(fallbackCode, message, { cause: err });
}
