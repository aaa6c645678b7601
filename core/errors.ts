/** The body of an OAuth 2.0 error response (RFC 6749 §5.2), kept as the server sent it. */
export interface OAuthErrorBody {
  error: string;
  error_description?: string;
  error_uri?: string;
}

/**
 * The one error class of device-login. `code` is an OAuth error code (`access_denied`, `expired_token`,
 * `invalid_client`, ...) or one of ours: `network`, `timeout`, `aborted`, `invalid_response`,
 * `discovery_failed`, `configuration`, `not_signed_in`. `message` is written for the person reading it
 * and never contains a token, a device code or a client secret.
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
export function toDeviceLoginError(err: unknown, fallbackCode = 'internal'): DeviceLoginError {
  if (err instanceof DeviceLoginError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new DeviceLoginError(fallbackCode, message, { cause: err });
}
