import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { isCheckNumber } from '../core/check-number.ts';
import { toDeviceLoginError } from '../core/errors.ts';
import type { Logger } from '../core/ports.ts';
import { BRIDGE_HEARTBEAT_MS, BRIDGE_ROUTES, type Language, type ViewState } from './contract.ts';
import type { DeviceController } from './device-controller.ts';
import { CONTENT_TYPES } from './mime.ts';

/** What the browser host serves and on which address. */
export interface BrowserHostOptions {
  controller: DeviceController;
  /** The built renderer (index.html and its assets), served at /tv. */
  rendererDir: string;
  /** Static files for the host page (/ with the TV and a phone frame side by side). */
  hostPageDir: string;
  /** Optional directory served at /assets (the bundled demo catalogue's posters). */
  assetsDir?: string;
  /** Whether the phone frame may embed the verification page (only the embedded server allows it). */
  phoneCanEmbed: boolean;
  /** What the side-by-side page tells the person beside the two screens (served in /host/config.json). */
  sidePage?: SidePageInfo;
  /** The account website, mounted at /account/ (account/site.ts); it answers its own requests. */
  account?: { handle(req: IncomingMessage, res: ServerResponse): Promise<void> };
  port?: number;
  host?: string;
  logger: Logger;
}

/**
 * For the person at the side-by-side page: the embedded server's demo account, and how a real phone
 * gets in: the address it must reach, or the flag that gives one. The password is the one the terminal
 * printed; JSON without CORS and the Host check keep other sites' pages from reading it.
 */
export interface SidePageInfo {
  demoUser?: { email: string; password: string };
  realPhone?: { url: string } | { hint: string };
}

