// The Electron shell's security rules (electron/security.ts): the decisions main.ts and windows.ts
// wire into will-navigate, setWindowOpenHandler, the app:// protocol and ipcMain, and the permission
// handlers installed on a session (here one that records them). The Electron binary cannot run here,
// so the window wiring itself is checked by electronegativity (scripts/electronegativity.ts), by
// test/electron/main-wiring.test.ts and by e2e/electron.spec.ts where Electron exists.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  denyAllPermissions,
  isTrustedSender,
  mayOpenForSignIn,
  type PermissionHooks,
  phoneMayNavigate,
  phoneOrigins,
  resolveAppFile,
  TV_BASE_URL,
  tvContentSecurityPolicy,
  tvMayNavigate,
  windowOpenDecision,
} from '../../electron/security.ts';

describe('navigation allow-list', () => {
  it('keeps the TV on its own app:// pages', () => {
    expect(tvMayNavigate('app://tv/index.html', TV_BASE_URL)).toBe(true);
    expect(tvMayNavigate('app://tv/index.html?x=1#home', TV_BASE_URL)).toBe(true);
    expect(tvMayNavigate('app://other/index.html', TV_BASE_URL)).toBe(false);
    expect(tvMayNavigate('https://example.com/', TV_BASE_URL)).toBe(false);
    expect(tvMayNavigate('file:///etc/passwd', TV_BASE_URL)).toBe(false);
    expect(tvMayNavigate('javascript:alert(1)', TV_BASE_URL)).toBe(false);
    expect(tvMayNavigate('not a url', TV_BASE_URL)).toBe(false);
  });

  it('keeps the TV on the dev server origin in development, port included', () => {
    expect(tvMayNavigate('http://localhost:5173/src/main.tsx', 'http://localhost:5173/')).toBe(true);
    expect(tvMayNavigate('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
  });

  it('allows the phone only the origins of verification_uri and verification_uri_complete', () => {
    const origins = phoneOrigins({
      verificationUri: 'https://login.example.com/device',
      verificationUriComplete: 'https://login.example.com/device?user_code=ABCD-EFGH',
    });
    expect(origins).toEqual(['https://login.example.com']);
    expect(phoneMayNavigate('https://login.example.com/device/confirm', origins)).toBe(true);
    expect(phoneMayNavigate('https://login.example.com:8443/device', origins)).toBe(false);
    expect(phoneMayNavigate('http://login.example.com/device', origins)).toBe(false);
    expect(phoneMayNavigate('https://evil.example/device', origins)).toBe(false);
    expect(phoneMayNavigate('https://user:pw@login.example.com/device', origins)).toBe(false);
    expect(phoneMayNavigate('data:text/html,hi', origins)).toBe(false);
    expect(phoneMayNavigate('app://tv/index.html', origins)).toBe(false);
  });

  it('accepts plain http for the phone only on loopback (the embedded server)', () => {
    expect(phoneOrigins({ verificationUri: 'http://127.0.0.1:8787/device' })).toEqual(['http://127.0.0.1:8787']);
    expect(phoneOrigins({ verificationUri: 'http://localhost:8787/device' })).toEqual(['http://localhost:8787']);
    expect(phoneOrigins({ verificationUri: 'http://login.example.com/device' })).toEqual([]);
    expect(phoneOrigins({ verificationUri: 'javascript:alert(1)' })).toEqual([]);
    expect(phoneOrigins(undefined)).toEqual([]);
  });

  it('never opens a new window; the phone follows an allowed link in place', () => {
    const origins = ['https://login.example.com'];
    expect(windowOpenDecision('tv', 'https://login.example.com/x', origins)).toEqual({ action: 'deny', loadInPlace: false });
    expect(windowOpenDecision('phone', 'https://login.example.com/x', origins)).toEqual({ action: 'deny', loadInPlace: true });
    expect(windowOpenDecision('phone', 'https://evil.example/x', origins)).toEqual({ action: 'deny', loadInPlace: false });
  });
});

describe('permissions', () => {
  it('installs handlers on the session that refuse every request, check and device, and log each request', async () => {
    // A session that records the handlers Electron would call, as main and windows.ts install them.
    const installed: {
      request?: Parameters<PermissionHooks['setPermissionRequestHandler']>[0];
      check?: Parameters<PermissionHooks['setPermissionCheckHandler']>[0];
      device?: Parameters<PermissionHooks['setDevicePermissionHandler']>[0];
    } = {};
    const session: PermissionHooks = {
      setPermissionRequestHandler: (handler) => void (installed.request = handler),
      setPermissionCheckHandler: (handler) => void (installed.check = handler),
      setDevicePermissionHandler: (handler) => void (installed.device = handler),
    };
    const warnings: string[] = [];
    denyAllPermissions(session, { warn: (message, fields) => void warnings.push(`${message} ${JSON.stringify(fields)}`) });

    const permissions = ['media', 'geolocation', 'notifications', 'clipboard-read', 'midi', 'openExternal', 'fullscreen'];
    for (const permission of permissions) {
      // Electron passes a webContents and details objects; the handlers must not need them to refuse.
      const granted = await new Promise((resolve) => installed.request?.({} as never, permission as never, resolve, {} as never));
      expect(granted, permission).toBe(false);
      expect(installed.check?.(null, permission as never, 'app://tv', {} as never), permission).toBe(false);
    }
    expect(installed.device?.({ deviceType: 'usb', origin: 'app://tv' } as never)).toBe(false);
    expect(warnings).toHaveLength(permissions.length);
    expect(warnings[0]).toContain('"permission":"media"');
  });
});

describe('the Content-Security-Policy of the TV renderer', () => {
  it('allows scripts and styles only from the app, images from the resource server, and nothing else', () => {
    const csp = tvContentSecurityPolicy({ imageOrigins: ['http://127.0.0.1:8787'] });
    const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives.get('default-src')).toBe("'none'");
    expect(directives.get('script-src')).toBe("'self'");
    expect(directives.get('style-src')).toBe("'self'");
    expect(directives.get('img-src')).toBe("'self' data: http://127.0.0.1:8787");
    expect(directives.get('object-src')).toBe("'none'");
    expect(directives.get('frame-ancestors')).toBe("'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
  });

  it('drops an image origin that would inject another directive', () => {
    const csp = tvContentSecurityPolicy({ imageOrigins: ["http://x; script-src 'unsafe-inline'", 'https://ok.example'] });
    expect(csp).toContain("img-src 'self' data: https://ok.example;");
    expect(csp).not.toContain('unsafe-inline');
  });
});

describe('app:// file resolution', () => {
  const root = '/srv/out/renderer';

  it('maps paths inside the renderer build, / to index.html', () => {
    expect(resolveAppFile(root, '/')).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, '/index.html')).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, '/assets/index-abc.js')).toBe(join(root, 'assets/index-abc.js'));
  });

  it('refuses every way out of the build directory', () => {
    for (const path of ['/../secret', '/assets/../../secret', '/%2e%2e/secret', '/..%2fsecret', '/a%5c..%5c..%5csecret', '/%00', '/%zz']) {
      expect(resolveAppFile(root, path), path).toBeUndefined();
    }
  });
});

