// Issue 13, finding 3: pressing Continue used to burn the code. The person (or a passer-by who scanned
// the TV's QR code) who stopped at the sign-in page left the TV waiting on a dead code until it
// expired. Now Continue reserves the code for that browser: it may come back and finish, and once it
// has made no progress for codeHoldSeconds another phone may use the code from the start.
import { afterEach, describe, expect, it } from 'vitest';

import { Phone } from '../fixtures/phone.ts';
import { sleep } from './device-helpers.ts';
import { startDefencesServer, type DefencesServer } from './defences-harness.ts';

let server: DefencesServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Issued {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
}

async function issue(s: DefencesServer): Promise<Issued> {
  const answer = await s.authorize();
  expect(answer.status).toBe(200);
  return answer.body as unknown as Issued;
}

describe('a code after Continue', () => {
  it('the phone that pressed Continue and stopped at sign-in comes back with the same code, resumes and approves; the TV gets tokens', async () => {
    server = await startDefencesServer();
    const auth = await issue(server);
    const phone = new Phone();
    const confirm = await phone.get(auth.verification_uri_complete);
    expect(confirm.page).toBe('confirm');
    const login = await phone.submit(confirm, { button: 'Continue' });
    expect(login.page).toBe('login');

    // The person puts the phone away, then types the code from the TV again in the same browser.
    const again = await phone.openCode(`${server.url}/device`, auth.user_code);
    expect(again.page).toBe('confirm');
    expect(again.html).toContain(auth.user_code.split('-')[0]);
    const consent = await phone.confirmAndSignIn(again, server.user);
    expect(consent.page).toBe('consent');
    const end = await phone.submit(consent, { button: 'decision=allow' });
    expect(end.page).toBe('success');
    expect(typeof (await server.poll(auth.device_code)).body.access_token).toBe('string');
  });

  it('the same phone may also just go on where it stopped', async () => {
    server = await startDefencesServer();
    const auth = await issue(server);
    const phone = new Phone();
    const login = await phone.submit(await phone.get(auth.verification_uri_complete), { button: 'Continue' });
    expect(login.page).toBe('login');
    await phone.get(auth.verification_uri_complete);
    const consent = await phone.signIn(login, server.user);
    expect(consent.page).toBe('consent');
    expect((await phone.submit(consent, { button: 'decision=allow' })).page).toBe('success');
    expect(typeof (await server.poll(auth.device_code)).body.access_token).toBe('string');
  });

  it('another phone is told the code is being used elsewhere while the first one is still signing in', async () => {
    server = await startDefencesServer({ codeHoldSeconds: 60 });
    const auth = await issue(server);
    const first = new Phone();
    expect((await first.submit(await first.get(auth.verification_uri_complete), { button: 'Continue' })).page).toBe('login');

    const second = await new Phone().get(auth.verification_uri_complete);
    expect(second.status).toBe(409);
    expect(second.page).toBe('enter-code');
    expect(second.error).toMatch(/^Someone is signing in with this code on another phone or browser\. If that isn't you, try again in (\d+) seconds, or ask your TV for a new code\.$/);
    const seconds = Number(/in (\d+) seconds/.exec(second.error ?? '')?.[1]);
    expect(seconds).toBeGreaterThan(55);
    expect(seconds).toBeLessThanOrEqual(60);

    const chinese = await new Phone({ acceptLanguage: 'zh-TW' }).get(auth.verification_uri_complete);
    expect(chinese.error).toMatch(/^有人正在其他手機或瀏覽器上使用這組代碼登入。如果不是您，請在 \d+ 秒後再試，或在電視上取得新的代碼。$/);
    expect((await server.poll(auth.device_code)).body.error).toBe('authorization_pending');
  });

  it('abandoned after Continue: once the hold runs out another phone uses the code from the start, and the first phone can no longer finish', async () => {
    server = await startDefencesServer({ codeHoldSeconds: 1 });
    const auth = await issue(server);
    const passerBy = new Phone();
    const stale = await passerBy.submit(await passerBy.get(auth.verification_uri_complete), { button: 'Continue' });
    expect(stale.page).toBe('login');

    await sleep(1_200);
    const owner = new Phone();
    const confirm = await owner.get(auth.verification_uri_complete);
    expect(confirm.page).toBe('confirm');

    // The passer-by's half-finished sign-in was dropped with the hold.
    const dropped = await passerBy.signIn(stale, server.user);
    expect(dropped.status).toBe(400);
    expect(dropped.page).toBe('unknown');
    expect((await server.poll(auth.device_code)).body.error).toBe('authorization_pending');

    const consent = await owner.confirmAndSignIn(confirm, server.user);
    expect(consent.page).toBe('consent');
    expect((await owner.submit(consent, { button: 'decision=allow' })).page).toBe('success');
    await sleep(1_100); // the TV's interval since its last poll
    expect(typeof (await server.poll(auth.device_code)).body.access_token).toBe('string');
  });

  it('a phone that keeps going keeps its hold: every step counts as progress', async () => {
    server = await startDefencesServer({ codeHoldSeconds: 1 });
    const auth = await issue(server);
    const phone = new Phone();
    const login = await phone.submit(await phone.get(auth.verification_uri_complete), { button: 'Continue' });
    await sleep(700);
    const consent = await phone.signIn(login, server.user);
    expect(consent.page).toBe('consent');
    await sleep(700);
    // 1.4 s after Continue, but 0.7 s after the last step: still held.
    const other = await new Phone().get(auth.verification_uri_complete);
    expect(other.status).toBe(409);
    expect((await phone.submit(consent, { button: 'decision=allow' })).page).toBe('success');
  });

  it('a code that was approved stays used for everyone, its own phone included', async () => {
    server = await startDefencesServer({ codeHoldSeconds: 1 });
    const auth = await issue(server);
    const phone = new Phone();
    expect((await phone.approve(auth.verification_uri_complete, server.user)).page).toBe('success');
    await sleep(1_100);
    expect((await phone.get(auth.verification_uri_complete)).page).toBe('used');
    expect((await new Phone().get(auth.verification_uri_complete)).page).toBe('used');
  });
});
