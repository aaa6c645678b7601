// The oidc-provider configuration of the embedded server: which features, clients, scopes, claims,
// lifetimes and keys. Persistence comes from the store passed in (never the dev-only memory adapter).
import Provider, { type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

import type { Accounts } from './accounts.ts';
import type { OidcStore } from './adapters/store.ts';
import { SERVER_DEFAULTS } from './defaults.ts';
import type { ServerKeys } from './keys.ts';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Hooks that render the phone pages (server/pages); absent only in tests of the protocol alone. */
export interface PageHooks {
  userCodeInputSource?: NonNullable<NonNullable<Configuration['features']>['deviceFlow']>['userCodeInputSource'];
  userCodeConfirmSource?: NonNullable<NonNullable<Configuration['features']>['deviceFlow']>['userCodeConfirmSource'];
  successSource?: NonNullable<NonNullable<Configuration['features']>['deviceFlow']>['successSource'];
  interactionUrl?: NonNullable<Configuration['interactions']>['url'];
  renderError?: Configuration['renderError'];
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
  pages?: PageHooks;
  /** oidc-provider's bare development login/consent pages; only for tests that run without our pages. */
  devInteractions?: boolean;
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
  };
}

const DEVICE_ROUTES = new Set(['code_verification', 'device_resume']);

/** Builds the configured oidc-provider instance (not yet listening). */
export function createProvider(options: ProviderOptions): Provider {
  const codeTtl = options.codeTtl ?? SERVER_DEFAULTS.codeTtl;
  const accessTokenTtl = options.accessTokenTtl ?? SERVER_DEFAULTS.accessTokenTtl;
  const refreshTokenTtl = options.refreshTokenTtl ?? SERVER_DEFAULTS.refreshTokenTtl;
  const pages = options.pages ?? {};

  const configuration: Configuration = {
    adapter: (name: string) => options.store.adapterFor(name),
    clients: [tvDemoClient(), ...(options.clients ?? [])],
    findAccount: options.accounts.findAccount as Configuration['findAccount'],
    jwks: options.keys.jwks as Configuration['jwks'],
    cookies: { keys: options.keys.cookieKeys },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
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
        ...(pages.userCodeInputSource ? { userCodeInputSource: pages.userCodeInputSource } : {}),
        ...(pages.userCodeConfirmSource ? { userCodeConfirmSource: pages.userCodeConfirmSource } : {}),
        ...(pages.successSource ? { successSource: pages.successSource } : {}),
      },
      // A client may revoke or introspect only its own tokens: no client here is a resource server
      // entitled to look at other clients' tokens.
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: false },
    },
    ...(pages.interactionUrl ? { interactions: { url: pages.interactionUrl } } : {}),
    ...(pages.renderError ? { renderError: pages.renderError } : {}),
    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      DeviceCode: codeTtl,
      IdToken: 3600,
      RefreshToken: refreshTokenTtl,
      Interaction: SERVER_DEFAULTS.interactionTtl,
      Session: SERVER_DEFAULTS.sessionTtl,
      Grant: SERVER_DEFAULTS.grantTtl,
    },
    // Public clients (the TV) get a new refresh token on every use; the old one dies (RFC 9700 §4.14).
    rotateRefreshToken: true,
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
  return provider;
}
