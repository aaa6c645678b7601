// The oidc-provider configuration of the embedded server: which features, clients, scopes, claims,
// lifetimes and keys. Persistence comes from the store passed in (never the dev-only memory adapter).
import Provider, { errors, interactionPolicy, type Adapter, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

import { DeviceLoginError } from '../core/errors.ts';

import type { Accounts } from './accounts.ts';
import type { OidcStore } from './adapters/store.ts';
import { SERVER_DEFAULTS } from './defaults.ts';
import type { ServerKeys } from './keys.ts';
import { createCodeIssueLimiter, TooManyCodeRequests, type RateLimit } from './limits.ts';
import { formatUserCode, uniqueUserCodes, USER_CODE_MASK, verificationLinkProof } from './user-codes.ts';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Hooks that render the phone pages (server/pages); absent only in tests of the protocol alone. */
export interface PageHooks {
  userCodeInputSource?: NonNullable<NonNullable<Configuration['features']>['deviceFlow']>['userCodeInputSource'];
  userCodeConfirmSource?: NonNullable<NonNullable<Configuration['features']>['deviceFlow']>['userCodeConfirmSource'];
  successSource?: NonNullable<NonNullable<Configuration['features']>['deviceFlow']>['successSource'];
  interactionUrl?: NonNullable<Configuration['interactions']>['url'];
  renderError?: Configuration['renderError'];
  logoutSource?: NonNullable<NonNullable<Configuration['features']>['rpInitiatedLogout']>['logoutSource'];
  postLogoutSuccessSource?: NonNullable<NonNullable<Configuration['features']>['rpInitiatedLogout']>['postLogoutSuccessSource'];
}

export interface ProviderOptions {
  /** The public origin, e.g. https://tv-login.example; also the base of verification_uri. */
  issuer: string;
  keys: ServerKeys;
  store: OidcStore;
  accounts: Pick<Accounts, 'findAccount'>;
  /** Clients besides `tv-demo`. */
  clients?: ClientMetadata[];
  codeTtl?: number;
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  /** Absolute lifetime of a device grant's refresh tokens, seconds from the sign-in (SERVER_DEFAULTS.deviceRefreshMaxAge). */
  deviceRefreshMaxAge?: number;
  pages?: PageHooks;
  /** oidc-provider's bare development login/consent pages; only for tests that run without our pages. */
  devInteractions?: boolean;
  /** New device codes per client address (SERVER_DEFAULTS.codeIssuePerAddress). */
  codeIssuePerAddress?: RateLimit;
  /** New device codes per client (SERVER_DEFAULTS.codeIssuePerClient). */
  codeIssuePerClient?: RateLimit;
  /** Seconds after the last password within which a phone may approve a device (SERVER_DEFAULTS.deviceReauthAfter). */
  deviceReauthAfter?: number;
  /** The layout of user codes ('*' a character); tests shrink it to make codes collide. */
  userCodeMask?: string;
  /** Clients registered after the provider is built (RunningServer.registerClient). */
  lateClients?: LateClients;
}

/** Every scope the server knows; `devices` is given only to clients registered with it (see withScope). */
export const SCOPES = ['openid', 'profile', 'email', 'offline_access', 'devices'] as const;

/**
 * A client's metadata with the scopes it may ask for: those it was registered with, else every scope
 * but `devices` (oidc-provider refuses a scope outside a client's `scope` with invalid_scope, at the
 * device authorization endpoint, at authorization and on refresh). So device management is never
 * given to a client that did not ask for it at registration, whatever a phished user approves.
 */
export function withScope(metadata: ClientMetadata): ClientMetadata {
  return metadata.scope ? metadata : { ...metadata, scope: SERVER_DEFAULTS.clientScope };
}

/**
 * Clients registered after the provider was built, such as the account website's, whose redirect URI
 * is known only once the browser host listens. oidc-provider looks up a client that is not static
 * through its Client adapter: this one answers from memory first, then from the store. They are kept
 * in this process only (with their secrets: never written), so each instance registers its own.
 */
export class LateClients {
  readonly #clients = new Map<string, ClientMetadata>();

  /** The Client adapter: registered clients first, then `inner`. */
  wrap(inner: Adapter): Adapter {
    return {
      ...inner,
      find: async (id: string) => {
        const found = this.#clients.get(id);
        return found ? (structuredClone(found) as Awaited<ReturnType<Adapter['find']>>) : inner.find(id);
      },
    };
  }

  /** Adds or replaces a client (already validated). */
  set(metadata: ClientMetadata): void {
    this.#clients.set(metadata.client_id, metadata);
  }
}

/**
 * Registers a client on a running provider: validated by oidc-provider as a static client would be,
 * given the default scopes when it names none, usable by the next request. An id already taken by a
 * client given at start-up is refused (those would win the lookup, silently).
 */
export async function registerLateClient(provider: Provider, late: LateClients, staticIds: ReadonlySet<string>, metadata: ClientMetadata): Promise<void> {
  const id = metadata.client_id;
  if (typeof id !== 'string' || !id) throw new DeviceLoginError('configuration', 'A client to register needs a client_id.');
  if (staticIds.has(id)) throw new DeviceLoginError('configuration', `The client id "${id}" is taken by a client given at start-up.`);
  const complete = withScope(metadata);
  try {
    await provider.Client.validate(complete);
  } catch (err) {
    const detail = err instanceof errors.OIDCProviderError ? (err.error_description ?? err.message) : String(err);
    throw new DeviceLoginError('configuration', `The client "${id}" cannot be registered: ${detail}.`, { cause: err });
  }
  late.set(complete);
}

/**
 * The account website's client (SERVER_DEFAULTS.accountClientId): confidential (client_secret_basic),
 * authorization code + refresh token, its callback and post-logout addresses under `origin`/account/,
 * and the `devices` scope. What `device-login web` registers once it knows its origin.
 */
export function accountSiteClient(options: { origin: string; clientSecret: string; clientId?: string }): ClientMetadata {
  const origin = options.origin.replace(/\/+$/, '');
  return {
    client_id: options.clientId ?? SERVER_DEFAULTS.accountClientId,
    client_name: SERVER_DEFAULTS.accountClientName,
    client_secret: options.clientSecret,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [`${origin}/account/callback`],
    post_logout_redirect_uris: [`${origin}/account/`],
    scope: 'openid profile email offline_access devices',
  };
}

/** The pre-registered public client of the TV app, the CLI and the browser host. */
export function tvDemoClient(): ClientMetadata {
  return {
    client_id: SERVER_DEFAULTS.clientId,
    client_name: SERVER_DEFAULTS.clientName,
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: [DEVICE_CODE_GRANT, 'refresh_token', 'authorization_code'],
    response_types: ['code'],
    // Loopback redirect for the authorization code + PKCE path of native apps (RFC 8252 §7.3).
    redirect_uris: ['http://127.0.0.1/callback'],
    // Never `devices`: a device code phished from someone must not yield the management of their devices.
    scope: SERVER_DEFAULTS.clientScope,
  };
}

const DEVICE_ROUTES = new Set(['code_verification', 'device_resume']);

/** oidc-provider's `gty` of tokens from the device grant; a rotated refresh token's is "device_code refresh_token". */
const DEVICE_GTY = 'device_code';

/** The token-ish shapes the ttl functions read (oidc-provider passes its models; the fields are in their payloads). */
interface Lifetimed {
  gty?: string;
  iiat?: number;
}

function fromDeviceGrant(token: Lifetimed | undefined): boolean {
  return token?.gty?.split(' ').includes(DEVICE_GTY) ?? false;
}

/**
 * Seconds left before the absolute end of a device grant's tokens. `iiat` is the first refresh
 * token's issue time, which oidc-provider copies into every rotated one (lib/actions/grants/
 * refresh_token.js), so the end never moves. At least 1: oidc-provider wants a positive lifetime, and
 * a refresh past the end is refused earlier, as the presented token has expired.
 */
function untilAbsoluteEnd(iiat: number, maxAge: number): number {
  return Math.max(1, iiat + maxAge - Math.floor(Date.now() / 1000));
}

/** Builds the configured oidc-provider instance (not yet listening). */
export function createProvider(options: ProviderOptions): Provider {
  const codeTtl = options.codeTtl ?? SERVER_DEFAULTS.codeTtl;
  const accessTokenTtl = options.accessTokenTtl ?? SERVER_DEFAULTS.accessTokenTtl;
  const refreshTokenTtl = options.refreshTokenTtl ?? SERVER_DEFAULTS.refreshTokenTtl;
  const deviceRefreshMaxAge = options.deviceRefreshMaxAge ?? SERVER_DEFAULTS.deviceRefreshMaxAge;
  const pages = options.pages ?? {};
  const mask = options.userCodeMask ?? USER_CODE_MASK;
  const uniqueCodes = uniqueUserCodes(mask);
  const issuing = createCodeIssueLimiter({
    perAddress: options.codeIssuePerAddress ?? SERVER_DEFAULTS.codeIssuePerAddress,
    perClient: options.codeIssuePerClient ?? SERVER_DEFAULTS.codeIssuePerClient,
  });

  const configuration: Configuration = {
    adapter: (name: string) => {
      const adapter = uniqueCodes.wrap(name, options.store.adapterFor(name));
      return name === 'Client' && options.lateClients ? options.lateClients.wrap(adapter) : adapter;
    },
    clients: [tvDemoClient(), ...(options.clients ?? []).map(withScope)],
    findAccount: options.accounts.findAccount as Configuration['findAccount'],
    jwks: options.keys.jwks as Configuration['jwks'],
    cookies: { keys: options.keys.cookieKeys },
    scopes: [...SCOPES],
    claims: {
      openid: ['sub'],
      profile: ['name', 'picture'],
      email: ['email', 'email_verified'],
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: options.devInteractions === true },
      deviceFlow: {
        enabled: true,
        charset: 'base-20',
        mask,
        // Called once per new device code, after the client is authenticated: where the issuing limits
        // apply, and where the device's address and user agent are recorded for the phone's pages.
        deviceInfo(ctx) {
          const wait = issuing.check(ctx.oidc.client!.clientId, ctx.ip);
          if (wait > 0) {
            ctx.set('Retry-After', String(wait));
            throw new TooManyCodeRequests(wait);
          }
          return { ip: ctx.ip, ua: ctx.get('user-agent').slice(0, 512) };
        },
        ...(pages.userCodeInputSource ? { userCodeInputSource: pages.userCodeInputSource } : {}),
        ...(pages.userCodeConfirmSource ? { userCodeConfirmSource: pages.userCodeConfirmSource } : {}),
        ...(pages.successSource ? { successSource: pages.successSource } : {}),
      },
      // A client may revoke or introspect only its own tokens: no client here is a resource server
      // entitled to look at other clients' tokens.
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      // RP-initiated logout (the account website's "Sign out"): end_session_endpoint in discovery, our
      // own confirmation and signed-out pages. Grants persist logout (expiresWithSession is false), so
      // ending the browser's session never signs a TV out.
      rpInitiatedLogout: {
        enabled: true,
        ...(pages.logoutSource ? { logoutSource: pages.logoutSource } : {}),
        ...(pages.postLogoutSuccessSource ? { postLogoutSuccessSource: pages.postLogoutSuccessSource } : {}),
      },
    },
    interactions: {
      policy: devicePolicy(options.deviceReauthAfter ?? SERVER_DEFAULTS.deviceReauthAfter),
      ...(pages.interactionUrl ? { url: pages.interactionUrl } : {}),
    },
    ...(pages.renderError ? { renderError: pages.renderError } : {}),
    ttl: {
      // An access token minted by a refresh of a device grant ends with the grant's refresh tokens, so
      // that the absolute end is the end of access too (RFC 10027: bounded value of a phished code).
      AccessToken(ctx, token) {
        const refresh = ctx?.oidc.entities.RefreshToken as Lifetimed | undefined;
        if (!fromDeviceGrant(token as Lifetimed) || typeof refresh?.iiat !== 'number') return accessTokenTtl;
        return Math.min(accessTokenTtl, untilAbsoluteEnd(refresh.iiat, deviceRefreshMaxAge));
      },
      AuthorizationCode: 60,
      DeviceCode: codeTtl,
      IdToken: 3600,
      // Idle lifetime for every refresh token (each rotation starts it again), capped for device grants
      // by their absolute lifetime. Browser sign-ins (authorization code) keep the sliding idle one.
      RefreshToken(_ctx, token) {
        const refresh = token as Lifetimed;
        if (!fromDeviceGrant(refresh) || typeof refresh.iiat !== 'number') return refreshTokenTtl;
        return Math.min(refreshTokenTtl, untilAbsoluteEnd(refresh.iiat, deviceRefreshMaxAge));
      },
      Interaction: SERVER_DEFAULTS.interactionTtl,
      Session: SERVER_DEFAULTS.sessionTtl,
      Grant: SERVER_DEFAULTS.grantTtl,
    },
    // Public clients (the TV) get a new refresh token on every use; the old one dies (RFC 9700 §4.14).
    // It is also the one hook oidc-provider calls on every refresh with the token and client in hand,
    // before anything is consumed: where the kill switch reaches devices already signed in. A device
    // grant's refresh is refused once its client has the device grant switched off (invalid_grant:
    // what a client hears when it must sign in again; its new code is then refused as unauthorized_client).
    rotateRefreshToken(ctx) {
      const { RefreshToken: refresh, Client: client } = ctx.oidc.entities;
      if (fromDeviceGrant(refresh as Lifetimed | undefined) && client && !client.grantTypeAllowed(DEVICE_CODE_GRANT)) {
        throw new errors.InvalidGrant('the device authorization grant is switched off for this client');
      }
      return true;
    },
    // A TV's tokens must not die when the phone's browser session ends or moves on to the next TV:
    // oidc-provider would otherwise bind them to the session's current grant.
    expiresWithSession: async () => false,
    // A fresh grant per device: on the phone's device pages only the grant just made at consent
    // counts, never the one an earlier TV got from the same browser session. Revoking one TV then
    // leaves the others signed in.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const fromConsent = ctx.oidc.result?.consent?.grantId;
      const grantId = DEVICE_ROUTES.has(ctx.oidc.route)
        ? fromConsent
        : (fromConsent ?? ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId));
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
  };

  const provider = new Provider(options.issuer, configuration);
  // Requests reach us directly (or through a proxy we configure explicitly via the public URL), so
  // X-Forwarded-* headers from clients are not trusted.
  provider.proxy = false;
  answerUnauthorizedClient(provider);
  completeDeviceAuthorization(provider, options.keys.cookieKeys, uniqueCodes.takeReplacement, mask);
  return provider;
}

