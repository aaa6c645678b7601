// `serve --clients FILE`: more clients than tv-demo, validated at start-up with messages that name
// the entry and the field; a confidential client from the file really needs its secret.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DeviceLoginError } from '../../core/errors.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { loadClientsFile, parseClients } from '../../server/clients-file.ts';
import { Phone } from '../fixtures/phone.ts';
import { DEVICE_GRANT, tempDataDir } from './device-helpers.ts';

const SECRET = 'a-secret-of-thirty-two-characters';

function problem(json: unknown): string {
  try {
    parseClients(json, 'clients.json');
  } catch (err) {
    expect(err).toBeInstanceOf(DeviceLoginError);
    expect((err as DeviceLoginError).code).toBe('configuration');
    return (err as Error).message;
  }
  throw new Error('parseClients accepted it');
}

describe('the clients file', () => {
  it('gives a client with a secret client_secret_post and the device and refresh grants by default', () => {
    const [client] = parseClients([{ client_id: 'living-room', client_name: 'Living room TV', client_secret: SECRET }]);
    expect(client).toEqual({
      client_id: 'living-room',
      client_name: 'Living room TV',
      client_secret: SECRET,
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: [DEVICE_GRANT, 'refresh_token'],
      response_types: [],
      redirect_uris: [],
    });
  });

  it('makes a client without a secret a public native client', () => {
    const [client] = parseClients([{ client_id: 'kiosk' }]);
    expect(client).toMatchObject({ token_endpoint_auth_method: 'none', application_type: 'native' });
  });

  it.each([
    [{ client_id: 'x' }, 'must hold a JSON array'],
    [[{ client_id: '' }], 'client 1 (client_id) must not be empty'],
    [[{ client_id: 'tv-demo' }], 'client 1 (client_id) is taken by the built-in client "tv-demo"'],
    [[{ client_id: 'a', secret: SECRET }], 'client 1 has unknown field(s) secret'],
    [[{ client_id: 'a', client_secret: 'short' }], 'client 1 (client_secret) must be at least 16 characters'],
    [[{ client_id: 'a', token_endpoint_auth_method: 'client_secret_basic' }], 'client 1 (client_secret) is required'],
    [[{ client_id: 'a' }, { client_id: 'a' }], 'client 2 repeats client_id "a"'],
    [[{ client_id: 'a', grant_types: ['password'] }], 'client 1 (grant_types[0]) must each be one of'],
    [[{ client_id: 'a', grant_types: ['authorization_code'] }], 'client 1 (redirect_uris) must list at least one URL'],
    [[{ client_id: 'a', grant_types: ['authorization_code'], redirect_uris: ['ftp://x'] }], 'client 1 (redirect_uris[0]) must be an http(s) URL'],
  ])('rejects %j: %s', (json, message) => {
    const text = problem(json);
    expect(text).toContain('--clients clients.json:');
    expect(text).toContain(message);
  });

  it('never repeats the secret in an error', () => {
    expect(problem([{ client_id: 'a', client_secret: SECRET, token_endpoint_auth_method: 'none' }])).not.toContain(SECRET);
  });

  it('says which file is missing, is not JSON, or holds secrets others can read', () => {
    const data = tempDataDir();
    try {
      expect(() => loadClientsFile(join(data.dir, 'none.json'))).toThrow(/none\.json: no such file/);
      writeFileSync(join(data.dir, 'bad.json'), '[{"client_id": "a",]');
      expect(() => loadClientsFile(join(data.dir, 'bad.json'))).toThrow(/bad\.json: is not valid JSON/);
      const file = join(data.dir, 'clients.json');
      writeFileSync(file, JSON.stringify([{ client_id: 'a', client_secret: SECRET }]));
      chmodSync(file, 0o644);
      const warnings: string[] = [];
      expect(loadClientsFile(file, (w) => warnings.push(w))).toHaveLength(1);
      expect(warnings.join('')).toContain('chmod 600');
      chmodSync(file, 0o600);
      warnings.length = 0;
      loadClientsFile(file, (w) => warnings.push(w));
      expect(warnings).toEqual([]);
    } finally {
      data.remove();
    }
  });
});

describe('a confidential client from the file, on the real server', () => {
  let server: RunningServer;
  let data: ReturnType<typeof tempDataDir>;

  beforeAll(async () => {
    data = tempDataDir();
    const clients = parseClients([{ client_id: 'living-room', client_name: 'Living room TV', client_secret: SECRET }]);
    server = await startServer({ port: 0, dataDir: data.dir, interval: 1, clients });
  });

  afterAll(async () => {
    await server?.close();
    data?.remove();
  });

  const post = async (path: string, form: Record<string, string>) => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { accept: 'application/json' }, body: new URLSearchParams(form) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('refuses it without its secret or with a wrong one', async () => {
    expect((await post('/device/auth', { client_id: 'living-room', scope: 'openid' })).body.error).toBe('invalid_client');
    expect((await post('/device/auth', { client_id: 'living-room', client_secret: `${SECRET}x`, scope: 'openid' })).body.error).toBe('invalid_client');
  });

  it('signs it in with its secret, with its own name on the phone', async () => {
    const code = await post('/device/auth', { client_id: 'living-room', client_secret: SECRET, scope: 'openid profile' });
    expect(code.status).toBe(200);
    const phone = new Phone();
    const confirm = await phone.openCode(String(code.body.verification_uri_complete));
    expect(confirm.page).toBe('confirm');
    expect(confirm.html).toContain('Living room TV');
    const consent = await phone.confirmAndSignIn(confirm, server.demoUser!);
    expect((await phone.submit(consent, { button: 'decision=allow' })).page).toBe('success');
    const token = await post('/token', { client_id: 'living-room', client_secret: SECRET, grant_type: DEVICE_GRANT, device_code: String(code.body.device_code) });
    expect(token.status).toBe(200);
    expect(typeof token.body.access_token).toBe('string');
  });
});
