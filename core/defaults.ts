// Every default of a device-login client, in one commented object: the CLI, the browser host and
// Electron all start from it, and the command-line help is written from it. The server's own
// defaults are server/defaults.ts (SERVER_DEFAULTS).

/** The client's defaults. Each says what it does and when to change it. */
export const CLIENT_DEFAULTS = {
  /**
   * Scopes asked for when neither the configuration nor the provider preset names any: an id_token
   * with the person's name and email, and a refresh token. Presets with their own (GitHub) win.
   */
  scope: 'openid profile email offline_access',
  /**
   * Most seconds a poll asks the server to hold it (`Prefer: wait=N`, RFC 7240), only where the
   * server announces long polling. 25 s stays under the usual 30 s idle timeout of proxies; 0 = never.
   */
  longPollSeconds: 25,
  /** Expired codes replaced without asking while someone may still be looking; then "Press OK" (RFC 8628 §3.5). */
  maxAutoRenewals: 2,
  /** RFC 8628 §3.2: the polling interval in seconds when the server names none. */
  intervalSeconds: 5,
  /** RFC 8628 §3.5: seconds added to the interval by every `slow_down`. */
  slowDownStepSeconds: 5,
  /**
   * Waits after transport failures and 5xx: from 1 s doubling to at most 4 s, with jitter. A low cap
   * lets the TV notice within seconds that the server is back (30 s left it deaf for half a minute).
   * The server is protected all the same: a poll never comes sooner than the code's interval or a
   * stated Retry-After, and the jitter keeps devices cut off by one outage from returning in step.
   */
  backoff: { initialMs: 1_000, maxMs: 4_000 },
  /** How long one HTTP request may take (a long poll adds its `wait`). */
  requestTimeoutMs: 10_000,
  /** Largest answer body read: a broken or hostile server must not exhaust the device's memory. */
  maxResponseBytes: 1024 * 1024,
  /** An access token closer than this to its expiry is refreshed before use. */
  minTokenValidityMs: 60_000,
  /**
   * Seconds between two checks, while the TV is signed in, that the server still accepts the sign-in
   * (the resource server's /api/me or the provider's userinfo; a refused token is refreshed once). A
   * TV signed out from the account page must go back to Welcome without waiting for someone to press
   * a key or for the access token to expire (an hour); once a minute costs the server one request per
   * TV per minute. 0 turns the checks off; DEVICE_LOGIN_SESSION_CHECK_SECONDS changes it (tests use 1).
   */
  sessionCheckSeconds: 60,
  /**
   * How long `login --browser` waits for the person to finish signing in in the browser before it
   * ends as expired (exit 4), like a device code nobody used. `--timeout` changes it.
   */
  browserSignInTimeoutSeconds: 600,
  /** Microsoft Entra's tenant when `--tenant` is not given: work, school and personal accounts. */
  microsoftTenant: 'common',
  /** What the log shows: `warn` keeps a terminal quiet; `info` or `debug` to follow the flow. */
  logLevel: 'warn',
  /**
   * Where `device-login web` serves the TV: loopback, because the TV answers presses of the remote and
   * must stay this machine's; 8788, next to the embedded server's 8787. `--host`, `--port` change it.
   */
  browserHost: { host: '127.0.0.1', port: 8788 },
} as const;
