import type { DialectName } from './dialects.ts';
import type { DeviceLoginError } from './errors.ts';

/** The flow states: one vocabulary in core, ViewState, CLI --json and the UI's data-state (DESIGN.md). */
export const FLOW_STATES = [
  'idle',
  'requesting',
  'awaiting_user',
  'signed_in',
  'denied',
  'expired',
  'error',
  'signing_out',
] as const;
export type FlowState = (typeof FLOW_STATES)[number];

/**
 * What the person should be told that no flow state says, as a code each screen words in its own
 * language: the sign-in ended (refresh refused, or the access token expired with no refresh token);
 * it ended because the device was signed out from the account website (the refresh was refused with
 * the reason `signed_out_from_account`); signed in without a readable profile; signed out here while
 * the grant may live on at the provider (revocation failed, or the provider has none).
 */
export type SessionNotice =
  | 'session_ended'
  | 'signed_out_from_account'
  | 'profile_unavailable'
  | 'revocation_failed'
  | 'revocation_unsupported';

/** While `awaiting_user`: `online`, or `retrying` after a transport failure or 5xx. */
export type NetworkStatus = 'online' | 'retrying';

/** Where the client talks to. Absolute http(s) URLs. */
export interface Endpoints {
  /** The issuer exactly as the server states it (a trailing slash is significant). */
  issuer?: string;
  deviceAuthorizationEndpoint: string;
  tokenEndpoint: string;
  /** Where a browser signs in (authorization code flow, `login --browser`); absent: the device flow only. */
  authorizationEndpoint?: string;
  /** The server sends `iss` with every authorization response (RFC 9207), so one without it is refused. */
  authorizationResponseIssParameterSupported?: boolean;
  userinfoEndpoint?: string;
  revocationEndpoint?: string;
  /** Where a website signs the person out at the server too (OIDC RP-Initiated Logout's end_session_endpoint). */
  endSessionEndpoint?: string;
  jwksUri?: string;
  /**
   * Seconds the server will hold a device-code poll that asks `Prefer: wait=N`, as its metadata
   * announces (`device_authorization_long_poll_max_wait`); absent: plain RFC 8628 polling.
   */
  longPollMaxWait?: number;
  /**
   * What the requests must look like where a preset's provider does not speak RFC 8628 as written
   * (core/dialects.ts); absent: RFC 8628. Answers are normalised alike whatever it is.
   */
  dialect?: DialectName;
  /** Where a public client registers before it may ask for codes (AWS IAM Identity Center's /client/register). */
  registrationEndpoint?: string;
  /** AWS IAM Identity Center: the access portal the person signs in to (sent with every code request). */
  startUrl?: string;
}

/**
 * How a client proves who it is at the token, revocation and device authorization endpoints (RFC 6749
 * §2.3.1, the names of RFC 7591's token_endpoint_auth_method): the secret in an Authorization: Basic
 * header, the secret in the form, or no secret (a public client names itself with client_id only).
 */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** Who the client is and what it asks for. */
export interface ClientSettings {
  clientId: string;
  /** Sent only to providers that require it (Google); never logged or displayed. */
  clientSecret?: string;
  /**
   * How the client authenticates (core/client-authentication.ts). Absent: as each provider's dialect
   * sends it, which is the secret in the form when there is one (client_secret_post), else client_id
   * alone. A client registered for client_secret_basic (the account website's) must say so.
   */
  tokenEndpointAuthMethod?: ClientAuthMethod;
  /** Facebook's client token, sent as `APP_ID|CLIENT_TOKEN`; a secret like clientSecret. */
  clientToken?: string;
  /** Space-separated scopes. */
  scope?: string;
  /** Auth0-style API audience. */
  audience?: string;
  /** Extra parameters for the device authorization request. */
  extraParams?: Record<string, string>;
}

/** A validated device authorization response (RFC 8628 §3.2), with absolute expiry. */
export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  /** Epoch milliseconds at which the device code expires. */
  expiresAt: number;
  /** Current polling interval in seconds (default 5; grows with slow_down). */
  interval: number;
  /** A sentence the provider wants shown (Microsoft Entra's `message`). */
  message?: string;
  /** Epoch milliseconds at which the code was issued (absent in codes persisted by older versions). */
  issuedAt?: number;
  /**
   * Seconds the server says it will hold a poll that asks `Prefer: wait=N` (its announcement of long
   * polling, in this response or its metadata). Kept with the code, so a resumed code polls the same way.
   */
  longPollMaxWait?: number;
}

/** A token response, with absolute expiry. Never logged, never sent to the renderer. */
export interface TokenSet {
  accessToken: string;
  /** As the server sent it; compare case-insensitively. */
  tokenType: string;
  /** Epoch milliseconds, when the server said `expires_in`. */
  expiresAt?: number;
  refreshToken?: string;
  idToken?: string;
  scope?: string;
  /** Where the provider's APIs for this sign-in live (Salesforce's `instance_url`), when it says. */
  instanceUrl?: string;
}

