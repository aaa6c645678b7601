// The answer-side quirks of issue 16's providers (and OpenAM, Dex), normalised from the answer alone:
// the context names no preset, so each row shows the quirk read for any server. Where a provider
// leaves something out (no interval, no lifetime, no token type), only the preset's defaults fill it.
import { describe, expect, it } from 'vitest';
import { dialectOf } from '../../core/dialects.ts';
import { DeviceLoginError } from '../../core/errors.ts';
import {
  normaliseDeviceAuthorizationResponse,
  normalisePollResponse,
  normaliseTokenResponse,
  normaliseUserinfoResponse,
  parseBody,
  type NormaliseContext,
} from '../../core/normalise.ts';
import type { HttpResponse } from '../../core/ports.ts';

const NOW = 1_700_000_000_000;
/** No preset: what a generic server's answers get. */
const ctx: NormaliseContext = { endpoint: 'https://auth.example.test/token', now: NOW };
const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const graphError = (subcode: number, message = 'a Graph message') =>
  json(400, { error: { message, type: 'OAuthException', code: 31, error_subcode: subcode, fbtrace_id: 'Abc' } });

describe('poll answers of any server', () => {
  it.each([
    ['Graph 1349174 (pending)', graphError(1349174), 'pending'],
    ['Graph 1349172 (polling too fast)', graphError(1349172), 'slow_down'],
    ['Graph 1349152 (expired)', graphError(1349152), 'expired'],
    ['Graph 1349173 (declined)', graphError(1349173), 'denied'],
    ['Twitch pending in `message`', json(400, { status: 400, message: 'authorization_pending' }), 'pending'],
    ['Twitch slow_down in `message`', json(400, { status: 400, message: 'slow_down' }), 'slow_down'],
    ['Twitch access_denied in `message`', json(400, { status: 400, message: 'access_denied' }), 'denied'],
    ['Twitch "invalid device code" (expired)', json(400, { status: 400, message: 'invalid device code' }), 'expired'],
    ['a code in `message` beside an HTTP reason phrase as `error`', json(400, { error: 'Bad Request', status: 400, message: 'authorization_pending' }), 'pending'],
    ['`message` with no status member but a poll code', json(400, { message: 'authorization_pending' }), 'pending'],
    ['Amazon invalid_code_pair (the pair is dead)', json(400, { error: 'invalid_code_pair', error_description: 'gone' }), 'expired'],
    ['Amazon servererror', json(500, { error: 'servererror' }), 'retry'],
    ['Amazon pending with a non-200 status', json(400, { error: 'authorization_pending' }), 'pending'],
    ['AWS snake-case error', json(400, { error: 'authorization_pending', error_description: 'Authorization pending' }), 'pending'],
    ['OpenAM pending as HTTP 403', json(403, { error: 'authorization_pending' }), 'pending'],
    ['OpenAM authorization_declined', json(400, { error: 'authorization_declined' }), 'denied'],
    ['Dex pending as HTTP 401', json(401, { error: 'authorization_pending' }), 'pending'],
    ['Dex pending as HTTP 200', json(200, { error: 'authorization_pending' }), 'pending'],
  ])('%s', (_name, res, kind) => {
    expect(normalisePollResponse(res, ctx).kind).toBe(kind);
  });

  it('a Graph error without a device subcode stops the flow with its message for the person', () => {
    const outcome = normalisePollResponse(
      json(400, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } }),
      ctx,
    );
    expect(outcome.kind).toBe('fatal');
    if (outcome.kind !== 'fatal') return;
    expect(outcome.error.code).toBe('OAuthException');
    expect(outcome.error.message).toContain('Invalid OAuth access token.');
  });

  it('a Twitch sentence that is no code is a fatal invalid_request that quotes it', () => {
    const outcome = normalisePollResponse(json(400, { status: 400, message: 'missing client id' }), ctx);
    expect(outcome.kind).toBe('fatal');
    if (outcome.kind !== 'fatal') return;
    expect(outcome.error.code).toBe('invalid_request');
    expect(outcome.error.message).toContain('missing client id');
  });

  it('tokens with camelCase members, a string expires_in and a scope array', () => {
    const outcome = normalisePollResponse(
      json(200, { accessToken: 'at', tokenType: 'Bearer', expiresIn: '3600', refreshToken: 'rt', idToken: 'it', scope: ['user:read:email', 'chat:read'] }),
      ctx,
    );
    expect(outcome).toEqual({
      kind: 'tokens',
      tokens: {
        accessToken: 'at',
        tokenType: 'Bearer',
        expiresAt: NOW + 3_600_000,
        refreshToken: 'rt',
        idToken: 'it',
        scope: 'user:read:email chat:read',
      },
    });
  });

  it('keeps Salesforce\'s instance_url with the tokens', () => {
    const outcome = normalisePollResponse(
      json(200, {
        access_token: 'at',
        token_type: 'Bearer',
        refresh_token: 'rt',
        instance_url: 'https://acme.my.salesforce.com',
        id: 'https://login.salesforce.com/id/00D/005',
        issued_at: '1700000000000',
        scope: 'api refresh_token',
      }),
      ctx,
    );
    expect(outcome.kind === 'tokens' && outcome.tokens.instanceUrl).toBe('https://acme.my.salesforce.com');
  });

  it('without a preset, a token answer with no token_type is still refused; Facebook\'s preset takes it as bearer', () => {
    const facebookish = json(200, { access_token: 'at', expires_in: 5183944 });
    expect(normalisePollResponse(facebookish, ctx).kind).toBe('fatal');
    const outcome = normalisePollResponse(facebookish, { ...ctx, defaults: dialectOf({ dialect: 'facebook' }).answerDefaults });
    expect(outcome.kind === 'tokens' && outcome.tokens.tokenType.toLowerCase()).toBe('bearer');
  });

  it('a refresh refused with Twitch\'s "invalid refresh token" is invalid_grant (the sign-in has ended)', () => {
    let error: unknown;
    try {
      normaliseTokenResponse(json(400, { status: 400, message: 'Invalid refresh token' }), ctx);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DeviceLoginError);
    expect((error as DeviceLoginError).code).toBe('invalid_grant');
  });
});

