// When a browser can run here, and opening one through the test hook (DEVICE_LOGIN_OPEN_COMMAND).
import { mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openBrowser, whyNoBrowser } from '../../host/open-browser.ts';

describe('whyNoBrowser', () => {
  it('names an SSH session and a Linux without a display; a display, macOS and Windows can open one', () => {
    expect(whyNoBrowser({ SSH_CONNECTION: '1 2 3 4', DISPLAY: ':0' }, 'linux')).toBe('this is an SSH session');
    expect(whyNoBrowser({ SSH_TTY: '/dev/pts/1' }, 'darwin')).toBe('this is an SSH session');
    expect(whyNoBrowser({}, 'linux')).toMatch(/no display/);
    expect(whyNoBrowser({ DISPLAY: ':0' }, 'linux')).toBeUndefined();
    expect(whyNoBrowser({ WAYLAND_DISPLAY: 'wayland-0' }, 'freebsd')).toBeUndefined();
    expect(whyNoBrowser({}, 'darwin')).toBeUndefined();
    expect(whyNoBrowser({}, 'win32')).toBeUndefined();
  });
});

describe('openBrowser', () => {
  it('runs the opener with the address as its one argument, and says false (not throwing) when it cannot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'device-login-open-'));
    try {
      const script = join(dir, 'open.sh');
      await writeFile(script, `#!/bin/sh\nprintf '%s' "$1" > "${dir}/url"\n`);
      await chmod(script, 0o755);
      const url = 'http://127.0.0.1:1/authorize?a=1&b=2';
      expect(await openBrowser(url, { DEVICE_LOGIN_OPEN_COMMAND: script }, 'linux')).toBe(true);
      expect(await readFile(join(dir, 'url'), 'utf8')).toBe(url);
      expect(await openBrowser(url, { DEVICE_LOGIN_OPEN_COMMAND: join(dir, 'missing') }, 'linux')).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
