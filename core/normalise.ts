// The quirk layer: every provider's way of answering becomes the RFC shape here, and only here.
// Pure functions over {status, headers, body}; nothing below names a provider, each quirk is
// recognised from the response itself (DESIGN.md, "Provider quirks to normalise").
import { ATTEMPTS_LEFT_MEMBER, CHECK_NUMBER_REQUIRED, INVALID_CHECK_NUMBER } from './check-number.ts';
import { CLIENT_DEFAULTS } from './defaults.ts';
import type { AnswerDefaults } from './dialects.ts';
import { DeviceLoginError, type OAuthErrorBody } from './errors.ts';
import type { HttpResponse } from './ports.ts';
import type { DeviceAuthorization, PollOutcome, Profile, TokenSet } from './types.ts';

/** What a normaliser needs besides the response: where it came from and what time it is. */
export interface NormaliseContext {
  /** The URL that was called; only its origin ever reaches a message. */
  endpoint: string;
  /** Epoch ms (from the Clock port). */
  now: number;
  /** Told about things that were dropped rather than rejected. */
  warn?: (message: string) => void;
  /** What the named preset's provider leaves out of its answers (core/dialects.ts). */
  defaults?: AnswerDefaults;
}

/** Only the origin of a URL goes into messages: paths and queries may carry codes. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the server';
  }
}

/**
 * Reads a body as a flat object: JSON, or form-urlencoded (GitHub without `Accept: application/json`),
 * whatever the content type claims. Undefined when it is neither. camelCase members (AWS's
 * `deviceCode`, `accessToken`, `expiresIn`) are also given their snake_case names (RFC's), unless
 * the body has those already.
 */
