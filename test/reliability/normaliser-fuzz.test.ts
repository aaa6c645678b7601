// Property-based fuzzing of the quirk layer (core/normalise.ts) beyond test/core/normalise.test.ts,
// which checks table cases and "a poll never throws" for flat random strings. Here the bodies are
// structured: JSON objects built from the fields the normalisers read, with hostile values (NaN and
// Infinity spelled as strings, numbers beyond double range, unicode, 20k-character strings, deep
// nesting, prototype-pollution keys), form bodies with the same, statuses 100–599 and garbage
// Content-Type / Retry-After headers. Every normaliser must return a well-formed value or throw a
// DeviceLoginError; nothing else, ever.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';

import { DeviceLoginError } from '../../core/errors.ts';
import {
  normaliseDeviceAuthorizationResponse,
  normalisePollResponse,
  normaliseTokenResponse,
  normaliseUserinfoResponse,
  parseBody,
  parseRetryAfter,
  type NormaliseContext,
} from '../../core/normalise.ts';
import type { HttpResponse } from '../../core/ports.ts';
import type { DeviceAuthorization, PollOutcome, Profile, TokenSet } from '../../core/types.ts';

const NOW = 1_700_000_000_000;
/** The largest epoch ms a JavaScript Date can hold (ECMA-262 §21.4.1.31). */
const MAX_DATE_MS = 8.64e15;
const ctx: NormaliseContext = { endpoint: 'https://auth.example.test/oauth/token', now: NOW };
const RUNS = { numRuns: 1_000 } as const;

// ---------------------------------------------------------------------------------------------------
// Arbitraries. Values are produced as JSON *text*, so that numbers JSON.stringify cannot write
// (1e400, 30-digit integers) still reach the parser.

const SPECIAL_TEXTS = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '9'.repeat(400),
  '0',
  '-0',
  '-5',
  '  5  ',
  '5.',
  '.5',
  '0x10',
  '1_000',
  '1e3',
  '',
  ' ',
  '\u0000',
  '\uFEFF5',
  '５', // a full-width digit
  'null',
  'undefined',
  'true',
  '[object Object]',
  'https://auth.example.test/device',
  'http://evil.example.test/device',
  'javascript:alert(1)',
  'bearer',
  'Bearer',
  'authorization_pending',
  'slow_down',
  'access_denied',
  'expired_token',
  'server_error',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓ 中文 \u202e',
];

const RAW_NUMBERS = [
  '1e308',
  '1e400',
  '-1e400',
  '123456789012345678901234567890',
  '1.5e-400',
  '-0',
  '0.0000001',
  '86400',
  '900',
  '5',
];

const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SPECIAL_TEXTS) },
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 5_000, maxLength: 20_000 }) },
);

/** A JSON scalar as text. */
const jsonScalar: fc.Arbitrary<string> = fc.oneof(
  hostileString.map((s) => JSON.stringify(s)),
  fc.constantFrom(...RAW_NUMBERS),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom('true', 'false', 'null'),
);

const FIELD_NAMES = [
  'device_code',
  'user_code',
  'verification_uri',
  'verification_url',
  'verification_uri_complete',
  'expires_in',
  'interval',
  'message',
  'error',
  'error_description',
  'error_uri',
  'access_token',
  'token_type',
  'refresh_token',
  'id_token',
  'scope',
  'sub',
  'id',
  'name',
  'preferred_username',
  'login',
  'email',
  'picture',
  'avatar_url',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
];

const fieldName = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...FIELD_NAMES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

/** Any JSON value as text, nested a few levels. */
const jsonValue: fc.Arbitrary<string> = fc.letrec<{ value: string; object: string; array: string }>(
  (tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, jsonScalar, tie('object'), tie('array')),
    object: fc
      .array(fc.tuple(fieldName, tie('value')), { maxLength: 6 })
      .map((pairs) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  }),
).value;

/** The valid answers the normalisers expect, so that hostile overrides reach the deep paths too. */
const TEMPLATES: Array<Record<string, string>> = [
  {
    device_code: '"dc-0123456789"',
    user_code: '"WDJB-MJHT"',
    verification_uri: '"https://auth.example.test/device"',
    verification_uri_complete: '"https://auth.example.test/device?user_code=WDJB-MJHT"',
    expires_in: '900',
    interval: '5',
  },
  {
    access_token: '"at-0123456789"',
    token_type: '"Bearer"',
    expires_in: '3600',
    refresh_token: '"rt-0123456789"',
    scope: '"openid"',
  },
  { error: '"authorization_pending"' },
  { error: '"slow_down"', interval: '10' },
  { sub: '"s1"', name: '"Ada"', email: '"ada@example.test"', picture: '"https://x.test/a.png"' },
  {},
];

