// Client authentication (core/client-authentication.ts): the Basic header's encoding (RFC 6749 §2.3.1),
// which method puts the secret where, and that every step of the Protocol and the code exchange send
// it so, seen by a real HTTP server on 127.0.0.1 through the real axios HttpClient.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { authorizationCodeGrant } from '../../core/authorization-code.ts';
import { authenticateClient, basicCredentials } from '../../core/client-authentication.ts';
import type { HttpRequest, Logger, Ports } from '../../core/ports.ts';
import { createProtocol } from '../../core/protocol.ts';
import type { ClientSettings, Endpoints } from '../../core/types.ts';
import { systemClock } from '../../host/clock.ts';
import { createAxiosHttpClient } from '../../host/http.ts';

/** A secret with every character Basic must carry intact: ':' splits the pair, '%' and '+' are encodings, and non-ASCII. */
const AWKWARD = 's3:cr%t é密+';

/** How a server reads Basic credentials (oidc-provider's way): base64, split at the first ':', form-decode each half. */
function readBasic(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const pair = Buffer.from(header.slice(6), 'base64').toString('latin1');
  const colon = pair.indexOf(':');
  const decode = (half: string) => decodeURIComponent(half.replace(/\+/g, '%20'));
  return { id: decode(pair.slice(0, colon)), secret: decode(pair.slice(colon + 1)) };
}

describe('basicCredentials', () => {
  it('form-urlencodes id and secret before base64, so a ":" "%" "+" or non-ASCII letter survives', () => {
    const header = basicCredentials('account:site', AWKWARD);
    expect(header).toBe(`Basic ${Buffer.from('account%3Asite:s3%3Acr%25t+%C3%A9%E5%AF%86%2B').toString('base64')}`);
    expect(readBasic(header)).toEqual({ id: 'account:site', secret: AWKWARD });
  });

  it('leaves an id and secret of plain URL-safe characters as they are', () => {
    expect(basicCredentials('tv-demo', 'abc_DEF-123.x')).toBe(`Basic ${Buffer.from('tv-demo:abc_DEF-123.x').toString('base64')}`);
  });
});

describe('authenticateClient', () => {
  const request: HttpRequest = {
    method: 'POST',
    url: 'https://id.example/token',
    headers: { accept: 'application/json' },
    form: { grant_type: 'refresh_token', refresh_token: 'rt', client_id: 'site', client_secret: 'sh' },
  };

  it('without a method sends the request as its builder made it (the secret in the form, as today)', () => {
    expect(authenticateClient(request, { clientId: 'site', clientSecret: 'sh' })).toBe(request);
  });

  it('client_secret_basic moves id and secret from the form into the Authorization header', () => {
    const sent = authenticateClient(request, { clientId: 'site', clientSecret: AWKWARD, tokenEndpointAuthMethod: 'client_secret_basic' });
    expect(sent.form).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt' });
    expect(sent.headers).toEqual({ accept: 'application/json', authorization: basicCredentials('site', AWKWARD) });
    // The request it was given is not changed under its builder.
    expect(request.form?.client_secret).toBe('sh');
  });

  it('client_secret_post puts id and secret in the form, even where the builder left the secret out', () => {
    const sent = authenticateClient(
      { ...request, form: { token: 't', client_id: 'site' } },
      { clientId: 'site', clientSecret: 'sh', tokenEndpointAuthMethod: 'client_secret_post' },
    );
    expect(sent.form).toEqual({ token: 't', client_id: 'site', client_secret: 'sh' });
    expect(sent.headers?.authorization).toBeUndefined();
  });

  it('none sends client_id alone, never the secret', () => {
    const sent = authenticateClient(request, { clientId: 'site', clientSecret: 'sh', tokenEndpointAuthMethod: 'none' });
    expect(sent.form).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt', client_id: 'site' });
    expect(sent.headers?.authorization).toBeUndefined();
  });

  it('leaves a JSON body (AWS) as it is', () => {
    const json: HttpRequest = { method: 'POST', url: 'https://oidc.aws.example/token', json: { clientId: 'c', clientSecret: 's' } };
    expect(authenticateClient(json, { clientId: 'c', clientSecret: 's', tokenEndpointAuthMethod: 'client_secret_basic' })).toBe(json);
  });

  it('refuses a method that needs a secret without one, in words, as a configuration error', () => {
    for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
      expect(() => authenticateClient(request, { clientId: 'site', tokenEndpointAuthMethod: method })).toThrow(
        expect.objectContaining({ code: 'configuration', message: expect.stringMatching(new RegExp(`"site" authenticates with ${method}, but it has no client secret`)) }),
      );
    }
  });
});