describe('device authorization answers of any server', () => {
  it('AWS: camelCase members, verificationUriComplete kept', () => {
    const authorization = normaliseDeviceAuthorizationResponse(
      json(200, {
        deviceCode: 'dc',
        userCode: 'ABCD-EFGH',
        verificationUri: 'https://device.sso.us-east-1.amazonaws.com/',
        verificationUriComplete: 'https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH',
        expiresIn: 600,
        interval: 1,
      }),
      ctx,
    );
    expect(authorization).toMatchObject({
      deviceCode: 'dc',
      userCode: 'ABCD-EFGH',
      verificationUriComplete: 'https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH',
      expiresAt: NOW + 600_000,
      interval: 1,
    });
  });

  it('Facebook: the device code named `code`, expires_in as a string', () => {
    const authorization = normaliseDeviceAuthorizationResponse(
      json(200, { code: 'fb-device-code', user_code: 'A1B2C3D4', verification_uri: 'https://www.facebook.com/device', expires_in: '420', interval: 5 }),
      ctx,
    );
    expect(authorization).toMatchObject({ deviceCode: 'fb-device-code', expiresAt: NOW + 420_000, interval: 5 });
  });

  it('Amazon: no interval means 30 s under its preset (5 s elsewhere); a stated one is obeyed', () => {
    const noInterval = json(200, { device_code: 'dc', user_code: 'ABC123', verification_uri: 'https://amazon.com/us/code', expires_in: 600 });
    const amazon = { ...ctx, defaults: dialectOf({ dialect: 'amazon' }).answerDefaults };
    expect(normaliseDeviceAuthorizationResponse(noInterval, amazon).interval).toBe(30);
    expect(normaliseDeviceAuthorizationResponse(noInterval, ctx).interval).toBe(5);
    const stated = json(200, { device_code: 'dc', user_code: 'ABC123', verification_uri: 'https://amazon.com/us/code', expires_in: 600, interval: 45 });
    expect(normaliseDeviceAuthorizationResponse(stated, amazon).interval).toBe(45);
  });

  it('Salesforce: no expires_in is its ten minutes under its preset, and still an unusable answer elsewhere', () => {
    const res = json(200, { device_code: 'dc', user_code: 'ABCDEFGH', verification_uri: 'https://acme.my.salesforce.com/setup/connect', interval: 5 });
    const salesforce = { ...ctx, defaults: dialectOf({ dialect: 'salesforce' }).answerDefaults };
    expect(normaliseDeviceAuthorizationResponse(res, salesforce).expiresAt).toBe(NOW + 600_000);
    expect(() => normaliseDeviceAuthorizationResponse(res, ctx)).toThrow(/expires_in is missing/);
  });

  it('Entra\'s `message` beside a code is a sentence to show, not an error', () => {
    const authorization = normaliseDeviceAuthorizationResponse(
      json(200, {
        device_code: 'dc',
        user_code: 'ABCDEFGH',
        verification_uri: 'https://microsoft.com/devicelogin',
        expires_in: 900,
        message: 'To sign in, use a web browser to open the page https://microsoft.com/devicelogin.',
      }),
      ctx,
    );
    expect(authorization.message).toMatch(/^To sign in/);
  });

  it('a Graph error object to a code request throws with the Graph message', () => {
    expect(() =>
      normaliseDeviceAuthorizationResponse(json(400, { error: { message: '(#100) Invalid scope', type: 'OAuthException', code: 100 } }), ctx),
    ).toThrow(/\(#100\) Invalid scope/);
  });
});

describe('profiles of any server', () => {
  it.each([
    ['Amazon /user/profile', { user_id: 'amzn1.account.X', name: 'Grace Hopper', email: 'grace@example.test' }, { sub: 'amzn1.account.X', name: 'Grace Hopper', email: 'grace@example.test' }],
    [
      'Graph /me with a picture object',
      { id: '1015', name: 'Katherine Johnson', picture: { data: { url: 'https://scontent.example/k.jpg', height: 50 } } },
      { sub: '1015', name: 'Katherine Johnson', picture: 'https://scontent.example/k.jpg' },
    ],
    [
      'Helix /users wrapping one user in data',
      { data: [{ id: '1419', login: 'hedylamarr', display_name: 'HedyLamarr', email: 'hedy@example.test', profile_image_url: 'https://static-cdn.example/h.png' }] },
      { sub: '1419', name: 'HedyLamarr', email: 'hedy@example.test', picture: 'https://static-cdn.example/h.png' },
    ],
  ])('%s', (_name, body, profile) => {
    expect(normaliseUserinfoResponse(json(200, body), ctx)).toEqual(profile);
  });
});

describe('camelCase names', () => {
  it('are read under their snake_case names too, and never hide a snake_case member the body has', () => {
    expect(parseBody('{"accessToken":"a","access_token":"b","clientSecretExpiresAt":5}')).toEqual({
      accessToken: 'a',
      access_token: 'b',
      clientSecretExpiresAt: 5,
      client_secret_expires_at: 5,
    });
  });
});