/** A JSON object body: a template with some fields replaced, removed or added. */
const jsonObjectBody = fc
  .tuple(
    fc.constantFrom(...TEMPLATES),
    fc.array(fc.tuple(fieldName, fc.option(jsonValue, { nil: undefined })), { maxLength: 5 }),
  )
  .map(([template, edits]) => {
    const fields: Array<[string, string]> = Object.entries(template);
    for (const [name, value] of edits) {
      const at = fields.findIndex(([k]) => k === name);
      if (value === undefined) {
        if (at >= 0) fields.splice(at, 1);
      } else if (at >= 0) fields[at] = [name, value];
      else fields.push([name, value]);
    }
    return `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  });

/** A form body (GitHub's default), from the same fields, values percent-encoded or raw. */
const formBody = fc
  .array(fc.tuple(fieldName, hostileString, fc.boolean()), { minLength: 1, maxLength: 6 })
  .map((pairs) =>
    pairs
      .map(([k, v, encode]) => (encode ? `${encodeURIComponent(k)}=${encodeURIComponent(v)}` : `${k}=${v}`))
      .join('&'),
  );

const anyBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: jsonObjectBody },
  { weight: 2, arbitrary: formBody },
  { weight: 1, arbitrary: jsonValue },
  // Cut-off JSON: a truncated answer.
  {
    weight: 1,
    arbitrary: fc
      .tuple(jsonObjectBody, fc.nat())
      .map(([text, cut]) => text.slice(0, cut % (text.length + 1))),
  },
  { weight: 1, arbitrary: hostileString },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '   ',
      '<html><body>Bad Gateway</body></html>',
      '{}',
      '[]',
      'null',
      '{"error":null}',
    ),
  },
);

const HTTP_DATES = [
  'Tue, 14 Nov 2023 22:13:50 GMT',
  'Tue, 99 Nov 2023 25:61:61 GMT',
  'Sun, 06 Nov 1994 08:49:37 GMT',
  'Fri, 31 Dec 9999 23:59:59 GMT',
];

const headers: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'content-type': fc.oneof(
      fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'application/x-www-form-urlencoded',
        'text/html',
        'text/plain',
        ';;;',
        '',
      ),
      hostileString,
    ),
    'retry-after': fc.oneof(
      fc.constantFrom(...HTTP_DATES),
      fc.nat().map(String),
      fc.constantFrom('9'.repeat(400), '99999999999999', '1e3', '-1'),
      hostileString,
    ),
    'www-authenticate': hostileString,
  },
  { requiredKeys: [] },
);

const response: fc.Arbitrary<HttpResponse> = fc.record({
  status: fc.integer({ min: 100, max: 599 }),
  headers,
  body: anyBody,
});

// ---------------------------------------------------------------------------------------------------
// What "well-formed" means for each result type.

function expectNonEmptyString(value: unknown): void {
  expect(typeof value).toBe('string');
  expect((value as string).trim()).not.toBe('');
}

function expectEpochMs(value: unknown): void {
  expect(typeof value).toBe('number');
  expect(Number.isFinite(value)).toBe(true);
  expect(value as number).toBeGreaterThan(NOW);
  // Past this a Date cannot hold it, and every "expires at" display or ISO string would throw.
  expect(value as number).toBeLessThanOrEqual(MAX_DATE_MS);
}

function expectDelayMs(value: unknown): void {
  if (value === undefined) return;
  expect(typeof value).toBe('number');
  expect(Number.isFinite(value)).toBe(true);
  expect(value as number).toBeGreaterThanOrEqual(0);
}

function expectTypedError(err: unknown): void {
  expect(err).toBeInstanceOf(DeviceLoginError);
  const error = err as DeviceLoginError;
  expectNonEmptyString(error.code);
  expectNonEmptyString(error.message);
  // Messages quote at most a clipped piece of what the server sent.
  expect(error.message.length).toBeLessThan(1_000);
  if (error.status !== undefined) expect(Number.isInteger(error.status)).toBe(true);
}

function expectTokenSet(tokens: TokenSet): void {
  expectNonEmptyString(tokens.accessToken);
  expect(tokens.tokenType.toLowerCase()).toBe('bearer');
  if (tokens.expiresAt !== undefined) expectEpochMs(tokens.expiresAt);
  for (const key of ['refreshToken', 'idToken', 'scope'] as const) {
    if (key in tokens) expectNonEmptyString(tokens[key]);
  }
}

function expectOutcome(outcome: PollOutcome): void {
  switch (outcome.kind) {
    case 'tokens':
      expectTokenSet(outcome.tokens);
      return;
    case 'pending':
      expectDelayMs(outcome.retryAfterMs);
      return;
    case 'slow_down':
      expectDelayMs(outcome.retryAfterMs);
      if (outcome.interval !== undefined) {
        expect(Number.isFinite(outcome.interval)).toBe(true);
        expect(outcome.interval).toBeGreaterThan(0);
      }
      return;
    case 'retry':
      expectDelayMs(outcome.retryAfterMs);
      expectTypedError(outcome.error);
      return;
    case 'denied':
    case 'expired':
    case 'fatal':
      expectTypedError(outcome.error);
      return;
    default:
      throw new Error(`unknown outcome ${JSON.stringify(outcome)}`);
  }
}

function expectAuthorization(auth: DeviceAuthorization): void {
  expectNonEmptyString(auth.deviceCode);
  expectNonEmptyString(auth.userCode);
  expect(['http:', 'https:']).toContain(new URL(auth.verificationUri).protocol);
  expectEpochMs(auth.expiresAt);
  expect(Number.isFinite(auth.interval)).toBe(true);
  expect(auth.interval).toBeGreaterThan(0);
  if (auth.verificationUriComplete !== undefined) {
    expect(new URL(auth.verificationUriComplete).origin).toBe(new URL(auth.verificationUri).origin);
  }
  if (auth.message !== undefined) expectNonEmptyString(auth.message);
}

function expectProfile(profile: Profile): void {
  expectNonEmptyString(profile.sub);
  for (const key of ['name', 'email'] as const) if (key in profile) expectNonEmptyString(profile[key]);
  if (profile.picture !== undefined) expect(['http:', 'https:']).toContain(new URL(profile.picture).protocol);
}

/** Runs a throwing normaliser: its value goes to `check`, anything it throws must be a DeviceLoginError. */
function returnsOrThrowsTyped<T>(run: () => T, check: (value: T) => void): void {
  let value: T;
  try {
    value = run();
  } catch (err) {
    expectTypedError(err);
    return;
  }
  check(value);
}

// The prototype must be the same after every run: a parsed `__proto__` key is data, never a prototype.
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();
afterEach(() => {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

// ---------------------------------------------------------------------------------------------------

describe('fuzzing the response normaliser', () => {
  it('turns every poll answer into a well-formed outcome and never throws', () => {
    fc.assert(
      fc.property(response, (res) => {
        expectOutcome(normalisePollResponse(res, ctx));
      }),
      RUNS,
    );
  });

  it('returns a usable device authorization or throws a DeviceLoginError', () => {
    fc.assert(
      fc.property(response, (res) => {
        returnsOrThrowsTyped(() => normaliseDeviceAuthorizationResponse(res, ctx), expectAuthorization);
      }),
      RUNS,
    );
  });

  it('returns a Bearer token set or throws a DeviceLoginError for a refresh answer', () => {
    fc.assert(
      fc.property(response, (res) => {
        returnsOrThrowsTyped(() => normaliseTokenResponse(res, ctx), expectTokenSet);
      }),
      RUNS,
    );
  });

  it('returns a profile with a sub or throws a DeviceLoginError for a userinfo answer', () => {
    fc.assert(
      fc.property(response, (res) => {
        returnsOrThrowsTyped(() => normaliseUserinfoResponse(res, ctx), expectProfile);
      }),
      RUNS,
    );
  });

  it('reads Retry-After as a finite, non-negative delay or not at all', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(...HTTP_DATES, '9'.repeat(400), '99999999999999', '1e3', '-1', '  7  ', '7.5'),
          fc.nat().map(String),
          hostileString,
        ),
        (value) => {
          expectDelayMs(parseRetryAfter({ 'retry-after': value }, NOW));
        },
      ),
      RUNS,
    );
  });

  it('never echoes a device code or a token into an error message', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9_-]{16,40}$/).map((s) => `SECRET${s}`);
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        secret,
        fc.constantFrom(...TEMPLATES),
        fc.constantFrom('device_code', 'access_token', 'refresh_token', 'id_token'),
        jsonScalar,
        fc.boolean(),
        (status, value, template, key, token_type, asForm) => {
          const fields: Record<string, string> = { ...template, [key]: JSON.stringify(value), token_type };
          const body = asForm
            ? // Form bodies carry only strings: the template's JSON texts go in as they are, the secret raw.
              Object.entries(fields)
                .map(([k, v]) => `${k}=${encodeURIComponent(k === key ? value : v)}`)
                .join('&')
            : `{${Object.entries(fields)
                .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
                .join(',')}}`;
          const res: HttpResponse = { status, headers: {}, body };
          const messages: string[] = [];
          const collect = (run: () => unknown) => {
            try {
              run();
            } catch (err) {
              messages.push((err as Error).message);
            }
          };
          const outcome = normalisePollResponse(res, ctx);
          if ('error' in outcome) messages.push(outcome.error.message);
          collect(() => normaliseDeviceAuthorizationResponse(res, ctx));
          collect(() => normaliseTokenResponse(res, ctx));
          collect(() => normaliseUserinfoResponse(res, ctx));
          for (const message of messages) expect(message).not.toContain(value);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('hostile bodies, case by case', () => {
  const json = (body: string, status = 200): HttpResponse => ({
    status,
    headers: { 'content-type': 'application/json' },
    body,
  });

  it.each([
    [
      'JSON',
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"error":"authorization_pending"}',
    ],
    ['a form', '__proto__=polluted&constructor=polluted&prototype=polluted&error=authorization_pending'],
    [
      'a form with bracket keys',
      '__proto__.polluted=yes&constructor.prototype.polluted=yes&error=authorization_pending',
    ],
  ])('reads prototype-pollution keys in %s as plain data', (_name, body) => {
    const fields = parseBody(body);
    expect(fields?.error).toBe('authorization_pending');
    expect(normalisePollResponse(json(body, 400), ctx)).toEqual({ kind: 'pending' });
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    // afterEach checks that Object.prototype itself is untouched.
  });

  it('treats a body nested 100,000 levels deep as unreadable rather than overflowing the stack', () => {
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    expectOutcome(normalisePollResponse(json(deep), ctx));
    returnsOrThrowsTyped(() => normaliseDeviceAuthorizationResponse(json(deep), ctx), expectAuthorization);
    returnsOrThrowsTyped(() => normaliseUserinfoResponse(json(deep), ctx), expectProfile);
  });

  it('reads an error_description of a megabyte into a message of bounded length', () => {
    const body = JSON.stringify({ error: 'invalid_client', error_description: 'x'.repeat(1_000_000) });
    const outcome = normalisePollResponse(json(body, 401), ctx);
    expect(outcome.kind).toBe('fatal');
    if (outcome.kind === 'fatal') expect(outcome.error.message.length).toBeLessThan(1_000);
  });

  it.each(['NaN', 'Infinity', '-Infinity', '1e309', '9'.repeat(400), '0x10', ''])(
    'rejects expires_in "%s" in a device authorization, and polls at 5 s for the same interval',
    (text) => {
      const body = (field: string) =>
        JSON.stringify({
          device_code: 'dc',
          user_code: 'WDJB-MJHT',
          verification_uri: 'https://auth.example.test/device',
          expires_in: 900,
          interval: 5,
          [field]: text,
        });
      expect(() => normaliseDeviceAuthorizationResponse(json(body('expires_in')), ctx)).toThrow(
        DeviceLoginError,
      );
      expect(normaliseDeviceAuthorizationResponse(json(body('interval')), ctx).interval).toBe(5);
    },
  );
});

describe('lifetimes beyond what a Date can hold', () => {
  const big = ['1e308', '1e13', `"1${'0'.repeat(300)}"`];

  it.each(big)('turns expires_in %s into an expiry that can still be printed', (text) => {
    const warnings: string[] = [];
    const warnCtx: NormaliseContext = { ...ctx, warn: (m) => warnings.push(m) };
    const auth = normaliseDeviceAuthorizationResponse(
      {
        status: 200,
        headers: {},
        body: `{"device_code":"dc","user_code":"WDJB-MJHT","verification_uri":"https://auth.example.test/device","expires_in":${text}}`,
      },
      warnCtx,
    );
    expectEpochMs(auth.expiresAt);
    expect(() => new Date(auth.expiresAt).toISOString()).not.toThrow();
    const outcome = normalisePollResponse(
      { status: 200, headers: {}, body: `{"access_token":"at","token_type":"Bearer","expires_in":${text}}` },
      warnCtx,
    );
    expect(outcome.kind).toBe('tokens');
    if (outcome.kind === 'tokens') expectEpochMs(outcome.tokens.expiresAt);
    expect(warnings).toEqual([expect.stringContaining('expires_in'), expect.stringContaining('expires_in')]);
  });
});
