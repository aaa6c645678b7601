// The account website (/account/): a confidential OAuth client that signs a person in with the
// authorization code flow (PKCE S256, state, nonce, iss checked by core/authorization-code.ts), trades
// the code on this server, keeps the tokens in this process's memory, and shows "Hi, {name}", the
// catalogue and "Your devices" (the embedded server's devices API), each device with "Sign out this
// device". It reaches the authorization server only over HTTP; the browser host mounts it.
import type { IncomingMessage, ServerResponse } from 'node:http';

import { authorizationCodeGrant, buildAuthorizationUrl, validateAuthResponse } from '../core/authorization-code.ts';
import { toDeviceLoginError } from '../core/errors.ts';
import type { Clock, HttpClient, Logger, Ports } from '../core/ports.ts';
import { createProtocol } from '../core/protocol.ts';
import type { ClientSettings, Endpoints, Protocol, TokenSet } from '../core/types.ts';
import { createMemoryTokenStore } from '../host/memory-token-store.ts';
import { callResourceServer, type ApiAnswer } from './client.ts';
import { LANG_COOKIE, messages, pickLang, type Lang, type Messages } from './i18n.ts';
import { endPage, homePage, signingInPage, startPage, STYLE_HASH, type CatalogueView, type DeviceEntry, type DevicesView } from './pages.ts';
import { csrfMatches, SessionTable, type AccountSession, type SessionLimits } from './sessions.ts';

/** Where the site lives under the browser host. */
export const ACCOUNT_PATH = '/account/';
/**
 * The session cookie's name: its own, so it never meets oidc-provider's (_session, _interaction, ...)
 * when both run on one host name (cookies do not tell ports apart).
 */
export const SESSION_COOKIE = 'dl_account_sid';
/** The state sent with RP-initiated logout, so the start page can say "You are signed out" on return. */
const SIGNED_OUT_STATE = 'signed-out';
const MAX_FORM_BYTES = 4096;
/** Refresh this long before the access token's stated end, so no call goes out with a dying token. */
const REFRESH_MARGIN_MS = 30_000;

/** What the site needs: the server as resolved, its own client, and where it is reached. */
export interface AccountSiteOptions {
  endpoints: Endpoints;
  /**
   * The site's own client: id, secret, scope, extra authorization parameters. With a secret and no
   * tokenEndpointAuthMethod it authenticates with client_secret_basic, as the embedded server registers it.
   */
  client: ClientSettings;
  /** The name people know the server by, for "Your devices are managed by …". */
  providerName: string;
  /** The embedded server's resource server (catalogue and devices API); a provider has none. */
  resourceServer?: string;
  /** The site's origin (scheme://host:port): known only once the browser host listens. */
  origin: () => string;
  http: HttpClient;
  clock: Clock;
  logger: Logger;
  sessionLimits?: SessionLimits;
}

/** The mounted site. */
export interface AccountSite {
  /** Answers a request whose path is /account or under /account/. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** The redirect URI the site's client must have registered. */
  redirectUri(): string;
  /** Where RP-initiated logout returns to (the start page). */
  postLogoutRedirectUri(): string;
  /** Sessions held (diagnostics and tests). */
  sessionCount(): number;
}

/** Why a page cannot be shown with the session's tokens: the sign-in ended (refresh refused). */
class SessionEnded extends Error {}

/** A request's parsed bits that every route needs. */
interface Visit {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  query: URLSearchParams;
  lang: Lang;
  m: Messages;
  session: AccountSession | undefined;
}