/** Who is signed in, from the id_token and/or userinfo. */
export interface Profile {
  sub: string;
  name?: string;
  email?: string;
  picture?: string;
}

/** What the TokenStore keeps for one (issuer, client) pair. */
export interface StoredSession {
  version: 1;
  /** The signed-in token set. */
  tokens?: TokenSet;
  profile?: Profile;
  /** A pending device flow, so that a restarted process resumes polling the same code. */
  pending?: DeviceAuthorization;
  /** A client registered at the server (AWS IAM Identity Center), kept under its own key until it expires. */
  registration?: ClientRegistration;
}

/** A client registered at run time (core/client-registration.ts). The secret is never logged or shown. */
export interface ClientRegistration {
  clientId: string;
  clientSecret: string;
  /** Epoch ms at which the server stops accepting the secret (`clientSecretExpiresAt`). */
  expiresAt: number;
}

/** The result of one token poll, normalised from whatever the server said (the quirk layer's output). */
export type PollOutcome =
  | { kind: 'tokens'; tokens: TokenSet }
  /** authorization_pending (whatever the HTTP status). */
  /** `held`: the server says it held the poll (Preference-Applied: wait=N, RFC 7240). */
  | { kind: 'pending'; retryAfterMs?: number; held?: boolean }
  /** slow_down; `interval` when the server stated a new one (GitHub). */
  | { kind: 'slow_down'; interval?: number; retryAfterMs?: number }
  /** access_denied / authorization_declined. */
  | { kind: 'denied'; error: DeviceLoginError }
  /** expired_token, or the code is no longer usable (invalid_grant after expiry, bad_verification_code ...). */
  | { kind: 'expired'; error: DeviceLoginError }
  /**
   * Transport failure, timeout, 5xx or an unreadable body: back off and poll again while the code is
   * valid. `unsent`: the request never reached the server (connection refused, name not resolved), so
   * it was not a poll the server saw and does not restart the interval.
   */
  | { kind: 'retry'; error: DeviceLoginError; retryAfterMs?: number; unsent?: boolean }
  /**
   * The proximity check (core/check-number.ts): approved from another network, so the server wants
   * the check number the phone shows. `wrong`: the number sent was not it. `attemptsLeft`: how many
   * more the server takes before it denies the grant, when it said.
   */
  | { kind: 'check_number'; wrong: boolean; attemptsLeft?: number }
  /** Anything else (invalid_client, unsupported_grant_type, ...): stop with the error state. */
  | { kind: 'fatal'; error: DeviceLoginError };

/** Result of signing out. */
export interface SignOutResult {
  /** True when the server confirmed revocation (RFC 7009). */
  revoked: boolean;
  /**
   * Why the grant was not revoked, when it was not (each screen words it): the provider has no
   * revocation endpoint, revocation failed, or nobody was signed in.
   */
  notRevoked?: 'unsupported' | 'failed' | 'not_signed_in';
  /** Who was asked to revoke: the issuer, else the token endpoint's origin (for the words). */
  provider: string;
  /** Why revocation failed, for the log and the CLI (`failed` only; never a token). */
  detail?: string;
}

/**
 * The protocol steps the session runner needs, implemented over the HttpClient port by
 * `createProtocol` (core/protocol.ts). Every provider quirk is normalised below this line.
 */
export interface Protocol {
  readonly endpoints: Endpoints;
  /** RFC 8628 §3.1–3.2. Throws DeviceLoginError (transport errors have code `network`/`timeout`). */
  initiateDeviceAuthorization(signal?: AbortSignal): Promise<DeviceAuthorization>;
  /** RFC 8628 §3.4–3.5. Never throws except `aborted`: every answer becomes a PollOutcome. */
  pollDeviceAuthorizationGrant(
    deviceCode: string,
    /**
     * `checkNumber`: the number the person entered, sent as `check_number` (core/check-number.ts).
     * `userCode`: the code's user code, which some providers want with every poll (Amazon).
     */
    options?: { signal?: AbortSignal; waitSeconds?: number; checkNumber?: string; userCode?: string },
  ): Promise<PollOutcome>;
  /** RFC 6749 §6. Throws DeviceLoginError; code `invalid_grant` means the refresh token is dead. */
  refreshTokenGrant(refreshToken: string, signal?: AbortSignal): Promise<TokenSet>;
  /** Validates the id_token (when present) and calls userinfo (when available). */
  fetchProfile(tokens: TokenSet, signal?: AbortSignal): Promise<Profile | undefined>;
  /** RFC 7009. `unsupported` when the server has no revocation endpoint. */
  tokenRevocation(tokens: TokenSet, signal?: AbortSignal): Promise<'revoked' | 'unsupported'>;
}

