// The Electron shell's security rules as small functions of plain values (and, for permissions, of a
// session's hooks), so that they are unit-tested without the Electron binary (which cannot be
// downloaded on our build machines). main.ts and windows.ts only wire them in.
import { isAbsolute, normalize, relative, resolve, sep } from 'node:path';
import type { Logger } from '../core/ports.ts';

/** The privileged scheme the TV renderer is served from (not file://, whose origin every local file shares). */
export const APP_SCHEME = 'app';
/** The TV renderer's base URL in a built app. */
export const TV_BASE_URL = `${APP_SCHEME}://tv/`;

/**
 * Scheme + host (with port) of a URL, or undefined when it does not parse. WHATWG URL gives custom
 * schemes such as app:// the opaque origin "null", so origins are compared by this key instead.
 */
export function locationKey(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (!parsed.host) return undefined;
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return undefined;
  }
}

/** True when `url` is on the same scheme and host as `base` (the TV's own pages). */
export function isSameLocation(url: string, base: string): boolean {
  const key = locationKey(url);
  return key !== undefined && key === locationKey(base);
}

/** The TV window never leaves its own pages (an in-app reload is the only navigation it needs). */
export function tvMayNavigate(target: string, tvBase: string): boolean {
  return isSameLocation(target, tvBase);
}

/**
 * Whether main may hand `url` to the system browser (shell.openExternal) for a sign-in on this
 * computer: only http(s), and only on the authorization endpoint's own scheme and host, so that the
 * TV's sign-in can never make the system open another site, a file or another app's scheme.
 */
export function mayOpenForSignIn(url: string, authorizationEndpoint: string | undefined): boolean {
  if (!authorizationEndpoint || !/^https?:$/.test(safeProtocol(url))) return false;
  return isSameLocation(url, authorizationEndpoint);
}

function safeProtocol(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return '';
  }
}

/**
 * The origins the phone window may show for one code: those of `verification_uri` and
 * `verification_uri_complete`, and only http(s). Plain http is allowed for loopback only (the
 * embedded server), so a provider's page cannot be downgraded.
 */
export function phoneOrigins(code: { verificationUri: string; verificationUriComplete?: string } | undefined): string[] {
  if (!code) return [];
  const out = new Set<string>();
  for (const url of [code.verificationUri, code.verificationUriComplete]) {
    if (!url) continue;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      continue;
    }
    if (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLoopback(parsed.hostname))) {
      out.add(parsed.origin);
    }
  }
  return [...out];
}

/** The phone window may go only to the verification origins of the code on screen. */
export function phoneMayNavigate(target: string, allowedOrigins: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(target);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  if (parsed.username || parsed.password) return false;
  return allowedOrigins.includes(parsed.origin);
}

/** What to do with a window.open / target=_blank: never a new window; the phone may follow in place. */
export function windowOpenDecision(
  window: 'tv' | 'phone',
  target: string,
  allowedPhoneOrigins: readonly string[],
): { action: 'deny'; loadInPlace: boolean } {
  return { action: 'deny', loadInPlace: window === 'phone' && phoneMayNavigate(target, allowedPhoneOrigins) };
}

/** The permission hooks of an Electron session (structural, so that a test can record them). */
export type PermissionHooks = Pick<
  Electron.Session,
  'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'
>;

/** Refuses every permission request and check in a session (camera, microphone, notifications, ...). */
export function denyAllPermissions(target: PermissionHooks, logger: Pick<Logger, 'warn'>): void {
  target.setPermissionRequestHandler((_contents, permission, callback) => {
    logger.warn('permission request refused', { permission });
    callback(false);
  });
  target.setPermissionCheckHandler(() => false);
  target.setDevicePermissionHandler(() => false);
}

/**
 * The Content-Security-Policy header of the TV renderer's responses. It is stricter than the meta
 * tag the renderer build adds (both apply): images only from the app itself, data: URIs and the
 * resource server that serves posters.
 */
export function tvContentSecurityPolicy(options: { imageOrigins?: readonly string[] } = {}): string {
  const images = ["'self'", 'data:', ...(options.imageOrigins ?? []).filter((o) => /^https?:\/\/[^\s;,']+$/.test(o))];
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${images.join(' ')}`,
    "font-src 'self' data:",
    "connect-src 'self'",
    "media-src 'none'",
    "object-src 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/**
 * Maps a request path under app://tv/ to a file inside `root`, or undefined when it would escape it
 * (`..`, encoded separators, absolute paths). `/` is index.html.
 */
export function resolveAppFile(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const relativePath = decoded.replace(/^\/+/, '') || 'index.html';
  const base = resolve(root);
  const file = normalize(resolve(base, relativePath));
  const rel = relative(base, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return undefined;
  return file;
}

/** What main knows about the sender of an IPC message. */
export interface SenderInfo {
  /** webContents id of the sender. */
  webContentsId: number;
  /** URL of the sending frame; undefined when the frame is gone. */
  frameUrl: string | undefined;
  /** True when the sending frame is the top frame of its page (not an iframe). */
  isMainFrame: boolean;
}

/** IPC is accepted only from the TV window's own top frame showing the TV's own pages. */
export function isTrustedSender(sender: SenderInfo, tv: { webContentsId: number | undefined; base: string }): boolean {
  if (tv.webContentsId === undefined || sender.webContentsId !== tv.webContentsId) return false;
  if (!sender.isMainFrame || sender.frameUrl === undefined) return false;
  return isSameLocation(sender.frameUrl, tv.base);
}

function isLoopback(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]' || hostname === '::1';
}