export function parseBody(body: string): Record<string, unknown> | undefined {
  const text = body.trim();
  if (text === '') return undefined;
  if (text.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(text);
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? withSnakeCaseNames(value as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }
  return parseForm(text);
}

/** The object with each camelCase member also under its snake_case name, where that name is free. */
function withSnakeCaseNames(fields: Record<string, unknown>): Record<string, unknown> {
  const out = { ...fields };
  for (const [name, value] of Object.entries(fields)) {
    if (!/^[a-z]+(?:[A-Z][a-z0-9]*)+$/.test(name)) continue;
    const snake = name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    if (!(snake in out)) out[snake] = value;
  }
  return out;
}

// Strict enough that prose or HTML ("Bad Gateway", "<html>") is not mistaken for a form.
const FORM_PAIR = /^[A-Za-z0-9_.-]+=[^\s&]*$/;

function parseForm(text: string): Record<string, unknown> | undefined {
  if (!text.includes('=')) return undefined;
  const pairs = text.split('&');
  if (!pairs.every((pair) => FORM_PAIR.test(pair))) return undefined;
  const out: Record<string, unknown> = {};
  try {
    for (const [name, value] of new URLSearchParams(text)) out[name] = value;
  } catch {
    return undefined;
  }
  return out;
}

/**
 * The OAuth error body (RFC 6749 §5.2) when the object has a string `error`, whatever the HTTP status;
 * also a Graph API error object or a Twitch-style `{"status":400,"message":…}` (rfcErrorFields).
 */
export function readOAuthError(body: Record<string, unknown> | undefined): OAuthErrorBody | undefined {
  const fields = rfcErrorFields(body);
  if (!fields || typeof fields.error !== 'string' || fields.error.trim() === '') return undefined;
  const out: OAuthErrorBody = { error: fields.error.trim() };
  if (typeof fields.error_description === 'string') out.error_description = fields.error_description;
  if (typeof fields.error_uri === 'string') out.error_uri = fields.error_uri;
  if (typeof fields.reason === 'string') out.reason = fields.reason;
  return out;
}

/** Retry-After (RFC 9110 §10.2.3) in ms: delta-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(headers: Record<string, string>, now: number): number | undefined {
  const raw = headers['retry-after']?.trim();
  if (!raw) return undefined;
  // Clamped: 400 digits are a valid delay-seconds, but Infinity is no delay a timer can hold.
  if (/^\d+$/.test(raw)) return Math.min(Number(raw), MAX_LIFETIME_SECONDS) * 1000;
  const at = parseHttpDate(raw);
  return at === undefined ? undefined : Math.min(Math.max(0, at - now), MAX_LIFETIME_SECONDS * 1000);
}

// RFC 9110 §5.6.7's three forms, checked before Date.parse, which would also take "7.5" (5 July 2001)
// or "1" (1 January 2001) for a date. IMF-fixdate and the obsolete RFC 850 form say GMT themselves.
const GMT_DATE = /^(?:[A-Za-z]{3,9},\s*)?\d{1,2}[\s-][A-Za-z]{3}[\s-]\d{2,4}\s+\d{2}:\d{2}:\d{2}\s+GMT$/i;
// asctime names no zone but means GMT, and Date.parse reads a date without one as local time.
const ASCTIME_DATE = /^[A-Za-z]{3}\s+[A-Za-z]{3}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\s+\d{4}$/;

/** An HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, RFC 850 or asctime) to epoch ms; undefined for anything else. */
export function parseHttpDate(text: string): number | undefined {
  const date = text.trim();
  const gmt = GMT_DATE.test(date) ? date : ASCTIME_DATE.test(date) ? `${date} GMT` : undefined;
  const at = gmt === undefined ? NaN : Date.parse(gmt);
  return Number.isNaN(at) ? undefined : at;
}

/**
 * No code, token or wait lasts longer than this. A larger `expires_in` (1e308) would give an expiry no
 * `Date` can hold, and printing it (`toISOString`) would throw far from here.
 */
const MAX_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;

/** Epoch ms `seconds` after the response, with the lifetime clamped to MAX_LIFETIME_SECONDS (with a warning). */
function expiryAfter(ctx: NormaliseContext, seconds: number): number {
  if (seconds > MAX_LIFETIME_SECONDS) {
    ctx.warn?.(`${originOf(ctx.endpoint)} sent an expires_in of more than ten years; counting ten years.`);
  }
  return ctx.now + Math.round(Math.min(seconds, MAX_LIFETIME_SECONDS) * 1000);
}

/** A positive finite number from a JSON number or a numeric string (form bodies carry only strings). */
function readPositiveNumber(value: unknown): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function readString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function invalid(ctx: NormaliseContext, what: string, status?: number): DeviceLoginError {
  return new DeviceLoginError('invalid_response', `${originOf(ctx.endpoint)} sent an unusable ${what}`, {
    ...(status === undefined ? {} : { status }),
  });
}

function describeBody(res: HttpResponse): string {
  const type = res.headers['content-type']?.split(';')[0]?.trim();
  if (res.body.trim() === '') return 'an empty body';
  return type
    ? `a body that is neither JSON nor a form (content type ${type})`
    : 'a body that is neither JSON nor a form';
}

// ---------------------------------------------------------------------------------------------------
// OAuth error codes: aliases and messages for a person.

/** Provider spellings of RFC error codes, mapped to the RFC code. */
const ERROR_ALIASES: Record<string, string> = {
  authorization_declined: 'access_denied', // Microsoft Entra, OpenAM
  incorrect_client_credentials: 'invalid_client', // GitHub
  servererror: 'server_error', // Amazon
};

/** Errors that mean the device code can no longer be used: the flow needs a new code. */
const EXPIRED_DURING_POLLING = new Set([
  'expired_token',
  'invalid_grant',
  'bad_verification_code',
  'incorrect_device_code',
  'invalid_code_pair', // Amazon: the device code and user code pair is dead
]);

/** Errors worth another try later (RFC 6749 §5.2 / §4.1.2.1). */
const TRANSIENT_ERRORS = new Set(['temporarily_unavailable', 'server_error']);

/**
 * Graph API error subcodes of Facebook Login for Devices, as RFC 8628 codes: pending, polling too
 * fast, expired, declined.
 */
const GRAPH_DEVICE_SUBCODES: Record<number, string> = {
  1349174: 'authorization_pending',
  1349172: 'slow_down',
  1349152: 'expired_token',
  1349173: 'access_denied',
};

/** Sentences some providers put in `message` instead of an error code (Twitch), as RFC codes. */
const MESSAGE_ERRORS: Record<string, string> = {
  'invalid device code': 'expired_token',
  'invalid refresh token': 'invalid_grant',
};

/** A code such as `authorization_pending`: lower case, digits and underscores. */
const ERROR_CODE = /^[a-z][a-z0-9_]*$/;

/**
 * Error shapes that are not RFC 6749's, as RFC fields (`error`, `error_description`), recognised from
 * the body alone: a Graph API error object (`{"error":{"message","type","code","error_subcode"}}`),
 * and `{"status":400,"message":"authorization_pending"}` with no `error` (Twitch) or with an HTTP
 * reason phrase as `error` (`"error":"Bad Request"`). Anything else comes back as it was.
 */
function rfcErrorFields(fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!fields) return fields;
  const { error } = fields;
  if (error !== null && typeof error === 'object' && !Array.isArray(error)) {
    const graph = error as Record<string, unknown>;
    const subcode = Number(graph.error_subcode);
    const mapped = GRAPH_DEVICE_SUBCODES[subcode];
    const type = typeof graph.type === 'string' && graph.type.trim() ? graph.type.trim() : 'graph_error';
    const description = typeof graph.message === 'string' ? graph.message : undefined;
    return { ...fields, error: mapped ?? type, ...(description ? { error_description: description } : {}) };
  }
  const message = typeof fields.message === 'string' ? fields.message.trim() : '';
  if (!message) return fields;
  const statusSaysError = typeof fields.status === 'number' && fields.status >= 400;
  const errorIsPhrase = typeof error === 'string' && !ERROR_CODE.test(error.trim());
  const phrase = MESSAGE_ERRORS[message.toLowerCase()];
  if (typeof error === 'string' && !(errorIsPhrase && statusSaysError)) return fields;
  // A sentence in `message` beside a successful answer (Entra's) is not an error: only a stated failure.
  if (!statusSaysError && !(ERROR_CODE.test(message) && POLL_ERROR_CODES.has(message))) return fields;
  if (phrase) return { ...fields, error: phrase, error_description: message };
  if (ERROR_CODE.test(message)) return { ...fields, error: message };
  return { ...fields, error: 'invalid_request', error_description: message };
}