/**
 * While `awaiting_user`, after the code was approved from another network (core/check-number.ts): the
 * server wants the two-digit number the phone shows before it releases the tokens. `needed`: waiting
 * for the person to enter it (polling pauses); `checking`: sent, no answer yet; `wrong`: the last
 * number was not it, enter another. `attemptsLeft`: how many more the server accepts, when it said.
 */
export interface ProximityCheck {
  step: 'needed' | 'checking' | 'wrong';
  attemptsLeft?: number;
}

/** The public projection of a session: safe to print, log and send to a UI (no tokens, no device code). */
export interface Snapshot {
  state: FlowState;
  /** Only while awaiting_user: a code to enter or scan (`device`), or a sign-in in a browser (`browser`). */
  method?: 'device' | 'browser';
  /** Only while awaiting_user with method `browser`: the address the browser signs in at. */
  authorizationUrl?: string;
  /** Only while awaiting_user. */
  network?: NetworkStatus;
  userCode?: string;
  /** The user code as every screen shows it (core/user-code.ts): what people compare across devices. */
  displayCode?: string;
  verificationUri?: string;
  verificationUriComplete?: string;
  /** Epoch ms at which the shown code expires. */
  expiresAt?: number;
  /** Epoch ms at which the shown code was issued, when known. */
  issuedAt?: number;
  /** Current polling interval in seconds. */
  interval?: number;
  /** When the shown code replaced an expired one without anyone asking (epoch ms). */
  renewedAt?: number;
  /** The provider's own sentence to show with the code (Microsoft Entra's `message`), as it sent it. */
  message?: string;
  /** Only while awaiting_user, once the server asks for the check number. */
  proximity?: ProximityCheck;
  /** What the person should be told that the state does not say (each screen words it). */
  notice?: SessionNotice;
  profile?: Profile;
  /** Epoch ms at which the access token expires, when known. */
  tokenExpiresAt?: number;
  /** For denied / expired / error. */
  error?: { code: string; message: string };
  /** How many more expired codes will be replaced without asking the user. */
  autoRenewalsLeft?: number;
}

/**
 * One sign-in through a browser (authorization code flow), run by the host (host/browser-sign-in.ts:
 * the loopback redirect listener, the code exchange) and driven by a session.
 */
export interface BrowserSignIn {
  /** The address the person opens. */
  readonly authorizationUrl: string;
  /**
   * Resolves with the tokens once the person has signed in; rejects with a DeviceLoginError
   * (`access_denied`, `expired_token` when nobody finished in time, `aborted` on `signal`, ...).
   */
  tokens(signal: AbortSignal): Promise<TokenSet>;
}

/** A device sign-in session: the reducer's state plus the runner that executes its effects. */
export interface DeviceSession {
  /** The current public projection. */
  snapshot(): Snapshot;
  /** Called on every change of the snapshot; returns an unsubscribe function. */
  subscribe(listener: (snapshot: Snapshot) => void): () => void;
  /** Loads the store: signed in, or resumes a pending code that is still valid, else idle. */
  restore(): Promise<Snapshot>;
  /** From idle, denied, expired or error: request a new device code and start polling. */
  signIn(): void;
  /** Drop the current code (if any) and request a new one (the user pressed "Get a new code" / OK). */
  newCode(): void;
  /**
   * The person entered the check number the phone shows (two digits): sent with the next poll, at
   * once. Ignored unless the server asked for it (Snapshot.proximity) and no number is being checked.
   */
  enterCheckNumber(checkNumber: string): void;
  /**
   * From idle, denied, expired or error: sign in through a browser instead of a device code. The
   * session shows `awaiting_user` with method `browser` until `attempt` ends, then stores the tokens
   * exactly as after a device-flow sign-in. Ignored in other states.
   */
  signInWithBrowser(attempt: BrowserSignIn): void;
  /** Stop polling and forget the pending code; back to idle. */
  cancel(): void;
  /** Revoke (RFC 7009) when possible, forget locally, back to idle. */
  signOut(): Promise<SignOutResult>;
  /** A valid access token, refreshed when it expires within `minValidityMs` (default 60 s). */
  accessToken(options?: { forceRefresh?: boolean; minValidityMs?: number }): Promise<string>;
  /** Resolves at the next settled state: signed_in, denied, expired (waiting for the user) or error. */
  settled(): Promise<Snapshot>;
  /**
   * Abort everything in flight; the session is unusable afterwards. Resolves once the token-store
   * writes already queued have finished, so that a caller may remove the store's directory then.
   */
  close(): Promise<void>;
}
