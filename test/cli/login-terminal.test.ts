// The login screen in a real terminal: the real `bin/device-login.js login` runs in a tmux pane against
// the embedded server, and what the pane shows is read back as a person (and a phone) would see it.
// At 80×24 the whole screen must be on it, QR code included, and the QR code must scan (decoded from
// the pane's text); shrunk to 60×16 the screen is drawn again without the QR code, saying why; grown
// again, the QR code comes back; and approving on the phone ends it with the signed-in line.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { TMUX } from '../../scripts/system-parts.ts';
import { startServer } from '../../server/app.ts';
import { cleanupAfterEach, within } from '../fixtures/lifecycle.ts';
import { describeWith } from '../fixtures/needs.ts';
import { approve } from '../fixtures/phone.ts';
import { decodeScreen } from './screen-qr.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const { defer, tempDir } = cleanupAfterEach();

/** The letter-spaced code in its box, e.g. `│   W D J B - M J H T   │`. */
const CODE_BOX = /│\s+((?:[A-Z] ){4}- (?:[A-Z] ){3}[A-Z])\s+│/;

describeWith([TMUX], 'device-login login in a real terminal (tmux)', () => {
  it(
    'fits an 80×24 terminal with a QR code that scans, and redraws without it, saying why, when the terminal shrinks',
    async () => {
      const data = await tempDir('device-login-tmux-server-');
      const home = await tempDir('device-login-tmux-home-');
      const server = await startServer({ port: 0, dataDir: data, interval: 1 });
      defer(() => server.close());

      // Its own tmux server on its own socket: nobody else's sessions are touched, and one kill ends it all.
      const socket = join(home, 'tmux.sock');
      const env = { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: home, LANG: 'C.UTF-8' };
      const tmux = (...args: string[]) => {
        const result = spawnSync('tmux', ['-S', socket, ...args], { env, encoding: 'utf8' });
        if (result.status !== 0) throw new Error(`tmux ${args[0]} failed: ${result.stderr}`);
        return result.stdout;
      };
      const command = [
        process.execPath,
        'bin/device-login.js',
        'login',
        '--issuer',
        server.issuer,
        '--client-id',
        server.clientId,
        '--store',
        join(home, 'tokens.json'),
      ].join(' ');
      // After the command the pane stays, so that an early exit can be read in the failure message.
      tmux('-u', 'new-session', '-d', '-x', '80', '-y', '24', '-s', 'login', '-c', ROOT, `${command}; echo "[exit $?]"; sleep 60`);
      defer(() => void spawnSync('tmux', ['-S', socket, 'kill-server'], { env }));

      const pane = () => tmux('capture-pane', '-p', '-t', 'login');
      /** Polls the pane until `ready` says yes (bounded); returns the pane as it was then. */
      const paneWhen = (ready: (text: string) => boolean, what: string) =>
        within(
          (async () => {
            for (;;) {
              const text = pane();
              if (ready(text)) return text;
              await new Promise((resolve) => setTimeout(resolve, 100));
            }
          })(),
          20_000,
          () => `${what}; the pane shows:\n${pane()}`,
        );

      const first = await paneWhen((t) => CODE_BOX.test(t) && t.includes('Waiting for approval'), 'the code screen');
      const code = CODE_BOX.exec(first)![1]!.replace(/ /g, '');
      const lines = first.replace(/\n$/, '').split('\n');
      expect(lines.length).toBeLessThanOrEqual(24);
      // The whole QR code is on screen, first row to last: the pane's text decodes to the complete URI
      // (the server's link to this code, with its mark `k` that lets a scanned link past the guessing limits).
      const complete = String(decodeScreen(first, { color: true }));
      const decoded = new URL(complete);
      expect(`${decoded.origin}${decoded.pathname}`, first).toBe(`${server.issuer}/device`);
      expect(decoded.searchParams.get('user_code'), first).toBe(code);
      expect(decoded.searchParams.get('k'), first).toMatch(/^[\w-]{8}$/);
      expect(first).toContain(`${server.issuer}/device`);

      tmux('resize-window', '-t', 'login', '-x', '60', '-y', '16');
      // The screen and its status line are two writes: wait for both (a capture may fall between them).
      const small = await paneWhen((t) => t.includes('too small') && t.includes('Waiting for approval'), 'the screen drawn again for 60×16');
      expect(small).not.toMatch(/[▀▄█]/);
      expect(small.replace(/\n\s*/g, ' ')).toMatch(/This terminal \(60×16\) is too small for the QR code: make it at least \d+×\d+ to scan one\./);
      expect(small).toContain(`${server.issuer}/device`);
      expect(CODE_BOX.exec(small)?.[1]?.replace(/ /g, '')).toBe(code);
      expect(small).toMatch(/Waiting for approval/);

      tmux('resize-window', '-t', 'login', '-x', '100', '-y', '30');
      const large = await paneWhen((t) => /[▀▄█]/.test(t) && CODE_BOX.test(t), 'the QR code back at 100×30');
      expect(decodeScreen(large, { color: true }), large).toBe(complete);

      const page = await approve(complete, server.demoUser!);
      expect(page.page).toBe('success');
      const done = await paneWhen((t) => t.includes('[exit '), 'login to end');
      expect(done).toContain('✓ Signed in to');
      expect(done).toContain('[exit 0]');
    },
    60_000,
  );
});