/** The codes a poll may be answered with (RFC 8628 §3.5), recognised in `message` even without a status. */
const POLL_ERROR_CODES = new Set(['authorization_pending', 'slow_down', 'access_denied', 'expired_token']);

const FATAL_MESSAGES: Record<string, string> = {
  device_flow_disabled:
    'Device flow is not enabled for this app at the provider. Enable it in the app\'s settings there (GitHub: "Enable Device Flow").',
  invalid_client:
    'The provider did not accept the client. Check --client-id, and --client-secret if the provider needs one.',
  unauthorized_client:
    'This client is not allowed to use the device flow at the provider. Allow the device code grant for it there.',
  unsupported_grant_type:
    'The provider does not support the device authorization grant at this token endpoint.',
  invalid_scope: 'The provider refused the requested scope. Check --scope.',
  invalid_request: 'The provider rejected the request as malformed.',
  invalid_target: 'The provider refused the requested audience or resource. Check --audience.',
};

/** The RFC code for a provider's error code (`authorization_declined` -> `access_denied`). */
export function canonicalErrorCode(error: string): string {
  return ERROR_ALIASES[error] ?? error;
}

function describeOAuthError(oauth: OAuthErrorBody, ctx: NormaliseContext): string {
  const known = FATAL_MESSAGES[oauth.error] ?? FATAL_MESSAGES[canonicalErrorCode(oauth.error)];
  const detail = oauth.error_description ? ` (${clip(oauth.error_description)})` : '';
  return known
    ? `${known}${detail}`
    : `${originOf(ctx.endpoint)} answered with the error "${clip(oauth.error)}"${detail}.`;
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

/** A DeviceLoginError for an OAuth error body; `code` is the RFC code, `oauth` the body as sent. */
export function oauthError(oauth: OAuthErrorBody, ctx: NormaliseContext, status: number): DeviceLoginError {
  return new DeviceLoginError(canonicalErrorCode(oauth.error), describeOAuthError(oauth, ctx), {
    oauth,
    status,
  });
}

/**
 * The error of a failed non-poll request (device authorization, refresh, revocation, userinfo):
 * the OAuth error when the body has one, else a message from the status.
 */
export function errorFromResponse(res: HttpResponse, ctx: NormaliseContext, what: string): DeviceLoginError {
  const oauth = readOAuthError(parseBody(res.body));
  if (oauth) return oauthError(oauth, ctx, res.status);
  if (res.status >= 500) {
    return new DeviceLoginError(
      'server_error',
      `${originOf(ctx.endpoint)} failed to answer the ${what} (HTTP ${res.status}).`,
      {
        status: res.status,
      },
    );
  }
  return invalid(ctx, `${what}: HTTP ${res.status} with ${describeBody(res)}.`, res.status);
}

// ---------------------------------------------------------------------------------------------------
// Device authorization response (RFC 8628 §3.2).

/** Validates a device authorization response into a DeviceAuthorization with absolute expiry; throws DeviceLoginError. */
export function normaliseDeviceAuthorizationResponse(
  res: HttpResponse,
  ctx: NormaliseContext,
): DeviceAuthorization {
  const fields = parseBody(res.body);
  const oauth = readOAuthError(fields);
  if (oauth) throw oauthError(oauth, ctx, res.status);
  if (res.status < 200 || res.status >= 300)
    throw errorFromResponse(res, ctx, 'device authorization request');
  if (!fields) throw invalid(ctx, `device authorization response: ${describeBody(res)}.`, res.status);

  const what = 'device authorization response';
  // Facebook names the device code `code` (a Graph error's `code` is a number inside `error`).
  const deviceCode = readString(fields.device_code) ?? readString(fields.code);
  const userCode = readString(fields.user_code);
  // Google says verification_url.
  const verificationUri = readString(fields.verification_uri) ?? readString(fields.verification_url);
  const missing = [
    deviceCode ? undefined : 'device_code',
    userCode ? undefined : 'user_code',
    verificationUri ? undefined : 'verification_uri',
  ].filter((name) => name !== undefined);
  if (missing.length > 0) throw invalid(ctx, `${what}: ${missing.join(', ')} missing.`, res.status);
  if (!isHttpUrl(verificationUri!))
    throw invalid(ctx, `${what}: verification_uri is not an absolute http(s) URL.`, res.status);

  const absent = (value: unknown) => value === undefined || value === null || value === '';
  // A lifetime the preset's provider never states (Salesforce) is the one it documents.
  const expiresIn =
    absent(fields.expires_in) && ctx.defaults?.expiresInSeconds !== undefined
      ? ctx.defaults.expiresInSeconds
      : readPositiveNumber(fields.expires_in);
  if (expiresIn === undefined)
    throw invalid(ctx, `${what}: expires_in is missing or not a positive number.`, res.status);

  let interval: number = ctx.defaults?.intervalSeconds ?? CLIENT_DEFAULTS.intervalSeconds;
  if (fields.interval !== undefined && fields.interval !== null && fields.interval !== '') {
    const given = readPositiveNumber(fields.interval);
    // The default is a safe pace, so a broken interval costs nothing but a warning.
    if (given === undefined) {
      ctx.warn?.(
        `${originOf(ctx.endpoint)} sent an interval that is not a positive number; polling every ${interval} s.`,
      );
    } else {
      interval = given;
    }
  }

  const out: DeviceAuthorization = {
    deviceCode: deviceCode!,
    userCode: userCode!,
    verificationUri: verificationUri!,
    expiresAt: expiryAfter(ctx, expiresIn),
    interval,
    issuedAt: ctx.now,
  };

  // A complete URI on another origin would put a QR code for a foreign site on screen: a phishing
  // vector (RFC 8628 §5.4). The user code and verification_uri still work, so drop it and go on.
  const complete = readString(fields.verification_uri_complete);
  if (complete !== undefined) {
    if (isHttpUrl(complete) && new URL(complete).origin === new URL(verificationUri!).origin) {
      out.verificationUriComplete = complete;
    } else {
      ctx.warn?.(
        `${originOf(ctx.endpoint)} sent a verification_uri_complete that is not on the origin of verification_uri; ignoring it and showing verification_uri.`,
      );
    }
  }
  const message = readString(fields.message); // Microsoft Entra: a sentence to show.
  if (message !== undefined) out.message = message;
  const longPollMaxWait = readLongPollMaxWait(fields[LONG_POLL_MEMBER]);
  if (longPollMaxWait !== undefined) out.longPollMaxWait = longPollMaxWait;
  return out;
}

/**
 * The member by which a server announces that it holds device-code polls asking `Prefer: wait=N`
 * (RFC 7240): in its metadata and in its device authorization responses, the most seconds it holds
 * one. Our embedded server sends it; a client long-polls only where it is announced.
 */
export const LONG_POLL_MEMBER = 'device_authorization_long_poll_max_wait';

/** A long-poll announcement's seconds: a whole number of at least 1, else none (plain polling). */
export function readLongPollMaxWait(value: unknown): number | undefined {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(seconds) && seconds >= 1 ? seconds : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Token responses (RFC 6749 §5.1).

/** Validates a successful token response into a TokenSet with absolute expiry; throws DeviceLoginError. */
export function normaliseTokenFields(
  fields: Record<string, unknown>,
  ctx: NormaliseContext,
  status: number,
): TokenSet {
  const what = 'token response';
  const accessToken = readString(fields.access_token);
  if (!accessToken) throw invalid(ctx, `${what}: access_token missing.`, status);
  // A provider that never names its token type (Facebook) issues bearer tokens: the preset says so.
  const tokenType = readString(fields.token_type) ?? ctx.defaults?.tokenType;
  if (!tokenType) throw invalid(ctx, `${what}: token_type missing.`, status);
  if (tokenType.toLowerCase() !== 'bearer') {
    throw new DeviceLoginError(
      'invalid_response',
      `${originOf(ctx.endpoint)} issued a token of type "${clip(tokenType)}"; device-login can only use Bearer tokens.`,
      { status },
    );
  }
  const out: TokenSet = { accessToken, tokenType };
  if (fields.expires_in !== undefined && fields.expires_in !== null && fields.expires_in !== '') {
    const expiresIn = readPositiveNumber(fields.expires_in);
    if (expiresIn === undefined) throw invalid(ctx, `${what}: expires_in is not a positive number.`, status);
    out.expiresAt = expiryAfter(ctx, expiresIn);
  }
  const refreshToken = readString(fields.refresh_token);
  if (refreshToken) out.refreshToken = refreshToken;
  const idToken = readString(fields.id_token);
  if (idToken) out.idToken = idToken;
  // Twitch answers the scope as a JSON array.
  const scope =
    typeof fields.scope === 'string'
      ? fields.scope.trim()
      : Array.isArray(fields.scope)
        ? fields.scope.filter((s): s is string => typeof s === 'string' && s.trim() !== '').join(' ')
        : undefined;
  if (scope) out.scope = scope;
  // Salesforce: the instance the APIs of this sign-in live on.
  const instanceUrl = readString(fields.instance_url);
  if (instanceUrl && isHttpUrl(instanceUrl)) out.instanceUrl = instanceUrl;
  return out;
}

/** A token response of any grant other than polling (refresh): tokens, or a thrown DeviceLoginError. */
export function normaliseTokenResponse(res: HttpResponse, ctx: NormaliseContext): TokenSet {
  const fields = parseBody(res.body);
  const oauth = readOAuthError(fields); // GitHub sends errors with HTTP 200.
  if (oauth) throw oauthError(oauth, ctx, res.status);
  if (res.status < 200 || res.status >= 300) throw errorFromResponse(res, ctx, 'token request');
  if (!fields) throw invalid(ctx, `token response: ${describeBody(res)}.`, res.status);
  return normaliseTokenFields(fields, ctx, res.status);
}

// ---------------------------------------------------------------------------------------------------
// Polling (RFC 8628 §3.4–3.5).

/** One poll answer as a PollOutcome, whatever the provider's status codes and body format. */
export function normalisePollResponse(res: HttpResponse, ctx: NormaliseContext): PollOutcome {
  const fields = parseBody(res.body);
  const retryAfterMs = parseRetryAfter(res.headers, ctx.now);
  const withRetryAfter = retryAfterMs === undefined ? {} : { retryAfterMs };
  const oauth = readOAuthError(fields);

  if (oauth) {
    const code = canonicalErrorCode(oauth.error);
    if (code === 'authorization_pending') {
      // Only the server's own word that it held the poll (RFC 7240 §3) lets the next one go sooner.
      const held = /(?:^|[\s,;])wait=\d+/i.test(res.headers['preference-applied'] ?? '');
      return { kind: 'pending', ...withRetryAfter, ...(held ? { held } : {}) };
    }
    if (code === 'slow_down') {
      const interval = readPositiveNumber(fields?.interval); // GitHub states the new interval.
      return { kind: 'slow_down', ...(interval === undefined ? {} : { interval }), ...withRetryAfter };
    }
    if (code === CHECK_NUMBER_REQUIRED || code === INVALID_CHECK_NUMBER) {
      // The proximity check (core/check-number.ts): recognised by its codes, as every answer here is,
      // so a client that never polls with a number meets it only at a server that asks for one.
      const attemptsLeft = readAttemptsLeft(fields?.[ATTEMPTS_LEFT_MEMBER]);
      return { kind: 'check_number', wrong: code === INVALID_CHECK_NUMBER, ...(attemptsLeft === undefined ? {} : { attemptsLeft }) };
    }
    if (code === 'access_denied') {
      return {
        kind: 'denied',
        error: new DeviceLoginError('access_denied', 'The sign-in was declined.', {
          oauth,
          status: res.status,
        }),
      };
    }
    if (EXPIRED_DURING_POLLING.has(code)) {
      return {
        kind: 'expired',
        error: new DeviceLoginError('expired_token', 'The code has expired or is no longer valid.', {
          oauth,
          status: res.status,
        }),
      };
    }
    if (TRANSIENT_ERRORS.has(code) || res.status >= 500) {
      return { kind: 'retry', error: oauthError(oauth, ctx, res.status), ...withRetryAfter };
    }
    return { kind: 'fatal', error: oauthError(oauth, ctx, res.status) };
  }

  if (res.status >= 500 || res.status === 408) {
    return {
      kind: 'retry',
      error: new DeviceLoginError(
        'server_error',
        `${originOf(ctx.endpoint)} failed to answer (HTTP ${res.status}).`,
        {
          status: res.status,
        },
      ),
      ...withRetryAfter,
    };
  }
  // A bare 429 is a rate limit: polling slower is the answer that cannot make things worse.
  if (res.status === 429) return { kind: 'slow_down', ...withRetryAfter };
  if (res.status < 200 || res.status >= 300) {
    // No OAuth error and a 3xx/4xx: the URL or the set-up is wrong, and polling again will not fix it.
    return {
      kind: 'fatal',
      error: invalid(ctx, `token response: HTTP ${res.status} without an OAuth error.`, res.status),
    };
  }
  if (!fields || Object.keys(fields).length === 0) {
    // A truncated answer or an interposed page with 200: the code may still be fine, so try again later.
    return {
      kind: 'retry',
      error: new DeviceLoginError(
        'invalid_response',
        `${originOf(ctx.endpoint)} sent a token response with ${describeBody(res)}.`,
        {
          status: res.status,
        },
      ),
      ...withRetryAfter,
    };
  }
  try {
    return { kind: 'tokens', tokens: normaliseTokenFields(fields, ctx, res.status) };
  } catch (err) {
    return { kind: 'fatal', error: err as DeviceLoginError };
  }
}

/** A count of attempts left: a whole number of 0 or more (a JSON number or a form's string), else none. */
function readAttemptsLeft(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,6}$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Userinfo (OIDC Core §5.3) and user APIs shaped like it.

/**
 * A userinfo answer as a Profile. Accepts user APIs shaped otherwise by their fields: GitHub's (`id`,
 * `login`, `avatar_url`), Amazon's (`user_id`), Twitch Helix's (`{"data":[{id, login, display_name,
 * profile_image_url}]}`) and Graph's (`picture` as `{"data":{"url"}}`).
 */
export function normaliseUserinfoResponse(res: HttpResponse, ctx: NormaliseContext): Profile {
  if (res.status < 200 || res.status >= 300) {
    if (res.status === 401) {
      throw new DeviceLoginError(
        'invalid_token',
        `${originOf(ctx.endpoint)} did not accept the access token for userinfo (HTTP 401).`,
        {
          status: 401,
        },
      );
    }
    throw errorFromResponse(res, ctx, 'userinfo request');
  }
  const body = parseBody(res.body);
  if (!body) throw invalid(ctx, `userinfo response: ${describeBody(res)}.`, res.status);
  // Helix wraps its one user in a `data` array.
  const first: unknown = Array.isArray(body.data) && body.sub === undefined && body.id === undefined ? body.data[0] : undefined;
  const fields = first !== null && typeof first === 'object' && !Array.isArray(first) ? (first as Record<string, unknown>) : body;
  return profileFromClaims(fields, ctx, 'userinfo response');
}

/** Profile fields from id_token claims or a userinfo object; `sub` required. */
export function profileFromClaims(
  fields: Record<string, unknown>,
  ctx: NormaliseContext,
  what: string,
): Profile {
  const idNumber =
    typeof fields.id === 'number' && Number.isFinite(fields.id) ? String(fields.id) : undefined;
  const sub = readString(fields.sub) ?? idNumber ?? readString(fields.id) ?? readString(fields.user_id);
  if (!sub) throw invalid(ctx, `${what}: sub missing.`);
  const profile: Profile = { sub };
  const name =
    readString(fields.name) ??
    readString(fields.display_name) ??
    readString(fields.preferred_username) ??
    readString(fields.login);
  if (name) profile.name = name;
  const email = readString(fields.email);
  if (email) profile.email = email;
  const picture =
    readString(fields.picture) ??
    graphPictureUrl(fields.picture) ??
    readString(fields.avatar_url) ??
    readString(fields.profile_image_url);
  if (picture && isHttpUrl(picture)) profile.picture = picture;
  return profile;
}

/** Graph's picture object, `{"data":{"url":…}}`: its URL. */
function graphPictureUrl(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const data = (value as Record<string, unknown>).data;
  return data && typeof data === 'object' ? readString((data as Record<string, unknown>).url) : undefined;
}
