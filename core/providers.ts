// Provider presets: endpoints and defaults only. Quirks in answers are handled for every server alike
// by the normalisation layer (normalise.ts), never by looking at the provider's name; what a provider
// wants sent differently is its preset's dialect (Endpoints.dialect, core/dialects.ts). A preset names
// a scope only where the provider wants another than CLIENT_DEFAULTS.scope (host/runtime.ts decides).
// Every preset takes a base URL, which replaces the scheme, host and port of each of its endpoints
// and keeps their paths: a staging environment, a My Domain, or a local test server.
import { CLIENT_DEFAULTS } from './defaults.ts';
import { discoverEndpoints } from './discovery.ts';
import { DeviceLoginError } from './errors.ts';
import type { HttpClient } from './ports.ts';
import type { Endpoints } from './types.ts';

/** The provider names, for flag validation and help texts. */
export const PROVIDER_NAMES = [
  'generic',
  'github',
  'google',
  'microsoft',
  'auth0',
  'okta',
  'keycloak',
  'amazon',
  'facebook',
  'twitch',
  'salesforce',
  'aws-sso',
] as const;

/** The Graph API version of the Facebook preset's paths (`/v21.0/device/login`). */
export const FACEBOOK_GRAPH_VERSION = 'v21.0';

/** An AWS region such as us-east-1 or us-gov-west-1 (the host of IAM Identity Center's OIDC service). */
export const AWS_REGION_PATTERN = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** What the user configured: a preset and its settings, and/or explicit endpoints (which win). */
export interface ProviderSettings {
  provider?: ProviderName;
  issuer?: string;
  baseUrl?: string;
  tenant?: string;
  domain?: string;
  realm?: string;
  /** AWS region of IAM Identity Center (not needed with baseUrl). */
  region?: string;
  /** AWS IAM Identity Center's access portal URL. */
  startUrl?: string;
  endpoints?: Partial<
    Pick<
      Endpoints,
      'deviceAuthorizationEndpoint' | 'tokenEndpoint' | 'userinfoEndpoint' | 'revocationEndpoint'
    >
  >;
}

/** The resolved endpoints and the preset's defaults. */
export interface ResolvedProvider {
  endpoints: Endpoints;
  displayName: string;
  /** The preset's scope, where the provider wants another than CLIENT_DEFAULTS.scope. */
  defaultScope?: string;
  requiresClientSecret: boolean;
  /** Facebook: the client token is needed to ask for codes and poll (`APP_ID|CLIENT_TOKEN`). */
  requiresClientToken?: boolean;
  /**
   * The client id that names this client in the token store when none is configured: AWS registers
   * its client at sign-in, so the access portal URL names it.
   */
  impliedClientId?: string;
}

/** The flag that sets each explicit endpoint, for messages. */
const ENDPOINT_FLAGS = {
  deviceAuthorizationEndpoint: '--device-authorization-endpoint',
  tokenEndpoint: '--token-endpoint',
  userinfoEndpoint: '--userinfo-endpoint',
  revocationEndpoint: '--revocation-endpoint',
} as const;

function configuration(message: string): DeviceLoginError {
  return new DeviceLoginError('configuration', message);
}

/** An absolute http(s) URL without trailing slashes, or a configuration error naming the flag. */
function baseUrlOf(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configuration(`${flag} must be an absolute URL such as https://example.com (got "${value}").`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw configuration(`${flag} must be an http(s) URL (got "${value}").`);
  if (url.search || url.hash) throw configuration(`${flag} must not have a query or fragment.`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The preset's own URL on `base`: the scheme, host and port replaced, the path kept (a path of `base`
 * is put in front of it). Without a base URL, the preset's URL as it is.
 */
function on(base: string | undefined, url: string): string {
  if (base === undefined) return url;
  const rest = url.replace(/^https?:\/\/[^/]+/i, '');
  return `${base}${rest === '/' ? '' : rest}`;
}

/** The base URL setting, checked, or undefined. */
function baseOf(settings: ProviderSettings): string | undefined {
  return settings.baseUrl ? baseUrlOf(settings.baseUrl, '--base-url') : undefined;
}

/** A host name from "example.auth0.com" or "https://example.auth0.com/". */
function hostOf(value: string, flag: string): string {
  const host = value
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/+$/, '');
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(host))
    throw configuration(`${flag} must be a host name such as example.auth0.com (got "${value}").`);
  return host.toLowerCase();
}

