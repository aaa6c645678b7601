// Design previews of the TV, made by the real thing: each preview is a sign-in service written as a
// script (host/scripted-http.ts), and the real DeviceController, session runner and reducer play the
// script until the TV is on the screen the preview is named after. No state is invented here: a
// screen the host cannot reach cannot be previewed. Served like any device by the browser host
// (scripts/preview.ts); scripts/renderer-shots.ts photographs them.
import { discoverEndpoints } from '../core/discovery.ts';
import { DeviceLoginError } from '../core/errors.ts';
import type { HttpRequest, Logger, Ports } from '../core/ports.ts';
import { storeKeyFor } from '../core/session.ts';
import type { StoredSession } from '../core/types.ts';
import { systemClock } from './clock.ts';
import type { Catalog, Language, ViewState } from './contract.ts';
import { DeviceController } from './device-controller.ts';
import { createMemoryTokenStore } from './memory-token-store.ts';
import { createScriptedHttpClient, heldForever, type ScriptedAnswer, type ScriptedRoute } from './scripted-http.ts';

/** The screens a preview can show: a flow state, and after a dash what sets this one apart. */
export const PREVIEW_NAMES = [
  'idle',
  'idle-session_ended',
  'idle-signed_out_from_account',
  'requesting',
  'awaiting_user',
  'awaiting_user-retrying',
  'awaiting_user-message',
  'signed_in',
  'signed_in-profile_unavailable',
  'signing_out',
  'denied',
  'expired',
  'error',
] as const;
export type PreviewName = (typeof PREVIEW_NAMES)[number];

/** True when `name` is one of the previews. */
export function isPreviewName(name: string | undefined): name is PreviewName {
  return (PREVIEW_NAMES as readonly string[]).includes(name ?? '');
}

/** What a preview may be given besides its name. */
export interface PreviewOptions {
  language?: Language;
  /** The signed-in Home's catalogue (the browser host's bundled demo); none: an empty Home. */
  localCatalog?: () => Promise<Catalog>;
  logger?: Logger;
  /** How long the script may take to bring the TV to its screen (default 5 s). */
  timeoutMs?: number;
}

const ISSUER = 'https://login.example.com/';
const ENDPOINTS = {
  deviceAuthorization: 'https://login.example.com/device/authorize',
  token: 'https://login.example.com/token',
  userinfo: 'https://login.example.com/userinfo',
  revocation: 'https://login.example.com/revoke',
} as const;
const VERIFICATION_URI = 'https://login.example.com/device';
/** The RFC's example first; further codes for the ones asked for (or renewed) after it. */
const USER_CODES = ['WDJBMJHT', 'KQPXRVTN', 'HCMZLWDF'];
/** Microsoft Entra's length: nine characters, grouped in threes on every screen. */
const ENTRA_CODE = 'FNCDQ6NXL';
const PROFILE = { sub: 'demo-user-1', name: 'Ada Lovelace', email: 'ada@example.com' };

/**
 * How the service behaves in one preview, and what brings the TV to its screen. Every endpoint not
 * named answers as a service that works (workingService), so a preview goes on like a device when
 * the remote is pressed: Sign in on the idle preview shows a code.
 */
interface Script extends Partial<Service> {
  /** What the token store holds when the TV starts. */
  stored?: StoredSession;
  /** What the viewer (or the host) does once the TV is up. */
  act?: (controller: DeviceController) => void;
  /** True once the TV shows the preview's screen. */
  reached: (view: ViewState) => boolean;
}

/** The service's endpoints; the token endpoint's two grants apart. */
interface Service {
  deviceAuthorization: ScriptedRoute;
  /** A device-code poll. */
  poll: ScriptedRoute;
  refresh: ScriptedRoute;
  userinfo: ScriptedRoute;
  revocation: ScriptedRoute;
}

const json = (status: number, body: object): ScriptedAnswer => ({ status, body });
const oauthError = (error: string) => () => json(400, { error });

/** A device authorization answer; each call issues the next code. */
function issueCodes(entra = false): ScriptedRoute {
  let issued = 0;
  return () => {
    const userCode = entra ? ENTRA_CODE : (USER_CODES[issued % USER_CODES.length] ?? 'WDJBMJHT');
    issued += 1;
    const common = { device_code: `device-code-${issued}`, user_code: userCode, verification_uri: VERIFICATION_URI, interval: 5 };
    // Entra: no verification_uri_complete, and a sentence of its own to show (with the code as issued).
    if (entra) {
      const message = `To sign in, use a web browser to open the page ${VERIFICATION_URI} and enter the code ${userCode} to authenticate.`;
      return json(200, { ...common, expires_in: 900, message });
    }
    return json(200, { ...common, expires_in: 600, verification_uri_complete: `${VERIFICATION_URI}?user_code=${userCode}` });
  };
}

const tokens = () =>
  json(200, {
    access_token: 'preview-access-token',
    token_type: 'Bearer',
    expires_in: 3600,
    refresh_token: 'preview-refresh-token',
    scope: 'openid profile email offline_access',
  });

/** A service that works: codes, a viewer who has not decided yet, tokens on refresh, a profile. */
function workingService(): Service {
  return {
    deviceAuthorization: issueCodes(),
    poll: oauthError('authorization_pending'),
    refresh: tokens,
    userinfo: () => json(200, PROFILE),
    revocation: () => ({ status: 200, body: '' }),
  };
}

const signIn = (controller: DeviceController) => controller.signIn();