export interface RunningBrowserHost {
  /** Origin of the host, e.g. http://127.0.0.1:8080 */
  origin: string;
  /** The TV page (with its trailing slash: the renderer's asset URLs are relative). */
  tvUrl: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4096;

/**
 * The browser form of the device: serves the TV renderer at /tv and the bridge of host/contract.ts
 * over HTTP + server-sent events. It listens on loopback by default, so it checks Host (against DNS
 * rebinding) and Origin (against cross-site POSTs) on every request.
 */
export async function startBrowserHost(options: BrowserHostOptions): Promise<RunningBrowserHost> {
  const { controller, logger } = options;
  const streams = new Set<ServerResponse>();
  let allowedHosts = new Set<string>();
  let canonicalHost = '';
  let allowedOrigins = new Set<string>();

  const unsubscribe = controller.onState((state) => {
    const frame = sseFrame(state);
    for (const res of streams) res.write(frame);
  });
  // A heartbeat the TV page can see (comments never reach its script): it tells the TV within seconds
  // that this process is gone or hangs, and keeps idle proxies from closing the stream.
  const keepAlive = setInterval(() => {
    for (const res of streams) res.write(HEARTBEAT_FRAME);
  }, BRIDGE_HEARTBEAT_MS);
  keepAlive.unref();

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const error = toDeviceLoginError(err);
      logger.warn('browser host request failed', { path: pathOf(req), code: error.code, error: error.message });
      if (!res.headersSent) sendJson(res, statusFor(error.code), { error: { code: error.code, message: error.message } });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res, options.phoneCanEmbed);
    if (!allowedHosts.has(req.headers.host ?? '')) {
      return sendJson(res, 421, { error: { code: 'misdirected', message: 'Unknown Host header.' } });
    }
    const path = pathOf(req);
    // A page opened under another loopback name (localhost) moves to the address the host listens on:
    // the phone frame and the QR code use 127.0.0.1, and a page on another name would be another site
    // to them (its cookies refused in the frame). Calls of the bridge are answered under either name.
    if ((req.method === 'GET' || req.method === 'HEAD') && req.headers.host !== canonicalHost && !path.startsWith('/bridge/')) {
      res.writeHead(307, { location: `http://${canonicalHost}${req.url ?? '/'}` });
      return void res.end();
    }
    // The account website checks its own forms (a CSRF token and Origin) and sets its own policy.
    if (options.account && (path === '/account' || path.startsWith('/account/'))) return options.account.handle(req, res);
    if (req.method === 'POST') {
      // Same origin only: the origins are the allowed hosts over http, whichever loopback name was typed.
      if (!allowedOrigins.has(req.headers.origin ?? '')) {
        return sendJson(res, 403, { error: { code: 'forbidden', message: 'Cross-origin request refused.' } });
      }
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        return sendJson(res, 415, { error: { code: 'unsupported_media_type', message: 'Send application/json.' } });
      }
      const body = await readJsonBody(req);
      if (body === TOO_LARGE) {
        return sendJson(res, 413, { error: { code: 'too_large', message: 'Request body too large.' } });
      }
      switch (path) {
        case BRIDGE_ROUTES.signIn:
          controller.signIn();
          return sendJson(res, 202, { ok: true });
        case BRIDGE_ROUTES.signInOnThisComputer: {
          // The TV of a loopback host runs on this computer, whose browser can reach the loopback
          // redirect; a request from elsewhere (a host on another interface) is refused, as the
          // ViewState does not offer it there either.
          if (!controller.getState().canSignInOnThisComputer || !isLoopbackAddress(req.socket.remoteAddress)) {
            return sendJson(res, 409, { error: { code: 'not_available', message: 'Signing in through a browser on this computer is not offered here.' } });
          }
          // The address goes back to the page, which opens it in a new tab itself (a tab opened by a
          // page needs the person's press; this process could only open another browser). That is
          // safe: it is the request the browser sends to the authorization server anyway, in its
          // address bar and history; it carries the client id, the loopback redirect, a PKCE
          // challenge (a hash: the verifier stays here), a state and a nonce, and never a code or a
          // token. The code comes back to this process's loopback listener, not to the page, and only
          // this process can exchange it (the verifier). Same-origin POST only (checked above).
          const authorizationUrl = await controller.signInOnThisComputer();
          return sendJson(res, 200, authorizationUrl ? { authorizationUrl } : {});
        }
        case BRIDGE_ROUTES.cancel:
          controller.cancel();
          return sendJson(res, 202, { ok: true });
        case BRIDGE_ROUTES.newCode:
          controller.newCode();
          return sendJson(res, 202, { ok: true });
        case BRIDGE_ROUTES.checkNumber: {
          const checkNumber = (body as { checkNumber?: unknown } | undefined)?.checkNumber;
          if (!isCheckNumber(checkNumber)) {
            return sendJson(res, 400, { error: { code: 'invalid_request', message: 'checkNumber must be two digits.' } });
          }
          controller.enterCheckNumber(checkNumber);
          return sendJson(res, 202, { ok: true });
        }
        case BRIDGE_ROUTES.signOut:
          await controller.signOut();
          return sendJson(res, 200, { ok: true });
        case BRIDGE_ROUTES.language: {
          const language = (body as { language?: unknown } | undefined)?.language;
          if (language !== 'en' && language !== 'zh-TW') {
            return sendJson(res, 400, {
              error: { code: 'invalid_request', message: 'language must be "en" or "zh-TW".' },
            });
          }
          controller.setLanguage(language as Language);
          return sendJson(res, 200, { ok: true });
        }
        default:
          return sendJson(res, 404, { error: { code: 'not_found', message: `No route POST ${path}.` } });
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD, POST');
      return sendJson(res, 405, { error: { code: 'method_not_allowed', message: 'Method not allowed.' } });
    }
    switch (path) {
      case BRIDGE_ROUTES.state:
        return sendJson(res, 200, controller.getState());
      case BRIDGE_ROUTES.events:
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
        });
        res.write('retry: 1000\n\n');
        res.write(sseFrame(controller.getState()));
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      case BRIDGE_ROUTES.catalog:
        return sendJson(res, 200, await controller.getCatalog());
      case '/tv':
        // The renderer's assets are relative (./assets/...), as Electron's file loading needs: keep the slash.
        res.writeHead(308, { location: '/tv/' });
        return void res.end();
      case '/tv/':
        return sendFile(res, join(options.rendererDir, 'index.html'));
      case '/':
        return sendFile(res, join(options.hostPageDir, 'index.html'));
      case '/host/config.json':
        return sendJson(res, 200, { phoneCanEmbed: options.phoneCanEmbed, ...options.sidePage });
    }
    if (path.startsWith('/tv/')) return sendStatic(res, options.rendererDir, path.slice('/tv/'.length));
    if (path.startsWith('/host/')) return sendStatic(res, options.hostPageDir, path.slice('/host/'.length));
    if (path.startsWith('/assets/') && options.assetsDir) {
      return sendStatic(res, options.assetsDir, path.slice('/assets/'.length));
    }
    return sendJson(res, 404, { error: { code: 'not_found', message: `Nothing at ${path}.` } });
  }

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const address = server.address() as AddressInfo;
  const hostName = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `http://${hostName}:${address.port}`;
  canonicalHost = `${hostName}:${address.port}`;
  allowedHosts = new Set([canonicalHost, `localhost:${address.port}`]);
  allowedOrigins = new Set([...allowedHosts].map((host) => `http://${host}`));

  return {
    origin,
    tvUrl: `${origin}/tv/`,
    async close() {
      clearInterval(keepAlive);
      unsubscribe();
      for (const res of streams) res.end();
      streams.clear();
      await new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeAllConnections();
      });
    },
  };
}