describe('every client-authenticated request goes through it', () => {
  interface Seen {
    path: string;
    headers: IncomingHttpHeaders;
    form: Record<string, string>;
  }
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));
  const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
  const ports: Ports = { http: createAxiosHttpClient(), clock: systemClock, store: undefined as never, logger };

  /** Device, token and revocation endpoints that record each request and answer what each step expects. */
  async function recordingServer(): Promise<{ endpoints: Endpoints; seen: Seen[] }> {
    const seen: Seen[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', headers: req.headers, form: Object.fromEntries(new URLSearchParams(body)) });
        res.setHeader('content-type', 'application/json');
        if (req.url === '/device') {
          return res.end(JSON.stringify({ device_code: 'dc', user_code: 'WDJB-MJHT', verification_uri: 'https://id.example/device', expires_in: 600 }));
        }
        if (req.url === '/revoke') return res.end();
        res.end(JSON.stringify({ access_token: 'at', token_type: 'Bearer', expires_in: 60, refresh_token: 'rt2' }));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      endpoints: { deviceAuthorizationEndpoint: `${base}/device`, tokenEndpoint: `${base}/token`, revocationEndpoint: `${base}/revoke` },
      seen,
    };
  }

  /** Code request, poll, refresh, revocation of both tokens, and the authorization code exchange. */
  async function everyStep(client: ClientSettings): Promise<Seen[]> {
    const { endpoints, seen } = await recordingServer();
    const protocol = createProtocol({ endpoints, client, ports });
    await protocol.initiateDeviceAuthorization();
    await protocol.pollDeviceAuthorizationGrant('dc');
    await protocol.refreshTokenGrant('rt');
    await protocol.tokenRevocation({ accessToken: 'at', tokenType: 'Bearer', refreshToken: 'rt' });
    await authorizationCodeGrant({ endpoints, client, ports }, { redirectUri: 'http://127.0.0.1/cb', state: 's', codeVerifier: 'v' }, 'code');
    expect(seen.map((s) => s.path)).toEqual(['/device', '/token', '/token', '/revoke', '/revoke', '/token']);
    return seen;
  }

  it('client_secret_basic: the secret in the Authorization header of all six, never in a form', async () => {
    const seen = await everyStep({ clientId: 'site', clientSecret: AWKWARD, tokenEndpointAuthMethod: 'client_secret_basic' });
    for (const request of seen) {
      expect(readBasic(request.headers.authorization)).toEqual({ id: 'site', secret: AWKWARD });
      expect(request.form.client_secret).toBeUndefined();
      expect(request.form.client_id).toBeUndefined();
    }
  });

  it('no method: the secret in the form of all six and no Authorization header, as the TV and the CLI send today', async () => {
    const seen = await everyStep({ clientId: 'tv', clientSecret: 'tv-secret' });
    for (const request of seen) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.form).toMatchObject({ client_id: 'tv', client_secret: 'tv-secret' });
    }
  });

  it('a protocol whose method needs a secret it lacks is refused at once, before any request', async () => {
    const { endpoints, seen } = await recordingServer();
    expect(() => createProtocol({ endpoints, client: { clientId: 'site', tokenEndpointAuthMethod: 'client_secret_basic' }, ports })).toThrow(
      expect.objectContaining({ code: 'configuration' }),
    );
    expect(seen).toHaveLength(0);
  });
});