describe('IPC sender check', () => {
  const tv = { webContentsId: 7, base: TV_BASE_URL };

  it('accepts the TV window top frame on its own pages', () => {
    expect(isTrustedSender({ webContentsId: 7, frameUrl: 'app://tv/index.html', isMainFrame: true }, tv)).toBe(true);
  });

  it('refuses other windows, iframes, foreign pages and gone frames', () => {
    expect(isTrustedSender({ webContentsId: 8, frameUrl: 'app://tv/index.html', isMainFrame: true }, tv)).toBe(false);
    expect(isTrustedSender({ webContentsId: 7, frameUrl: 'app://tv/index.html', isMainFrame: false }, tv)).toBe(false);
    expect(isTrustedSender({ webContentsId: 7, frameUrl: 'https://evil.example/', isMainFrame: true }, tv)).toBe(false);
    expect(isTrustedSender({ webContentsId: 7, frameUrl: undefined, isMainFrame: true }, tv)).toBe(false);
    expect(
      isTrustedSender({ webContentsId: 7, frameUrl: 'app://tv/index.html', isMainFrame: true }, { ...tv, webContentsId: undefined }),
    ).toBe(false);
  });
});

describe('mayOpenForSignIn (shell.openExternal for a sign-in on this computer)', () => {
  const endpoint = 'https://login.example.com/oauth2/authorize';
  it('opens only http(s) addresses on the authorization endpoint’s scheme and host', () => {
    expect(mayOpenForSignIn('https://login.example.com/oauth2/authorize?client_id=tv&state=x', endpoint)).toBe(true);
    expect(mayOpenForSignIn('http://127.0.0.1:9000/auth?client_id=tv', 'http://127.0.0.1:9000/auth')).toBe(true);
  });
  it('refuses another host, port or scheme, a downgrade, and anything without an authorization endpoint', () => {
    expect(mayOpenForSignIn('https://evil.example/oauth2/authorize', endpoint)).toBe(false);
    expect(mayOpenForSignIn('https://login.example.com:8443/oauth2/authorize', endpoint)).toBe(false);
    expect(mayOpenForSignIn('http://login.example.com/oauth2/authorize', endpoint)).toBe(false);
    expect(mayOpenForSignIn('file:///etc/passwd', 'file:///etc/passwd')).toBe(false);
    expect(mayOpenForSignIn('javascript:alert(1)', endpoint)).toBe(false);
    expect(mayOpenForSignIn('not a url', endpoint)).toBe(false);
    expect(mayOpenForSignIn('https://login.example.com/oauth2/authorize', undefined)).toBe(false);
  });
});
