// RFC 10027's proximity check on the embedded server, over real HTTP: the device's requests leave
// from another loopback address (127.0.0.2) to stand in for a device on another network, while the
// phone approves from 127.0.0.1 (test/fixtures/phone.ts). The phishing case of issue 13: a code
// requested far away and approved on the victim's phone releases no tokens until the device sends
// the number the phone shows.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startServer, type RunningServer } from '../../server/app.ts';
import { Phone, type PhonePage } from '../fixtures/phone.ts';
import { DEVICE_GRANT, sleep, tempDataDir, userinfo, type DeviceAuthorization } from './device-helpers.ts';

/** The address that stands in for a device on another network than the phone's (127.0.0.1). */
const REMOTE = '127.0.0.2';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** A form POST whose connection leaves from `localAddress`, so that the server sees the device there. */
function postFrom(localAddress: string, url: string, form: Record<string, string>): Promise<Answer> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), accept: 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The device: asks for a code and polls, every request from `localAddress`. */
function device(base: string, localAddress: string) {
  return {
    async requestCode(): Promise<DeviceAuthorization> {
      const answer = await postFrom(localAddress, `${base}/device/auth`, { client_id: 'tv-demo', scope: 'openid profile email offline_access' });
      expect(answer.status).toBe(200);
      return answer.body as unknown as DeviceAuthorization;
    },
    poll(deviceCode: string, checkNumber?: string): Promise<Answer> {
      return postFrom(localAddress, `${base}/token`, {
        client_id: 'tv-demo',
        grant_type: DEVICE_GRANT,
        device_code: deviceCode,
        ...(checkNumber !== undefined ? { check_number: checkNumber } : {}),
      });
    },
  };
}

/** The number on the phone's check-number page. */
function shownNumber(page: PhonePage): string {
  const match = /data-testid="check-number"[^>]*>([\s\S]*?)<\/div>/.exec(page.html);
  return (match?.[1] ?? '').replace(/<[^>]*>/g, '');
}

/** A two-digit number that is not `right`. */
function wrong(right: string, offset = 1): string {
  return String((Number(right) + offset) % 100).padStart(2, '0');
}

let server: RunningServer;
let data: ReturnType<typeof tempDataDir>;
let creds: { email: string; password: string };

beforeAll(async () => {
  data = tempDataDir();
  server = await startServer({ port: 0, dataDir: data.dir, interval: 1 });
  creds = server.demoUser!;
});

afterAll(async () => {
  await server?.close();
  data?.remove();
});