function required<T>(value: T | undefined, flag: string, provider: ProviderName): T {
  if (value === undefined || value === '')
    throw configuration(`${flag} is required with --provider ${provider}.`);
  return value;
}

/** Explicit endpoints override the preset's; each must be an absolute http(s) URL. */
function withExplicit(endpoints: Endpoints, explicit: ProviderSettings['endpoints']): Endpoints {
  const out: Endpoints = { ...endpoints };
  for (const key of Object.keys(ENDPOINT_FLAGS) as (keyof typeof ENDPOINT_FLAGS)[]) {
    const value = explicit?.[key];
    if (value === undefined || value === '') continue;
    baseUrlOf(value, ENDPOINT_FLAGS[key]);
    out[key] = value;
  }
  // The metadata's long-poll announcement speaks for its own token endpoint, not for another one.
  if (out.tokenEndpoint !== endpoints.tokenEndpoint) delete out.longPollMaxWait;
  return out;
}

async function discovered(
  issuer: string,
  http: HttpClient,
  signal: AbortSignal | undefined,
): Promise<Endpoints> {
  return discoverEndpoints(issuer, http, signal ? { signal } : {});
}

/**
 * Endpoints and defaults for a provider preset (or generic settings); throws DeviceLoginError
 * `configuration` for missing or malformed settings and `discovery_failed` when discovery fails.
 */