/** The peer is this machine (IPv4 loopback, IPv6 ::1, or IPv4-mapped loopback). */
function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return plain === '::1' || /^127\./.test(plain);
}

/** Not signed in is the caller's state; a failing provider or resource server is upstream's (502). */
function statusFor(code: string): number {
  if (code === 'not_signed_in' || code === 'no_refresh_token') return 401;
  if (['network', 'timeout', 'invalid_response', 'catalog_unavailable', 'server_error'].includes(code)) return 502;
  return 500;
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://host').pathname;
  } catch {
    return '/';
  }
}

/** An event without a data line is never dispatched to the page (HTML, server-sent events): hence the empty one. */
const HEARTBEAT_FRAME = 'event: heartbeat\ndata:\n\n';

function sseFrame(state: ViewState): string {
  return `event: state\ndata: ${JSON.stringify(state)}\n\n`;
}

function setSecurityHeaders(res: ServerResponse, phoneCanEmbed: boolean): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader(
    'content-security-policy',
    [
      "default-src 'self'",
      "img-src 'self' data: http: https:",
      "style-src 'self' 'unsafe-inline'",
      "script-src 'self'",
      "connect-src 'self'",
      // The side-by-side page frames /tv and, with the embedded server, its verification page.
      `frame-src 'self'${phoneCanEmbed ? ' http: https:' : ''}`,
      "frame-ancestors 'self'",
      "base-uri 'none'",
      "form-action 'self'",
    ].join('; '),
  );
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

const TOO_LARGE = Symbol('too large');

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return TOO_LARGE;
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function sendStatic(res: ServerResponse, root: string, relative: string): Promise<void> {
  const base = resolve(root);
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    // A broken escape (%E0%A4%A, %FF) is the caller's mistake: 400, not a 500 with a stack in the log.
    return sendJson(res, 400, { error: { code: 'invalid_request', message: 'The path has a malformed percent-escape.' } });
  }
  const file = normalize(join(base, decoded));
  if (file !== base && !file.startsWith(base + sep)) {
    return sendJson(res, 404, { error: { code: 'not_found', message: 'Not found.' } });
  }
  return sendFile(res, file, /[.-][0-9a-zA-Z_-]{8,}\.(js|css)$/.test(file));
}

async function sendFile(res: ServerResponse, file: string, immutable = false): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    if (file.endsWith('index.html')) {
      const hint = 'The TV app is not built yet: run `npm run build` (device-login web builds it on start).';
      return sendJson(res, 503, { error: { code: 'not_built', message: hint } });
    }
    return sendJson(res, 404, { error: { code: 'not_found', message: 'Not found.' } });
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': info.size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  createReadStream(file).pipe(res);
}