/** The reason a device approval asks for the password again (`prompt.reasons` of the login step). */
export const DEVICE_REAUTH = 'device_reauth';

/**
 * oidc-provider's interaction policy with one check added to its login step: on the device pages, a
 * phone whose password was typed more than `reauthAfter` seconds ago signs in again before it may
 * approve a device (RFC 10027). Not when this very resume carries a fresh sign-in, so it never loops.
 */
function devicePolicy(reauthAfter: number): interactionPolicy.Prompt[] {
  const policy = interactionPolicy.base();
  policy.get('login')?.checks.add(
    new interactionPolicy.Check(DEVICE_REAUTH, 'approving a device needs a recent sign-in', (ctx) => {
      const { session, result, route } = ctx.oidc;
      if (!DEVICE_ROUTES.has(route) || !session?.accountId || result?.login) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      return session.past(reauthAfter) ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
  );
  return policy;
}

/**
 * The device authorization response as the device must see it: with the user code actually stored
 * when uniqueness made it draw again, and with a proof (`k`) in verification_uri_complete that the
 * server made this link (server/pages/code-entry.ts lets such a link past the guessing limits).
 * Registered right after the provider is built, so that it runs after every other layer's rewrite.
 */
function completeDeviceAuthorization(provider: Provider, keys: readonly string[], takeReplacement: (deviceCode: string) => string | undefined, mask: string): void {
  provider.use(async (ctx, next) => {
    await next();
    const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (oidc?.route !== 'device_authorization' || ctx.status !== 200 || typeof body?.device_code !== 'string') return;
    const replaced = takeReplacement(body.device_code);
    if (replaced) body.user_code = formatUserCode(replaced, mask);
    if (typeof body.user_code !== 'string' || typeof body.verification_uri_complete !== 'string') return;
    const complete = new URL(body.verification_uri_complete);
    complete.searchParams.set('user_code', body.user_code);
    complete.searchParams.set('k', verificationLinkProof(keys, body.user_code));
    body.verification_uri_complete = complete.href;
  });
}

/**
 * The per-client switch of the device grant is oidc-provider's own `grant_types` metadata: a client
 * without the device_code grant is refused at the device authorization endpoint and when it polls
 * the token endpoint with a code issued before the switch. oidc-provider 9.13 calls both refusals
 * invalid_request (lib/actions/authorization/client.js, lib/actions/token.js); RFC 6749 §5.2, which
 * RFC 8628 §3.2 points to, names this case unauthorized_client, so that is what the client is told.
 */
function answerUnauthorizedClient(provider: Provider): void {
  provider.use(async (ctx, next) => {
    await next();
    const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
    const body = ctx.body as { error?: unknown } | undefined;
    if (ctx.status !== 400 || body?.error !== 'invalid_request' || !oidc?.client) return;
    const device = oidc.route === 'device_authorization' || (oidc.route === 'token' && oidc.params?.grant_type === DEVICE_CODE_GRANT);
    if (device && !oidc.client.grantTypeAllowed(DEVICE_CODE_GRANT)) {
      ctx.body = { error: 'unauthorized_client', error_description: 'the device authorization grant is switched off for this client' };
    }
  });
}