export async function resolveEndpoints(
  settings: ProviderSettings,
  http: HttpClient,
  options: { signal?: AbortSignal } = {},
): Promise<ResolvedProvider> {
  const provider = settings.provider ?? 'generic';
  const explicit = settings.endpoints;
  const signal = options.signal;

  switch (provider) {
    case 'generic': {
      const hasExplicit = Boolean(explicit?.deviceAuthorizationEndpoint && explicit.tokenEndpoint);
      if (settings.issuer) {
        const issuer = settings.issuer.trim();
        try {
          const endpoints = await discovered(issuer, http, signal);
          return {
            endpoints: withExplicit(endpoints, explicit),
            displayName: originLabel(issuer),
            requiresClientSecret: false,
          };
        } catch (err) {
          // A server without (device-flow) metadata still works when its endpoints are given.
          if (!(err instanceof DeviceLoginError) || err.code !== 'discovery_failed' || !hasExplicit)
            throw err;
          const endpoints = withExplicit(
            { issuer, deviceAuthorizationEndpoint: '', tokenEndpoint: '' },
            explicit,
          );
          return { endpoints, displayName: originLabel(issuer), requiresClientSecret: false };
        }
      }
      if (!hasExplicit) {
        throw configuration(
          'Give --issuer (or --provider), or both --device-authorization-endpoint and --token-endpoint for a server without discovery.',
        );
      }
      const endpoints = withExplicit({ deviceAuthorizationEndpoint: '', tokenEndpoint: '' }, explicit);
      return {
        endpoints,
        displayName: originLabel(endpoints.deviceAuthorizationEndpoint),
        requiresClientSecret: false,
      };
    }

    case 'github': {
      const base = settings.baseUrl ? baseUrlOf(settings.baseUrl, '--base-url') : 'https://github.com';
      const isDotCom = new URL(base).hostname === 'github.com';
      // GitHub has no discovery and no RFC 7009 revocation; the REST API's /user stands in for userinfo.
      const endpoints: Endpoints = {
        deviceAuthorizationEndpoint: `${base}/login/device/code`,
        tokenEndpoint: `${base}/login/oauth/access_token`,
        // The web application flow, which GitHub allows on a loopback redirect with any port.
        authorizationEndpoint: `${base}/login/oauth/authorize`,
        userinfoEndpoint: isDotCom ? 'https://api.github.com/user' : `${base}/api/v3/user`,
      };
      return {
        endpoints: withExplicit(endpoints, explicit),
        displayName: isDotCom ? 'GitHub' : `GitHub Enterprise (${new URL(base).host})`,
        // Not OpenID Connect: the profile and email through the REST API's scopes.
        defaultScope: 'read:user user:email',
        requiresClientSecret: false,
      };
    }

    case 'google': {
      const base = baseOf(settings);
      const endpoints: Endpoints = {
        issuer: on(base, 'https://accounts.google.com'),
        deviceAuthorizationEndpoint: on(base, 'https://oauth2.googleapis.com/device/code'),
        tokenEndpoint: on(base, 'https://oauth2.googleapis.com/token'),
        authorizationEndpoint: on(base, 'https://accounts.google.com/o/oauth2/v2/auth'),
        userinfoEndpoint: on(base, 'https://openidconnect.googleapis.com/v1/userinfo'),
        revocationEndpoint: on(base, 'https://oauth2.googleapis.com/revoke'),
        jwksUri: on(base, 'https://www.googleapis.com/oauth2/v3/certs'),
      };
      return {
        endpoints: withExplicit(endpoints, explicit),
        displayName: 'Google',
        // Google refuses offline_access; it issues the device flow's refresh token unasked.
        defaultScope: 'openid email profile',
        requiresClientSecret: true,
      };
    }

    case 'microsoft': {
      const tenant = (settings.tenant ?? CLIENT_DEFAULTS.microsoftTenant).trim();
      if (!/^[A-Za-z0-9.-]+$/.test(tenant)) {
        throw configuration(
          `--tenant must be a tenant id, a domain, or common / organizations / consumers (got "${tenant}").`,
        );
      }
      const base = baseOf(settings);
      const root = on(base, `https://login.microsoftonline.com/${tenant}`);
      const endpoints: Endpoints = {
        deviceAuthorizationEndpoint: `${root}/oauth2/v2.0/devicecode`,
        tokenEndpoint: `${root}/oauth2/v2.0/token`,
        authorizationEndpoint: `${root}/oauth2/v2.0/authorize`,
        // RP-initiated logout, which the account website's Sign out ends with (Entra's discovery names it).
        endSessionEndpoint: `${root}/oauth2/v2.0/logout`,
        userinfoEndpoint: on(base, 'https://graph.microsoft.com/oidc/userinfo'),
        jwksUri: `${root}/discovery/v2.0/keys`,
      };
      // Entra's id_tokens name the tenant's GUID as issuer; for common / a domain name that GUID is
      // not known here, so an exact issuer is set only for a GUID tenant (else userinfo names the user).
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenant))
        endpoints.issuer = `${root}/v2.0`;
      return {
        endpoints: withExplicit(endpoints, explicit),
        displayName: 'Microsoft',
        requiresClientSecret: false,
      };
    }

    case 'auth0': {
      const base = baseOf(settings);
      const domain = base ? undefined : hostOf(required(settings.domain, '--domain', provider), '--domain');
      // Auth0's issuer ends in a slash, and discovery compares it exactly.
      const endpoints = await discovered(base ? `${base}/` : `https://${domain}/`, http, signal);
      return {
        endpoints: withExplicit(endpoints, explicit),
        displayName: 'Auth0',
        requiresClientSecret: false,
      };
    }

    case 'okta': {
      const base = baseOf(settings);
      if (!settings.issuer && !settings.domain && !base)
        throw configuration('--domain (or --issuer, or --base-url) is required with --provider okta.');
      // Okta's own device-flow guide uses the default custom authorization server.
      const issuer =
        settings.issuer?.trim() ?? `${base ?? `https://${hostOf(settings.domain!, '--domain')}`}/oauth2/default`;
      const endpoints = await discovered(issuer, http, signal);
      return {
        endpoints: withExplicit(endpoints, explicit),
        displayName: 'Okta',
        requiresClientSecret: false,
      };
    }

    case 'keycloak': {
      const base = baseUrlOf(required(settings.baseUrl, '--base-url', provider), '--base-url');
      const realm = required(settings.realm?.trim(), '--realm', provider);
      const endpoints = await discovered(`${base}/realms/${encodeURIComponent(realm)}`, http, signal);
      return {
        endpoints: withExplicit(endpoints, explicit),
        displayName: `Keycloak (${realm})`,
        requiresClientSecret: false,
      };
    }

    case 'amazon': {
      const base = baseOf(settings);
      // Login with Amazon's code-based linking: no discovery, no revocation.
      const endpoints: Endpoints = {
        deviceAuthorizationEndpoint: on(base, 'https://api.amazon.com/auth/o2/create/codepair'),
        tokenEndpoint: on(base, 'https://api.amazon.com/auth/o2/token'),
        userinfoEndpoint: on(base, 'https://api.amazon.com/user/profile'),
        dialect: 'amazon',
      };
      return {
        endpoints: withExplicit(endpoints, explicit),
        displayName: 'Amazon',
        defaultScope: 'profile',
        requiresClientSecret: false,
      };
    }

    case 'facebook': {
      const graph = on(baseOf(settings), `https://graph.facebook.com/${FACEBOOK_GRAPH_VERSION}`);
      // Facebook Login for Devices: no refresh token, no revocation here; the profile from Graph's /me.
      const endpoints: Endpoints = {
        deviceAuthorizationEndpoint: `${graph}/device/login`,
        tokenEndpoint: `${graph}/device/login_status`,
        userinfoEndpoint: `${graph}/me?fields=id,name,picture`,
        dialect: 'facebook',
      };
      return {
        endpoints: withExplicit(endpoints, explicit),
        displayName: 'Facebook',
        defaultScope: 'public_profile',
        requiresClientSecret: false,
        requiresClientToken: true,
      };
    }

    case 'twitch': {
      // Both Twitch hosts, the identity service and the Helix API, move to the one base URL.
      const base = baseOf(settings);
      const endpoints: Endpoints = {
        deviceAuthorizationEndpoint: on(base, 'https://id.twitch.tv/oauth2/device'),
        tokenEndpoint: on(base, 'https://id.twitch.tv/oauth2/token'),
        userinfoEndpoint: on(base, 'https://api.twitch.tv/helix/users'),
        revocationEndpoint: on(base, 'https://id.twitch.tv/oauth2/revoke'),
        dialect: 'twitch',
      };
      return {
        endpoints: withExplicit(endpoints, explicit),
        displayName: 'Twitch',
        defaultScope: 'user:read:email',
        requiresClientSecret: false,
      };
    }

    case 'salesforce': {
      // A My Domain (https://acme.my.salesforce.com) through the base URL; codes come from the token endpoint.
      const base = baseOf(settings);
      const root = on(base, 'https://login.salesforce.com/services/oauth2');
      const endpoints: Endpoints = {
        deviceAuthorizationEndpoint: `${root}/token`,
        tokenEndpoint: `${root}/token`,
        userinfoEndpoint: `${root}/userinfo`,
        revocationEndpoint: `${root}/revoke`,
        dialect: 'salesforce',
      };
      return {
        endpoints: withExplicit(endpoints, explicit),
        displayName: base ? `Salesforce (${new URL(base).host})` : 'Salesforce',
        requiresClientSecret: false,
      };
    }

    case 'aws-sso': {
      const base = baseOf(settings);
      // Sent as given: it names the organisation's portal, as the person copied it from AWS.
      const startUrl = required(settings.startUrl?.trim(), '--start-url', provider);
      baseUrlOf(startUrl.replace(/[?#].*$/, ''), '--start-url');
      let origin = base;
      if (!origin) {
        const region = settings.region?.trim();
        if (!region) {
          throw configuration(
            '--region is required with --provider aws-sso (the region of IAM Identity Center, such as us-east-1), unless --base-url is given.',
          );
        }
        if (!AWS_REGION_PATTERN.test(region))
          throw configuration(`--region must be an AWS region such as us-east-1 (got "${region}").`);
        origin = `https://oidc.${region}.amazonaws.com`;
      }
      // sso-oidc: a public client registered first, JSON bodies, no userinfo and no revocation.
      const endpoints: Endpoints = {
        registrationEndpoint: `${origin}/client/register`,
        deviceAuthorizationEndpoint: `${origin}/device_authorization`,
        tokenEndpoint: `${origin}/token`,
        dialect: 'aws-sso',
        startUrl,
      };
      return {
        endpoints: withExplicit(endpoints, explicit),
        displayName: 'AWS IAM Identity Center',
        requiresClientSecret: false,
        impliedClientId: startUrl,
      };
    }

    default:
      throw configuration(
        `Unknown provider "${String(provider)}". Use one of: ${PROVIDER_NAMES.join(', ')}.`,
      );
  }
}

function originLabel(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