const SCRIPTS: Record<PreviewName, Script> = {
  idle: { reached: (view) => view.state === 'idle' },
  'idle-session_ended': {
    // Signed in before the TV restarted, with an access token that has expired since; the service
    // refuses the refresh token, so the sign-in has ended.
    stored: {
      version: 1,
      tokens: { accessToken: 'preview-access-token', tokenType: 'Bearer', expiresAt: 0, refreshToken: 'preview-refresh-token' },
      profile: PROFILE,
    },
    refresh: () => json(400, { error: 'invalid_grant', error_description: 'The refresh token has been revoked.' }),
    act: (controller) => void controller.accessToken().catch(() => undefined),
    reached: (view) => view.state === 'idle' && view.notice === 'session_ended',
  },
  'idle-signed_out_from_account': {
    // Signed in before the TV restarted; meanwhile someone signed it out on the account page, so the
    // service refuses the refresh with the reason that says so.
    stored: {
      version: 1,
      tokens: { accessToken: 'preview-access-token', tokenType: 'Bearer', expiresAt: 0, refreshToken: 'preview-refresh-token' },
      profile: PROFILE,
    },
    refresh: () =>
      json(400, {
        error: 'invalid_grant',
        error_description: 'This device was signed out from the account page.',
        reason: 'signed_out_from_account',
      }),
    act: (controller) => void controller.accessToken().catch(() => undefined),
    reached: (view) => view.state === 'idle' && view.notice === 'signed_out_from_account',
  },
  requesting: { deviceAuthorization: () => heldForever(), act: signIn, reached: (view) => view.state === 'requesting' },
  awaiting_user: { act: signIn, reached: (view) => view.state === 'awaiting_user' && view.network === 'online' },
  'awaiting_user-retrying': {
    poll: () => ({ status: 503, body: 'Service Unavailable' }),
    act: signIn,
    reached: (view) => view.state === 'awaiting_user' && view.network === 'retrying',
  },
  'awaiting_user-message': {
    deviceAuthorization: issueCodes(true),
    act: signIn,
    reached: (view) => view.state === 'awaiting_user' && view.code?.message !== undefined,
  },
  signed_in: { poll: tokens, act: signIn, reached: (view) => view.state === 'signed_in' && view.profile !== undefined },
  'signed_in-profile_unavailable': {
    poll: tokens,
    userinfo: () => json(500, { error: 'server_error' }),
    act: signIn,
    reached: (view) => view.state === 'signed_in' && view.notice === 'profile_unavailable',
  },
  signing_out: {
    poll: tokens,
    // The service never confirms the revocation, so the TV stays on "Signing out".
    revocation: () => heldForever(),
    act: (controller) => {
      const off = controller.onState((view) => {
        if (view.state !== 'signed_in') return;
        off();
        void controller.signOut();
      });
      controller.signIn();
    },
    reached: (view) => view.state === 'signing_out',
  },
  denied: { poll: oauthError('access_denied'), act: signIn, reached: (view) => view.state === 'denied' },
  // Every code dies at its first poll: the TV renews it as often as it may, then asks the viewer.
  expired: { poll: oauthError('expired_token'), act: signIn, reached: (view) => view.state === 'expired' },
  error: { poll: oauthError('invalid_client'), act: signIn, reached: (view) => view.state === 'error' },
};

/** The service's routes for one script: its metadata, and each endpoint as the script says. */
function serviceFor(script: Script): Record<string, ScriptedRoute> {
  const service = { ...workingService(), ...script };
  return {
    [`GET ${ISSUER}.well-known/openid-configuration`]: () =>
      json(200, {
        issuer: ISSUER,
        device_authorization_endpoint: ENDPOINTS.deviceAuthorization,
        token_endpoint: ENDPOINTS.token,
        userinfo_endpoint: ENDPOINTS.userinfo,
        revocation_endpoint: ENDPOINTS.revocation,
        // Long polling, as the embedded server announces it: the first poll goes at once, so every
        // preview reaches its screen without waiting an interval.
        device_authorization_long_poll_max_wait: 20,
      }),
    [`POST ${ENDPOINTS.deviceAuthorization}`]: service.deviceAuthorization,
    [`POST ${ENDPOINTS.token}`]: (request: HttpRequest) => (request.form?.grant_type === 'refresh_token' ? service.refresh : service.poll)(request),
    [`GET ${ENDPOINTS.userinfo}`]: service.userinfo,
    [`POST ${ENDPOINTS.revocation}`]: service.revocation,
  };
}

const QUIET: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A DeviceController over the named preview's scripted service, resolved once the TV shows that screen. */
export async function createPreviewController(name: PreviewName, options: PreviewOptions = {}): Promise<DeviceController> {
  const script = SCRIPTS[name];
  const http = createScriptedHttpClient(serviceFor(script));
  const client = { clientId: 'tv-preview', scope: 'openid profile email offline_access' };
  const ports: Ports = { http, clock: systemClock, store: createMemoryTokenStore(), logger: options.logger ?? QUIET };
  const endpoints = await discoverEndpoints(ISSUER, http);
  if (script.stored) await ports.store.save(storeKeyFor(endpoints, client.clientId), script.stored);
  const controller = await DeviceController.create({
    endpoints,
    displayName: 'Device Login preview',
    client,
    ports,
    ...(options.language ? { language: options.language } : {}),
    ...(options.localCatalog ? { localCatalog: options.localCatalog } : {}),
  });
  const there = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      const view = controller.getState();
      reject(new DeviceLoginError('timeout', `The preview ${name} stopped at ${view.state}${view.notice ? ` (${view.notice})` : ''}.`));
    }, options.timeoutMs ?? 5000);
    const check = (view: ViewState) => {
      if (!script.reached(view)) return;
      clearTimeout(timer);
      off();
      resolve();
    };
    const off = controller.onState(check);
    check(controller.getState());
  });
  script.act?.(controller);
  try {
    await there;
  } catch (err) {
    await controller.close();
    throw err;
  }
  return controller;
}