describe('the proximity check (RFC 10027)', () => {
  it('is announced in the discovery metadata', async () => {
    const metadata = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata.device_authorization_check_number_supported).toBe(true);
  });

  it('holds back the tokens of a code requested from another network until the device sends the number the phone shows', async () => {
    const tv = device(server.url, REMOTE);
    const da = await tv.requestCode();
    expect((await tv.poll(da.device_code)).body.error).toBe('authorization_pending');

    const page = await new Phone().approve(da.verification_uri_complete, creds);
    expect(page.page).toBe('check-number');
    const number = shownNumber(page);
    expect(number).toMatch(/^\d\d$/);
    expect(page.html).toContain(`Your TV is on another network. To finish, enter ${number} on the TV.`);

    // Polls without a number keep the interval (1 s here), as any poll does.
    await sleep(1100);
    const required = await tv.poll(da.device_code);
    expect(required.status).toBe(400);
    expect(required.body).toMatchObject({ error: 'check_number_required', attempts_left: 3 });
    expect(typeof required.body.error_description).toBe('string');
    expect(required.body.access_token).toBeUndefined();

    // Sent at once after the last poll: a poll that carries a number is not judged by slow_down.
    const mistyped = await tv.poll(da.device_code, wrong(number));
    expect(mistyped.status).toBe(400);
    expect(mistyped.body).toMatchObject({ error: 'invalid_check_number', attempts_left: 2 });

    // Asking again without a number spends no attempt.
    await sleep(1100);
    expect((await tv.poll(da.device_code)).body).toMatchObject({ error: 'check_number_required', attempts_left: 2 });

    const granted = await tv.poll(da.device_code, number);
    expect(granted.status).toBe(200);
    expect(typeof granted.body.access_token).toBe('string');
    expect((await userinfo(server.url, granted.body.access_token as string)).body.email).toBe(creds.email);
  });

  it('says it on the phone in Traditional Chinese too, with the number large and the warning', async () => {
    const tv = device(server.url, REMOTE);
    const da = await tv.requestCode();
    const page = await new Phone({ acceptLanguage: 'zh-TW,zh;q=0.9' }).approve(da.verification_uri_complete, creds);
    const number = shownNumber(page);
    expect(page.html).toContain(`您的電視位於其他網路。若要完成登入，請在電視上輸入 ${number}。`);
    expect(page.html).toContain(`aria-label="確認號碼：${number}"`);
    expect(page.html).toContain('請不要把這個號碼告訴任何人');
  });

  it('releases the tokens at once, with no check, when the phone and the device are on the same network', async () => {
    const tv = device(server.url, '127.0.0.1');
    const da = await tv.requestCode();
    const page = await new Phone().approve(da.verification_uri_complete, creds);
    expect(page.page).toBe('success');
    expect(page.html).not.toContain('check-number');
    const granted = await tv.poll(da.device_code);
    expect(granted.status).toBe(200);
    expect(typeof granted.body.access_token).toBe('string');
  });

  it('ignores a check number sent where none is needed', async () => {
    const tv = device(server.url, '127.0.0.1');
    const da = await tv.requestCode();
    expect((await new Phone().approve(da.verification_uri_complete, creds)).page).toBe('success');
    const granted = await tv.poll(da.device_code, '00');
    expect(granted.status).toBe(200);
  });

  it('denies the grant after three wrong numbers, and the right one no longer gets tokens', async () => {
    const tv = device(server.url, REMOTE);
    const da = await tv.requestCode();
    const number = shownNumber(await new Phone().approve(da.verification_uri_complete, creds));
    expect((await tv.poll(da.device_code, wrong(number, 1))).body).toMatchObject({ error: 'invalid_check_number', attempts_left: 2 });
    expect((await tv.poll(da.device_code, wrong(number, 2))).body).toMatchObject({ error: 'invalid_check_number', attempts_left: 1 });
    const denied = await tv.poll(da.device_code, wrong(number, 3));
    expect(denied.status).toBe(400);
    expect(denied.body.error).toBe('access_denied');
    const late = await tv.poll(da.device_code, number);
    expect(late.status).toBe(400);
    expect(late.body.access_token).toBeUndefined();
  });

  it('lets overlapping polls try no more numbers than there are attempts', async () => {
    const tv = device(server.url, REMOTE);
    const da = await tv.requestCode();
    const number = shownNumber(await new Phone().approve(da.verification_uri_complete, creds));
    // Ten wrong guesses at once, as an attacker racing the counter would send them.
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => tv.poll(da.device_code, wrong(number, i + 1))));
    const errorsSeen = answers.map((answer) => answer.body.error);
    expect(errorsSeen.filter((error) => error === 'invalid_check_number')).toHaveLength(2);
    expect(errorsSeen.every((error) => error === 'invalid_check_number' || error === 'access_denied' || error === 'invalid_grant')).toBe(true);
    expect((await tv.poll(da.device_code, number)).body.access_token).toBeUndefined();
  });

  it('refuses a check number that is not two digits without spending an attempt', async () => {
    const tv = device(server.url, REMOTE);
    const da = await tv.requestCode();
    const number = shownNumber(await new Phone().approve(da.verification_uri_complete, creds));
    expect((await tv.poll(da.device_code, '4x')).body.error).toBe('invalid_request');
    await sleep(1100);
    expect((await tv.poll(da.device_code)).body).toMatchObject({ error: 'check_number_required', attempts_left: 3 });
    expect((await tv.poll(da.device_code, number)).status).toBe(200);
  });

  it('wakes a held long poll with check_number_required when the phone approves', async () => {
    const tv = device(server.url, REMOTE);
    const da = await tv.requestCode();
    const held = new Promise<Answer>((resolve, reject) => {
      const body = new URLSearchParams({ client_id: 'tv-demo', grant_type: DEVICE_GRANT, device_code: da.device_code }).toString();
      const req = request(`${server.url}/token`, {
        method: 'POST',
        localAddress: REMOTE,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), prefer: 'wait=20' },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
      });
      req.on('error', reject);
      req.end(body);
    });
    const started = Date.now();
    expect((await new Phone().approve(da.verification_uri_complete, creds)).page).toBe('check-number');
    const answer = await held;
    expect(answer.body.error).toBe('check_number_required');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('the proximity check across a restart', () => {
  it('keeps the number and the attempts spent with the device code', async () => {
    const dir = tempDataDir();
    let restarted: RunningServer | undefined;
    let first: RunningServer | undefined = await startServer({ port: 0, dataDir: dir.dir, interval: 1 });
    try {
      const { port } = first;
      const tv = device(first.url, REMOTE);
      const da = await tv.requestCode();
      const number = shownNumber(await new Phone().approve(da.verification_uri_complete, first.demoUser!));
      expect((await tv.poll(da.device_code, wrong(number))).body).toMatchObject({ attempts_left: 2 });
      await first.close();
      first = undefined;

      restarted = await startServer({ port, dataDir: dir.dir, interval: 1 });
      const again = device(restarted.url, REMOTE);
      expect((await again.poll(da.device_code)).body).toMatchObject({ error: 'check_number_required', attempts_left: 2 });
      expect((await again.poll(da.device_code, number)).status).toBe(200);
    } finally {
      await first?.close();
      await restarted?.close();
      dir.remove();
    }
  });
});
