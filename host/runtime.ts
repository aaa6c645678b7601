// One runtime for every device-login client. The CLI's commands (through cli/setup.ts), the browser host
// (`device-login web`) and Electron turn their configuration into a device session here, and differ
// only in the ports they plug in and whether they started the embedded server. So every decision about
// the session is taken once, in this file: which server (the configured one, or the embedded server as
// it reports itself), the scope (the configuration's, else the preset's, else CLIENT_DEFAULTS.scope),
// whether a client secret is missing (one sentence), and the session's options.
import { CLIENT_DEFAULTS } from '../core/defaults.ts';
import { DeviceLoginError } from '../core/errors.ts';
import type { Ports } from '../core/ports.ts';
import { createProtocol } from '../core/protocol.ts';
import { resolveEndpoints, type ResolvedProvider } from '../core/providers.ts';
import { createDeviceSession, storeKeyFor } from '../core/session.ts';
import type { ClientSettings, DeviceSession } from '../core/types.ts';
import { assertClientConfigured, type DeviceLoginConfig } from './config.ts';
import { prepareBrowserSignIn, type PreparedBrowserSignIn } from './browser-sign-in.ts';
import type { RedirectReturn } from './redirect-page.ts';
import { DeviceController, type DeviceControllerOptions } from './device-controller.ts';

/** The embedded server as it reports itself once running (server/app.ts RunningServer has these). */
export interface EmbeddedServer {
  issuer: string;
  /** Where devices reach it; its resource server (GET /api/catalog) is there too. */
  url: string;
  /** Its pre-registered public client: the one a device signs in as there. */
  clientId: string;
}

/** What createDeviceRuntime turns into a device session. */
export interface DeviceRuntimeOptions {
  config: DeviceLoginConfig;
  ports: Ports;
  /**
   * The embedded server, started by the caller because the configuration names no server
   * (host/config.ts namesServer). Given, it is the server, whatever client the configuration names.
   */
  embedded?: EmbeddedServer;
  /** Who asks, for "see <command> --help" in a configuration error: `device-login login`, `device-login TV`. */
  command?: string;
  /** The token file, named when no server is configured and none was remembered there. */
  rememberedIn?: string;
  /** An earlier login of this client sent a secret (the token store remembers that, never the secret). */
  secretRemembered?: boolean;
  /** The caller talks to the token or revocation endpoint (default true); `status` only reads the store. */
  usesClientSecret?: boolean;
  /**
   * The caller may ask for a code and poll (default true: login, the TV, web); status, token and
   * logout never do, so they need no Facebook client token, which only those requests carry.
   */
  signsIn?: boolean;
  /** Cancels discovery. */
  signal?: AbortSignal;
}

/** A resolved server and client, ready to open sessions on. */
export interface DeviceRuntime {
  config: DeviceLoginConfig;
  ports: Ports;
  /** The server's endpoints and the name people see for it. */
  provider: ResolvedProvider;
  /** The client as it asks: its scope decided. */
  client: ClientSettings;
  /** Where the token store keeps this (server, client) pair's session. */
  storeKey: string;
  /** The resource server of GET /api/catalog: the embedded server's; a provider has none. */
  resourceServer?: string;
  /** Options of every session opened here. */
  sessionOptions: { maxAutoRenewals: number; longPollSeconds: number };
  /** A new session (not restored: a command that only reads the store needs none). */
  openSession(): DeviceSession;
  /**
   * One sign-in through the system browser for this server and client (authorization code + PKCE on a
   * loopback redirect), for a session's signInWithBrowser. Throws DeviceLoginError `configuration`
   * when the server has no authorization endpoint or the port is taken.
   */
  prepareBrowserSignIn(options?: { redirectPort?: number; timeoutMs?: number; returnTo?: RedirectReturn }): Promise<PreparedBrowserSignIn>;
  /** A DeviceController over a new session, restored from the store: what the TV shows. */
  openController(extra?: ControllerExtras): Promise<DeviceController>;
}

/** What a host adds to the controller besides what the runtime decided (a local catalogue, a language, ...). */
export type ControllerExtras = Omit<
  DeviceControllerOptions,
  'endpoints' | 'displayName' | 'client' | 'ports' | 'resourceServer' | 'maxAutoRenewals' | 'longPollSeconds' | 'prepareBrowserSignIn'
>;