/** Builds the account website over one server and client. */
export function createAccountSite(options: AccountSiteOptions): AccountSite {
  const { endpoints, logger, http } = options;
  const client: ClientSettings = {
    ...(options.client.clientSecret ? { tokenEndpointAuthMethod: 'client_secret_basic' as const } : {}),
    ...options.client,
  };
  const sessions = new SessionTable(() => options.clock.now(), options.sessionLimits);
  const ports: Ports = { http, clock: options.clock, store: createMemoryTokenStore(), logger };
  const protocol: Protocol = createProtocol({ endpoints, client, ports });
  const redirectUri = () => `${options.origin()}${ACCOUNT_PATH}callback`;
  const postLogoutRedirectUri = () => `${options.origin()}${ACCOUNT_PATH}`;
  const secure = () => options.origin().startsWith('https:');
  // Forms go to this site; after Sign in and Sign out they are redirected to the server, and browsers
  // apply form-action to those redirects too.
  const formTargets = new Set<string>(["'self'"]);
  for (const url of [endpoints.authorizationEndpoint, endpoints.issuer]) if (url) formTargets.add(new URL(url).origin);

  function setCookie(res: ServerResponse, name: string, value: string, maxAgeSeconds?: number): void {
    const parts = [`${name}=${value}`, 'Path=/account', 'HttpOnly', 'SameSite=Lax'];
    if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${maxAgeSeconds}`);
    if (secure()) parts.push('Secure');
    const previous = res.getHeader('set-cookie');
    const list = Array.isArray(previous) ? previous : previous ? [String(previous)] : [];
    res.setHeader('set-cookie', [...list, parts.join('; ')]);
  }

  function sendHtml(visit: Visit, status: number, html: string): void {
    const { res } = visit;
    res.setHeader(
      'content-security-policy',
      [
        "default-src 'none'",
        `style-src ${STYLE_HASH}`,
        // The picture and the posters are the resource server's (another origin) or a provider's.
        "img-src 'self' data: http: https:",
        `form-action ${[...formTargets].join(' ')}`,
        "frame-ancestors 'none'",
        "base-uri 'none'",
      ].join('; '),
    );
    res.setHeader('x-frame-options', 'DENY');
    // Not no-referrer: under it browsers send "Origin: null" with this site's own forms, whose Origin
    // is checked. Other origins (the server, the posters' host) still get no referrer, so the callback's
    // code never leaves in one.
    res.setHeader('referrer-policy', 'same-origin');
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-language': visit.lang });
    res.end(html);
  }

  function redirect(res: ServerResponse, location: string): void {
    res.writeHead(303, { location, 'cache-control': 'no-store' });
    res.end();
  }

  /** The visit's session, created (with its cookie) when it has none: every page with a form needs one. */
  function sessionOf(visit: Visit): AccountSession {
    if (visit.session) return visit.session;
    const session = sessions.create();
    setCookie(visit.res, SESSION_COOKIE, session.id);
    visit.session = session;
    return session;
  }

  function endPageFor(visit: Visit, status: number, page: string, kind: 'bad' | 'wait' | 'ok', title: string, lead: string): void {
    sendHtml(visit, status, endPage({ lang: visit.lang, m: visit.m, csrf: sessionOf(visit).csrf, kind, page, title, lead }));
  }

  // ---- tokens ----

  function endSignIn(session: AccountSession): void {
    delete session.tokens;
    delete session.profile;
    delete session.deviceNames;
  }

  async function refresh(session: AccountSession): Promise<TokenSet> {
    const current = session.tokens;
    if (!current?.refreshToken) {
      endSignIn(session);
      throw new SessionEnded();
    }
    const refreshToken = current.refreshToken;
    session.refreshing ??= protocol
      .refreshTokenGrant(refreshToken)
      .then((tokens) => {
        // A server that does not rotate keeps the refresh token; the id_token stays for logout's hint.
        const next: TokenSet = { ...tokens, refreshToken: tokens.refreshToken ?? refreshToken };
        const idToken = tokens.idToken ?? current.idToken;
        if (idToken) next.idToken = idToken;
        session.tokens = next;
        return next;
      })
      .catch((err: unknown) => {
        const error = toDeviceLoginError(err);
        if (error.code === 'network' || error.code === 'timeout') throw error;
        logger.info('account site: a session ended (its refresh was refused)', { code: error.code });
        endSignIn(session);
        throw new SessionEnded();
      })
      .finally(() => {
        delete session.refreshing;
      });
    return session.refreshing;
  }

  async function freshTokens(session: AccountSession): Promise<TokenSet> {
    const tokens = session.tokens;
    if (!tokens) throw new SessionEnded();
    if (tokens.expiresAt === undefined || tokens.expiresAt - REFRESH_MARGIN_MS > options.clock.now()) return tokens;
    return refresh(session);
  }

  /** A resource-server call with the session's token, refreshed once when the server says it is no longer good. */
  async function api(session: AccountSession, method: 'GET' | 'DELETE', path: string): Promise<ApiAnswer> {
    const base = options.resourceServer!;
    const tokens = await freshTokens(session);
    const answer = await callResourceServer(http, base, method, path, tokens.accessToken);
    if (answer.status !== 401) return answer;
    const again = await callResourceServer(http, base, method, path, (await refresh(session)).accessToken);
    if (again.status === 401) {
      endSignIn(session);
      throw new SessionEnded();
    }
    return again;
  }

  // ---- routes ----

  async function home(visit: Visit): Promise<void> {
    const session = visit.session;
    const { lang, m } = visit;
    if (!session?.tokens || !session.profile) {
      const flash = visit.query.get('state') === SIGNED_OUT_STATE ? { kind: 'ok' as const, text: m.signedOutLead } : takeFlash(session);
      const page = visit.query.get('state') === SIGNED_OUT_STATE ? 'signed-out' : 'start';
      return sendHtml(visit, 200, startPage({ lang, m, csrf: sessionOf(visit).csrf, page, ...(flash ? { flash } : {}) }));
    }
    let catalogue: CatalogueView | 'unavailable' | undefined;
    let devices: DevicesView;
    try {
      [catalogue, devices] = await Promise.all([loadCatalogue(session), loadDevices(session)]);
    } catch (err) {
      if (err instanceof SessionEnded) return sessionEnded(visit);
      throw err;
    }
    const flash = takeFlash(session);
    sendHtml(visit, 200, homePage({ lang, m, csrf: session.csrf, profile: session.profile, devices, ...(catalogue ? { catalogue } : {}), ...(flash ? { flash } : {}) }));
  }

  async function loadCatalogue(session: AccountSession): Promise<CatalogueView | 'unavailable' | undefined> {
    if (!options.resourceServer) return undefined;
    try {
      const answer = await api(session, 'GET', '/api/catalog');
      const rows = (answer.body as { rows?: unknown } | undefined)?.rows;
      return answer.status === 200 && Array.isArray(rows) ? (answer.body as CatalogueView) : 'unavailable';
    } catch (err) {
      if (err instanceof SessionEnded) throw err;
      logger.warn('account site: the catalogue could not be loaded', { error: (err as Error).message });
      return 'unavailable';
    }
  }

  async function loadDevices(session: AccountSession): Promise<DevicesView> {
    if (!options.resourceServer) return { kind: 'provider', provider: options.providerName };
    try {
      const answer = await api(session, 'GET', '/api/devices');
      if (answer.status === 403) return { kind: 'not_allowed' };
      const list = (answer.body as { devices?: unknown } | undefined)?.devices;
      if (answer.status !== 200 || !Array.isArray(list)) return { kind: 'unavailable' };
      const devices = (list as DeviceEntry[]).filter((d) => typeof d?.id === 'string');
      session.deviceNames = new Map(devices.map((d) => [d.id, d.clientName ?? d.clientId ?? '']));
      return { kind: 'list', devices };
    } catch (err) {
      if (err instanceof SessionEnded) throw err;
      logger.warn('account site: the devices could not be loaded', { error: (err as Error).message });
      return { kind: 'unavailable' };
    }
  }

  function takeFlash(session: AccountSession | undefined) {
    const flash = session?.flash;
    if (session) delete session.flash;
    return flash;
  }

  function sessionEnded(visit: Visit): void {
    endPageFor(visit, 401, 'session-ended', 'wait', visit.m.sessionEndedTitle, visit.m.sessionEndedLead);
  }

  async function signIn(visit: Visit, session: AccountSession): Promise<void> {
    if (session.tokens) return redirect(visit.res, ACCOUNT_PATH);
    let built: Awaited<ReturnType<typeof buildAuthorizationUrl>>;
    try {
      built = await buildAuthorizationUrl(endpoints, client, redirectUri());
    } catch (err) {
      logger.warn('account site: no sign-in possible', { error: (err as Error).message });
      return endPageFor(visit, 500, 'error', 'bad', visit.m.errorTitle, (err as Error).message);
    }
    // One sign-in at a time per session: a newer one replaces an abandoned one.
    session.pending = { request: built.request };
    redirect(visit.res, built.url);
  }

  function callback(visit: Visit): void {
    const { m } = visit;
    const pending = visit.session?.pending;
    if (!visit.session || !pending || pending.code !== undefined) {
      return endPageFor(visit, 400, 'refused', 'bad', m.wrongStateTitle, m.wrongStateLead);
    }
    let answer: ReturnType<typeof validateAuthResponse>;
    try {
      answer = validateAuthResponse(visit.query, pending.request, endpoints);
    } catch (err) {
      delete visit.session.pending;
      const error = toDeviceLoginError(err);
      if (error.code === 'access_denied') return endPageFor(visit, 200, 'declined', 'bad', m.declinedTitle, m.declinedLead);
      logger.warn('account site: a sign-in answer was refused', { code: error.code, error: error.message });
      if (error.code === 'invalid_response' && visit.query.has('iss')) {
        return endPageFor(visit, 400, 'refused', 'bad', m.wrongIssuerTitle, m.wrongIssuerLead);
      }
      return endPageFor(visit, 400, 'refused', 'bad', m.errorTitle, m.errorLead);
    }
    // A state that is not this session's sign-in: refused, and the sign-in under way goes on (a forged
    // callback must not end it).
    if (answer.kind === 'wrong_state') return endPageFor(visit, 400, 'refused', 'bad', m.wrongStateTitle, m.wrongStateLead);
    pending.code = answer.code;
    sendHtml(visit, 200, signingInPage({ lang: visit.lang, m, next: `${ACCOUNT_PATH}callback/finish` }));
  }

  async function finish(visit: Visit): Promise<void> {
    const { m } = visit;
    const session = visit.session;
    const pending = session?.pending;
    if (!session || !pending?.code) return endPageFor(visit, 400, 'refused', 'bad', m.wrongStateTitle, m.wrongStateLead);
    // Used once whatever happens: a reload of this page never sends the code again.
    delete session.pending;
    let tokens: TokenSet;
    try {
      tokens = await authorizationCodeGrant({ endpoints, client, ports }, pending.request, pending.code);
    } catch (err) {
      const error = toDeviceLoginError(err);
      logger.warn('account site: the code exchange failed', { code: error.code, error: error.message });
      if (error.code === 'network' || error.code === 'timeout') return endPageFor(visit, 502, 'server-down', 'wait', m.serverDownTitle, m.serverDownLead);
      if (error.code === 'invalid_grant') return endPageFor(visit, 400, 'refused', 'bad', m.codeUsedTitle, m.codeUsedLead);
      if (error.code === 'invalid_client' || error.code === 'unauthorized_client' || error.code === 'configuration') {
        return endPageFor(visit, 502, 'error', 'bad', m.errorTitle, m.notRegisteredLead);
      }
      return endPageFor(visit, 400, 'refused', 'bad', m.errorTitle, m.errorLead);
    }
    let profile;
    try {
      profile = await protocol.fetchProfile(tokens);
    } catch (err) {
      logger.warn('account site: the profile could not be read', { error: (err as Error).message });
    }
    if (!profile) {
      await protocol.tokenRevocation(tokens).catch(() => undefined);
      return endPageFor(visit, 502, 'error', 'bad', m.errorTitle, m.errorLead);
    }
    // A new id for the signed-in session: one planted before the sign-in is worth nothing after it.
    const signedIn = sessions.renew(session);
    signedIn.tokens = tokens;
    signedIn.profile = profile;
    setCookie(visit.res, SESSION_COOKIE, signedIn.id);
    redirect(visit.res, ACCOUNT_PATH);
  }

  async function signOut(visit: Visit, session: AccountSession): Promise<void> {
    const tokens = session.tokens;
    sessions.delete(session);
    setCookie(visit.res, SESSION_COOKIE, '', 0);
    if (tokens) {
      // The site's own grant: its tokens stop working even if the logout below is never confirmed.
      await protocol.tokenRevocation(tokens).catch((err: unknown) => {
        logger.warn('account site: its tokens could not be revoked', { error: (err as Error).message });
      });
    }
    const endpoint = endpoints.endSessionEndpoint;
    if (!endpoint || !tokens?.idToken) return redirect(visit.res, `${ACCOUNT_PATH}?state=${SIGNED_OUT_STATE}`);
    const url = new URL(endpoint);
    url.searchParams.set('id_token_hint', tokens.idToken);
    url.searchParams.set('post_logout_redirect_uri', postLogoutRedirectUri());
    url.searchParams.set('client_id', client.clientId);
    url.searchParams.set('state', SIGNED_OUT_STATE);
    url.searchParams.set('ui_locales', visit.lang);
    redirect(visit.res, url.href);
  }

  async function signOutDevices(visit: Visit, session: AccountSession, deviceId: string | undefined): Promise<void> {
    const { m } = visit;
    if (!session.tokens) return sessionEnded(visit);
    if (!options.resourceServer) return redirect(visit.res, ACCOUNT_PATH);
    try {
      if (deviceId === undefined) {
        const answer = await api(session, 'DELETE', '/api/devices');
        const count = (answer.body as { signedOut?: unknown } | undefined)?.signedOut;
        session.flash = answer.status === 200 && typeof count === 'number'
          ? { kind: 'ok', text: m.allSignedOut(count) }
          : { kind: 'error', text: m.devicesUnavailable };
      } else {
        const answer = await api(session, 'DELETE', `/api/devices/${encodeURIComponent(deviceId)}`);
        const name = session.deviceNames?.get(deviceId) || m.devicesTitle;
        session.flash = answer.status === 204 || answer.status === 200
          ? { kind: 'ok', text: m.deviceSignedOut(name) }
          : answer.status === 404
            ? { kind: 'error', text: m.deviceAlreadyGone }
            : { kind: 'error', text: m.devicesUnavailable };
      }
    } catch (err) {
      if (err instanceof SessionEnded) return sessionEnded(visit);
      logger.warn('account site: signing a device out failed', { error: (err as Error).message });
      session.flash = { kind: 'error', text: m.devicesUnavailable };
    }
    redirect(visit.res, ACCOUNT_PATH);
  }

  async function post(visit: Visit): Promise<void> {
    const { req, m } = visit;
    const origin = req.headers.origin;
    const form = await readForm(req);
    if (form === undefined) return endPageFor(visit, 413, 'error', 'bad', m.errorTitle, m.formExpired);
    // A form from another site (its Origin) or without this session's token changes nothing. An
    // unknown session is one that ended (idle, or this process restarted): say that.
    if (origin !== undefined && origin !== options.origin()) return endPageFor(visit, 403, 'refused', 'bad', m.errorTitle, m.formExpired);
    const session = visit.session;
    if (!session) return sessionEnded(visit);
    if (!csrfMatches(session, form.get('csrf') ?? undefined)) {
      session.flash = { kind: 'error', text: m.formExpired };
      return redirect(visit.res, ACCOUNT_PATH);
    }
    const device = /^\/account\/devices\/([A-Za-z0-9_-]{1,256})\/sign-out$/.exec(visit.path);
    if (device) return signOutDevices(visit, session, device[1]);
    switch (visit.path) {
      case '/account/sign-in':
        return signIn(visit, session);
      case '/account/sign-out':
        return signOut(visit, session);
      case '/account/devices/sign-out':
        return signOutDevices(visit, session, undefined);
      default:
        return endPageFor(visit, 404, 'not-found', 'bad', m.notFoundTitle, m.notFoundLead);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://site');
    const path = url.pathname;
    if (path === '/account') {
      res.writeHead(308, { location: `${ACCOUNT_PATH}${url.search}` });
      return void res.end();
    }
    const cookies = parseCookies(req.headers.cookie);
    const picked = pickLang(req, url.searchParams, cookies);
    const visit: Visit = { req, res, path, query: url.searchParams, lang: picked.lang, m: messages(picked.lang), session: sessions.find(cookies[SESSION_COOKIE]) };
    if (picked.chosen) setCookie(res, LANG_COOKIE, picked.lang, 365 * 24 * 3600);
    try {
      if (req.method === 'POST') return await post(visit);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD, POST');
        return endPageFor(visit, 405, 'error', 'bad', visit.m.errorTitle, visit.m.notFoundLead);
      }
      switch (path) {
        case ACCOUNT_PATH:
          return await home(visit);
        case `${ACCOUNT_PATH}callback`:
          return callback(visit);
        case `${ACCOUNT_PATH}callback/finish`:
          return await finish(visit);
        default:
          return endPageFor(visit, 404, 'not-found', 'bad', visit.m.notFoundTitle, visit.m.notFoundLead);
      }
    } catch (err) {
      const error = toDeviceLoginError(err);
      logger.warn('account site request failed', { path, code: error.code, error: error.message });
      if (res.headersSent) return void res.end();
      if (error.code === 'network' || error.code === 'timeout') {
        return endPageFor(visit, 502, 'server-down', 'wait', visit.m.serverDownTitle, visit.m.serverDownLead);
      }
      return endPageFor(visit, 500, 'error', 'bad', visit.m.errorTitle, visit.m.errorLead);
    }
  }

  return { handle, redirectUri, postLogoutRedirectUri, sessionCount: () => sessions.size };
}

/** The cookies of a request, by name (the first of a name wins). */
function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    if (!(name in cookies)) cookies[name] = part.slice(eq + 1).trim();
  }
  return cookies;
}

/** A form body (application/x-www-form-urlencoded), or undefined when larger than MAX_FORM_BYTES. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  const type = String(req.headers['content-type'] ?? '');
  return new URLSearchParams(type.startsWith('application/x-www-form-urlencoded') ? Buffer.concat(chunks).toString('utf8') : '');
}

