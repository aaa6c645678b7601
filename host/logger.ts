import type { Logger } from '../core/ports.ts';

/** Log levels, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Options of the stream logger. */
export interface StreamLoggerOptions {
  /** Where lines go (stderr for the CLI, so that stdout stays clean). */
  stream: { write(chunk: string): unknown };
  /** `json`: one object per line; `human`: `[level] message key=value`. */
  format?: 'json' | 'human';
  /** Lines below this level are dropped. Default `info`. */
  level?: LogLevel;
  /** Prefix of human lines, e.g. `device-login: `. */
  prefix?: string;
  now?: () => number;
}

/** A Logger that can also be told secret values to mask wherever they appear. */
export interface RedactingLogger extends Logger {
  /** Registers a secret (a token, a device code, a client secret): masked in every later line. */
  redact(value: string | undefined): void;
  /** The redaction as a function, for callers that print on their own (e.g. error messages). */
  scrub(text: string): string;
}

export const REDACTED = '[redacted]';

// Keys are compared after lower-casing and dropping `_`/`-`, so `access_token`, `accessToken` and
// `Access-Token` are one key. Anything that ends in token/secret/password is a secret too, but
// `tokenType`, `tokenExpiresAt` and `userCode` (shown on screen by design) are not.
const SECRET_KEYS = new Set([
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'devicecode',
  'clientsecret',
  'password',
  'passwd',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'code',
  'token',
  'secret',
  'apikey',
  'assertion',
  'clientassertion',
  'xsrf',
  'codeverifier',
]);
const SECRET_SUFFIXES = ['token', 'secret', 'password'];

/** True when a field of this name holds a secret and must never be written out. */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  return SECRET_KEYS.has(k) || SECRET_SUFFIXES.some((suffix) => k.endsWith(suffix));
}

// `code` is both the OAuth authorization code and, everywhere in our own errors, an error code such
// as `access_denied`. Error codes are short lower-case snake_case words without digits; issued codes
// are random (base64url, hex): those are redacted.
const ERROR_CODE = /^[a-z][a-z_]{0,39}$/;

// Secrets that can be recognised by shape even if nobody registered them.
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|Basic|DPoP)\s+[A-Za-z0-9._~+/=-]{8,}/gi;

/** Creates a Logger writing JSON or human lines to a stream, with redaction of secrets. */
export function createStreamLogger(options: StreamLoggerOptions): RedactingLogger {
  const format = options.format ?? 'human';
  const minimum = LOG_LEVELS.indexOf(options.level ?? 'info');
  const now = options.now ?? Date.now;
  const secrets = new Set<string>();

  function scrub(text: string): string {
    let out = text;
    // Longest first, so that a secret containing another is masked whole.
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join(REDACTED);
    return out.replace(JWT, REDACTED).replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  }

  function clean(key: string | undefined, value: unknown, depth: number): unknown {
    if (key !== undefined && isSecretKey(key)) {
      if (value === undefined || value === null || value === '') return value;
      if (key.toLowerCase() === 'code' && typeof value === 'string' && ERROR_CODE.test(value)) return value;
      return REDACTED;
    }
    if (typeof value === 'string') return scrub(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth > 6) return '[…]';
    if (value instanceof Error) {
      const plain: Record<string, unknown> = { name: value.name, message: value.message };
      const code = (value as { code?: unknown }).code;
      if (code !== undefined) plain.code = code;
      return clean(undefined, plain, depth + 1);
    }
    if (Array.isArray(value)) return value.map((item) => clean(undefined, item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = clean(k, v, depth + 1);
    return out;
  }

  function write(level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>): void {
    if (LOG_LEVELS.indexOf(level) < minimum) return;
    const safeFields = fields ? (clean(undefined, fields, 0) as Record<string, unknown>) : {};
    const msg = scrub(message);
    if (format === 'json') {
      options.stream.write(`${JSON.stringify({ time: new Date(now()).toISOString(), level, msg, ...safeFields })}\n`);
      return;
    }
    const tail = Object.entries(safeFields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s|"/.test(v) ? v : JSON.stringify(v)}`)
      .join(' ');
    options.stream.write(`${options.prefix ?? ''}[${level}] ${msg}${tail ? ` ${tail}` : ''}\n`);
  }

  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    redact(value) {
      // Very short values would mask ordinary words; no real secret is that short.
      if (value && value.length >= 6) secrets.add(value);
    },
    scrub,
  };
}
