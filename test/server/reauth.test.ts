// RFC 10027, re-authentication for device grants: a phone whose password was typed longer ago than
// deviceReauthAfter must type it again before it approves a device. Otherwise a session left signed
// in for days lets a code someone sent be approved with two taps. The login page says why it asks,
// and it is for the account already signed in.
import { afterEach, describe, expect, it } from 'vitest';

import { Phone, type PhonePage } from '../fixtures/phone.ts';
import { sleep } from './device-helpers.ts';
import { startDefencesServer, type DefencesServer } from './defences-harness.ts';

let server: DefencesServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function issue(s: DefencesServer): Promise<{ device_code: string; verification_uri_complete: string }> {
  const answer = await s.authorize();
  expect(answer.status).toBe(200);
  return answer.body as { device_code: string; verification_uri_complete: string };
}

function lead(page: PhonePage): string | undefined {
  return /<p class="lead"[^>]*>([^<]*)<\/p>/.exec(page.html)?.[1]?.replace(/&#39;/g, "'");
}

describe('approving a device needs a recent password', () => {
  it('within the age a signed-in phone goes straight to consent; past it the password is asked again, saying why, then the device is approved', async () => {
    server = await startDefencesServer({ deviceReauthAfter: 1 });
    const phone = new Phone();
    expect((await phone.approve((await issue(server)).verification_uri_complete, server.user)).page).toBe('success');

    // Straight away: the sign-in is fresh, consent only.
    const soon = await phone.submit(await phone.get((await issue(server)).verification_uri_complete), { button: 'Continue' });
    expect(soon.page).toBe('consent');

    await sleep(2_100);
    const auth = await issue(server);
    const login = await phone.submit(await phone.get(auth.verification_uri_complete), { button: 'Continue' });
    expect(login.page).toBe('login');
    expect(lead(login)).toMatch(/^For your safety, enter your password again to approve a device: you last signed in more than [23] seconds ago\.$/);
    // For the account signed in on this phone: its email is shown and cannot be changed.
    expect(login.html).toMatch(/<input id="email" name="email" type="email" value="ada@example\.test"[^>]* readonly/);
    expect(login.labels).toEqual(['Email', 'Password']);

    const wrong = await phone.signIn(login, { email: server.user.email, password: 'not it' });
    expect(wrong.page).toBe('login');
    expect(wrong.error).toBe('Login failed: the email or password is incorrect.');
    expect((await server.poll(auth.device_code)).body.error).toBe('authorization_pending');

    const consent = await phone.signIn(wrong, server.user);
    expect(consent.page).toBe('consent');
    expect((await phone.submit(consent, { button: 'decision=allow' })).page).toBe('success');
    await sleep(1_100); // the TV's interval since its last poll
    expect(typeof (await server.poll(auth.device_code)).body.access_token).toBe('string');
  });

  it('another email typed into the form is ignored: the password is checked for the account signed in', async () => {
    server = await startDefencesServer({ deviceReauthAfter: 1 });
    const mallory = { email: 'mallory@example.test', password: 'mallory password 123', name: 'Mallory' };
    await server.accounts.add(mallory);
    const phone = new Phone();
    expect((await phone.approve((await issue(server)).verification_uri_complete, server.user)).page).toBe('success');
    await sleep(2_100);
    const login = await phone.submit(await phone.get((await issue(server)).verification_uri_complete), { button: 'Continue' });
    expect(login.page).toBe('login');
    const refused = await phone.signIn(login, mallory);
    expect(refused.page).toBe('login');
    expect(refused.error).toBe('Login failed: the email or password is incorrect.');
  });

  it('says why in Traditional Chinese', async () => {
    server = await startDefencesServer({ deviceReauthAfter: 1 });
    const phone = new Phone({ acceptLanguage: 'zh-TW' });
    expect((await phone.approve((await issue(server)).verification_uri_complete, server.user)).page).toBe('success');
    await sleep(2_100);
    const login = await phone.submit(await phone.get((await issue(server)).verification_uri_complete), { button: '繼續' });
    expect(login.page).toBe('login');
    expect(lead(login)).toMatch(/^為了您的安全，核准裝置前請再次輸入密碼：您上次登入已超過 [23] 秒。$/);
  });

  it('a first sign-in is not asked twice, however long the person takes on the consent page', async () => {
    server = await startDefencesServer({ deviceReauthAfter: 1 });
    const phone = new Phone();
    const auth = await issue(server);
    const consent = await phone.confirmAndSignIn(await phone.get(auth.verification_uri_complete), server.user);
    expect(consent.page).toBe('consent');
    await sleep(2_100);
    expect((await phone.submit(consent, { button: 'decision=allow' })).page).toBe('success');
  });
});