/** The name Settings and the CLI show for the embedded server (its issuer is only a loopback address). */
export const EMBEDDED_SERVER_NAME = 'device-login (embedded server)';

/**
 * Resolves the server (discovery where needed) and decides the client and the session's options.
 * Throws DeviceLoginError `configuration` (no server or client configured, a client secret missing) or
 * `discovery_failed`.
 */
export async function createDeviceRuntime(options: DeviceRuntimeOptions): Promise<DeviceRuntime> {
  const { config, ports, embedded } = options;
  if (!embedded) {
    assertClientConfigured(config, options.command, options.rememberedIn ? { rememberedIn: options.rememberedIn } : {});
  }
  const settings = embedded ? { issuer: embedded.issuer } : config.provider;
  const resolved = await resolveEndpoints(settings, ports.http, options.signal ? { signal: options.signal } : {});
  const provider = embedded ? { ...resolved, displayName: EMBEDDED_SERVER_NAME } : resolved;
  // The embedded server knows one public client, its own: a client id or secret configured for a
  // provider means nothing there, while the scope still says what the person wants shared.
  const given: ClientSettings = embedded
    ? { clientId: embedded.clientId, ...(config.client.scope ? { scope: config.client.scope } : {}) }
    : config.client;
  const client: ClientSettings = {
    ...given,
    // AWS registers its client at sign-in; the access portal names it in the store.
    ...(!embedded && provider.impliedClientId ? { clientId: provider.impliedClientId } : {}),
    scope: given.scope ?? provider.defaultScope ?? CLIENT_DEFAULTS.scope,
  };

  // A secret is never stored, so only the configuration can supply one: ask for it by name rather
  // than let the server answer invalid_client after the person has approved.
  const needsSecret = !embedded && (provider.requiresClientSecret || options.secretRemembered === true);
  if (needsSecret && !client.clientSecret && options.usesClientSecret !== false) {
    throw clientSecretMissing(provider.requiresClientSecret ? provider.displayName : `The client ${client.clientId}`);
  }

  if (!embedded && provider.requiresClientToken && !client.clientToken && options.signsIn !== false) {
    throw new DeviceLoginError(
      'configuration',
      `${provider.displayName} needs the app's client token to show a code, which device-login never stores: set DEVICE_LOGIN_CLIENT_TOKEN (or give --client-token).`,
    );
  }

  const storeKey = storeKeyFor(provider.endpoints, client.clientId);
  const sessionOptions = { maxAutoRenewals: config.maxAutoRenewals, longPollSeconds: config.longPollSeconds };
  const resourceServer = embedded?.url;
  const prepareBrowser = (browser: { redirectPort?: number; timeoutMs?: number; returnTo?: RedirectReturn } = {}) =>
    prepareBrowserSignIn({
      endpoints: provider.endpoints,
      client,
      ports,
      timeoutMs: browser.timeoutMs ?? CLIENT_DEFAULTS.browserSignInTimeoutSeconds * 1000,
      ...(browser.redirectPort !== undefined ? { redirectPort: browser.redirectPort } : {}),
      ...(browser.returnTo ? { returnTo: browser.returnTo } : {}),
    });
  return {
    config,
    ports,
    provider,
    client,
    storeKey,
    ...(resourceServer ? { resourceServer } : {}),
    sessionOptions,
    openSession: () =>
      createDeviceSession({
        protocol: createProtocol({ endpoints: provider.endpoints, client, ports }),
        ports,
        storeKey,
        ...sessionOptions,
      }),
    prepareBrowserSignIn: prepareBrowser,
    openController: (extra = {}) =>
      DeviceController.create({
        endpoints: provider.endpoints,
        displayName: provider.displayName,
        ...(embedded ? { embedded: true } : {}),
        client,
        ports,
        ...(resourceServer ? { resourceServer } : {}),
        ...sessionOptions,
        sessionCheckSeconds: config.sessionCheckSeconds,
        // A sign-in on this computer lands on a page that sends the person back to the TV app.
        prepareBrowserSignIn: () => prepareBrowser({ returnTo: 'app' }),
        ...extra,
      }),
  };
}

/** The one sentence for a client secret that is needed and not given; `who` needs it. */
function clientSecretMissing(who: string): DeviceLoginError {
  return new DeviceLoginError(
    'configuration',
    `${who} needs a client secret, which device-login never stores: set DEVICE_LOGIN_CLIENT_SECRET (or give --client-secret).`,
  );
}
