// The proximity check in the protocol layer: the quirk layer recognises its two errors from the answer
// (JSON or form, any status), and a poll carries `check_number` only when the caller gives one, so a
// server that never asks sees exactly the polls it saw before. Real HTTP on 127.0.0.1, real axios.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

import { normalisePollResponse } from '../../core/normalise.ts';
import type { Ports } from '../../core/ports.ts';
import { createProtocol } from '../../core/protocol.ts';
import { systemClock } from '../../host/clock.ts';
import { createAxiosHttpClient } from '../../host/http.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => (s.closeAllConnections(), s.close(() => resolve())))));
});

/** A token endpoint that wants the check number 47, allows two wrong ones, and records every form. */
async function checkingServer(): Promise<{ base: string; forms: Array<Record<string, string>> }> {
  const forms: Array<Record<string, string>> = [];
  let left = 3;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      forms.push(form);
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (form.check_number === undefined) return json(400, { error: 'check_number_required', error_description: 'send the number', attempts_left: left });
      left -= 1;
      if (form.check_number !== '47') return json(400, { error: 'invalid_check_number', attempts_left: left });
      json(200, { access_token: 'at', token_type: 'Bearer', expires_in: 60 });
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, forms };
}

const ports: Ports = {
  http: createAxiosHttpClient(),
  clock: systemClock,
  store: { load: async () => undefined, save: async () => {}, remove: async () => {} },
  logger: { debug() {}, info() {}, warn() {}, error() {} },
};

describe('polling with the proximity check', () => {
  it('asks for the number, says a wrong one with the attempts left, and gets the tokens with the right one', async () => {
    const { base, forms } = await checkingServer();
    const protocol = createProtocol({ endpoints: { deviceAuthorizationEndpoint: `${base}/device`, tokenEndpoint: `${base}/token` }, client: { clientId: 'tv' }, ports });
    expect(await protocol.pollDeviceAuthorizationGrant('dc')).toEqual({ kind: 'check_number', wrong: false, attemptsLeft: 3 });
    expect(await protocol.pollDeviceAuthorizationGrant('dc', { checkNumber: '12' })).toEqual({ kind: 'check_number', wrong: true, attemptsLeft: 2 });
    const granted = await protocol.pollDeviceAuthorizationGrant('dc', { checkNumber: '47' });
    expect(granted.kind).toBe('tokens');
    expect(forms.map((form) => form.check_number)).toEqual([undefined, '12', '47']);
    expect(forms[2]).toMatchObject({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'dc', client_id: 'tv' });
  });

  it('reads the errors from a form body and with any status, and leaves out an unreadable count', () => {
    const ctx = { endpoint: 'https://idp.example/token', now: 0 };
    expect(normalisePollResponse({ status: 200, headers: {}, body: 'error=invalid_check_number&attempts_left=1' }, ctx)).toEqual({
      kind: 'check_number',
      wrong: true,
      attemptsLeft: 1,
    });
    expect(normalisePollResponse({ status: 403, headers: {}, body: JSON.stringify({ error: 'check_number_required', attempts_left: -1 }) }, ctx)).toEqual({
      kind: 'check_number',
      wrong: false,
    });
  });
});
