// The phone shows a user code exactly as the TV and the terminal do, through core/user-code.ts: it
// is the string the person compares between the two screens (RFC 8628 §5.4).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { displayUserCode, userCodeGroups } from '../../core/user-code.ts';
import { messages } from '../../server/pages/i18n.ts';
import { confirmPage, consentPage, deviceRequest, enterCodePage } from '../../server/pages/views.ts';
import { userCodeBox } from '../../cli/render.ts';
import { discoverEndpoints } from '../../core/discovery.ts';
import { systemClock } from '../../host/clock.ts';
import { DeviceController } from '../../host/device-controller.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { memoryStore } from '../fixtures/memory-store.ts';
import { Phone } from '../fixtures/phone.ts';
import { startPagesServer, type PagesServer } from './pages-harness.ts';

/** The groups a page draws in its user-code box, in order, and the box's accessible name. */
function shownCode(html: string): { groups: string[]; label: string | undefined } {
  const box = /<div class="usercode" data-testid="user-code" aria-label="([^"]*)">(.*?)<\/div>/.exec(html);
  return { groups: [...(box?.[2] ?? '').matchAll(/<span>([^<]*)<\/span>/g)].map((g) => g[1] ?? ''), label: box?.[1] };
}

describe('the user code on the phone pages', () => {
  const m = messages('en');

  it('confirm and consent group ABCDEFGHI as ABC-DEF-GHI and WDJBMJHT as WDJB-MJHT, the core formatter\'s output', () => {
    for (const [code, expected] of [
      ['ABCDEFGHI', 'ABC-DEF-GHI'],
      ['WDJBMJHT', 'WDJB-MJHT'],
    ] as const) {
      const request = deviceRequest(m, code, { name: 'Living-room TV' }, { ip: '192.0.2.7' });
      const confirm = confirmPage({ lang: 'en', m, action: '/device', xsrf: 'xsrf', ...request });
      const consent = consentPage({ lang: 'en', m, action: '/interaction/uid/consent', csrf: 'csrf', clientName: 'Living-room TV', email: 'ada@example.test', device: request });
      for (const [name, html] of [['confirm', confirm], ['consent', consent]] as const) {
        const shown = shownCode(html);
        expect(shown.groups, `${name} ${code}`).toEqual(userCodeGroups(code));
        expect(shown.groups.join('-'), `${name} ${code}`).toBe(displayUserCode(code));
        expect(shown.groups.join('-'), `${name} ${code}`).toBe(expected);
        expect(shown.label, `${name} ${code}`).toBe(expected);
      }
      // The confirm form posts the code as the server gave it; oidc-provider normalises it.
      expect(confirm).toContain(`<input type="hidden" name="user_code" value="${code}">`);
    }
  });

  it('a wrong code typed without separators comes back in the field grouped the same way', () => {
    const page = enterCodePage({ lang: 'en', m, action: '/device', xsrf: 'xsrf', code: 'ABCDEFGHI', error: m.wrongCode, invalid: true });
    expect(page).toMatch(/<input class="code" id="user_code" name="user_code" type="text" value="ABC-DEF-GHI"/);
  });
});

describe('a 9-character code issued without separators, on a real server', () => {
  let server: PagesServer;
  beforeAll(async () => {
    server = await startPagesServer({ userCodeMask: '*********' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('reads the same on the confirm and consent pages as on the TV: three groups of three', async () => {
    const auth = await server.authorize();
    expect(auth.user_code).toMatch(/^[A-Z]{9}$/);
    const tv = displayUserCode(auth.user_code);
    expect(tv).toMatch(/^[A-Z]{3}-[A-Z]{3}-[A-Z]{3}$/);

    const phone = new Phone();
    const confirm = await phone.get(auth.verification_uri_complete);
    expect(confirm.page).toBe('confirm');
    const consent = await phone.confirmAndSignIn(confirm, server.user);
    expect(consent.page).toBe('consent');
    for (const page of [confirm, consent]) {
      expect(shownCode(page.html).groups.join('-'), page.page).toBe(tv);
    }
    expect((await phone.submit(consent, { button: 'decision=allow' })).page).toBe('success');
  });
  it('one code, three screens: the TV (the real controller), the terminal and the phone show the same string', async () => {
    const http = createAxiosHttpClient();
    const controller = await DeviceController.create({
      endpoints: await discoverEndpoints(server.url, http),
      displayName: 'harness',
      client: { clientId: server.clientId, scope: 'openid' },
      ports: { http, clock: systemClock, store: memoryStore(), logger: { debug() {}, info() {}, warn() {}, error() {} } },
      longPollSeconds: 0,
    });
    try {
      controller.signIn();
      let view = controller.getState();
      for (let i = 0; i < 100 && !view.code; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        view = controller.getState();
      }
      const code = view.code!;
      expect(code.userCode).toMatch(/^[A-Z]{9}$/);
      const onTv = code.displayCode;
      expect(onTv).toMatch(/^[A-Z]{3}-[A-Z]{3}-[A-Z]{3}$/);
      expect(userCodeBox(code.userCode, { color: false })).toContain([...onTv].join(' '));
      const confirm = await new Phone().get(code.verificationUriComplete!);
      expect(shownCode(confirm.html).groups.join('-')).toBe(onTv);
    } finally {
      await controller.close();
    }
  });
});
