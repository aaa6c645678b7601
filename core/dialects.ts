// What we send, where a preset's provider does not take RFC 8628 as written: a grant type, a parameter
// name, JSON bodies. Chosen by the named preset (Endpoints.dialect), never guessed from a server's
// answers; the answers go through the quirk layer (normalise.ts) alike for every server.
import type { ClientSettings, Endpoints } from './types.ts';

/** The request dialects; absent (Endpoints.dialect undefined) is RFC 8628 as written. */
export const DIALECT_NAMES = ['amazon', 'facebook', 'twitch', 'salesforce', 'aws-sso'] as const;

export type DialectName = (typeof DIALECT_NAMES)[number];

/** The device code grant type (RFC 8628 §3.4). */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/** A request body: a form (application/x-www-form-urlencoded) or a JSON object. */
export type RequestBody = { form: Record<string, string> } | { json: Record<string, unknown> };

/**
 * The client as a dialect sends it: the configured client, or for AWS the client registered at run
 * time (core/client-registration.ts), whose id and secret replace the configured ones.
 */
export type DialectClient = ClientSettings;

/** What a normaliser assumes where a provider's answer leaves something out. */
export interface AnswerDefaults {
  /** Seconds between polls when the device authorization response names none (RFC 8628 says 5). */
  intervalSeconds?: number;
  /** The code's lifetime in seconds when the response names none (otherwise an unusable response). */
  expiresInSeconds?: number;
  /** The token type when the token response names none (otherwise an unusable response). */
  tokenType?: string;
}

/** One provider's way of asking: the body of each request, and the headers of the profile call. */
export interface Dialect {
  deviceAuthorization(client: DialectClient, endpoints: Endpoints): RequestBody;
  poll(client: DialectClient, deviceCode: string, userCode: string | undefined): RequestBody;
  refresh(client: DialectClient, refreshToken: string): RequestBody;
  /** RFC 7009's body, or the provider's. */
  revocation(client: DialectClient, token: string, hint: 'refresh_token' | 'access_token'): RequestBody;
  /** Headers the profile call needs besides the bearer token. */
  profileHeaders(client: DialectClient): Record<string, string>;
  answerDefaults: AnswerDefaults;
  /** The client must be registered first (AWS): core/client-registration.ts. */
  registersClient?: true;
  /**
   * The profile may be read from an id_token that cannot be verified (no issuer, no key set): it came
   * straight from the token endpoint over TLS, which OIDC Core §3.1.3.7 (6) lets stand in for the signature.
   */
  idTokenFromTokenEndpoint?: true;
}

/** Client authentication in the body (client_secret_post), the one method every provider here accepts. */
function clientParams(client: DialectClient): Record<string, string> {
  return { client_id: client.clientId, ...(client.clientSecret ? { client_secret: client.clientSecret } : {}) };
}

const RFC8628: Dialect = {
  deviceAuthorization: (client) => ({
    form: {
      ...client.extraParams,
      ...clientParams(client),
      ...(client.scope ? { scope: client.scope } : {}),
      ...(client.audience ? { audience: client.audience } : {}),
    },
  }),
  poll: (client, deviceCode) => ({
    form: { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: deviceCode, ...clientParams(client) },
  }),
  refresh: (client, refreshToken) => ({
    form: { grant_type: 'refresh_token', refresh_token: refreshToken, ...clientParams(client) },
  }),
  revocation: (client, token, hint) => ({ form: { token, token_type_hint: hint, ...clientParams(client) } }),
  profileHeaders: () => ({}),
  answerDefaults: {},
};

/** Login with Amazon's code-based linking (Fire TV, Alexa devices). */
const AMAZON: Dialect = {
  ...RFC8628,
  deviceAuthorization: (client) => ({
    form: {
      response_type: 'device_code',
      ...clientParams(client),
      ...(client.scope ? { scope: client.scope } : {}),
      // scope_data is a JSON string, given as an extra parameter by whoever needs it.
      ...client.extraParams,
    },
  }),
  // The short grant type, and the user code beside the device code: Amazon wants the pair.
  poll: (client, deviceCode, userCode) => ({
    form: {
      grant_type: 'device_code',
      device_code: deviceCode,
      ...(userCode ? { user_code: userCode } : {}),
      ...clientParams(client),
    },
  }),
  // Amazon's devices poll every 30 s; a code request that names no interval means that.
  answerDefaults: { intervalSeconds: 30, tokenType: 'bearer' },
};

/** Facebook Login for Devices: the app is named by `APP_ID|CLIENT_TOKEN`, the device code is `code`. */
const FACEBOOK: Dialect = {
  ...RFC8628,
  deviceAuthorization: (client) => ({
    form: {
      access_token: facebookAppToken(client),
      // Graph takes scopes comma-separated.
      ...(client.scope ? { scope: client.scope.trim().split(/[\s,]+/).join(',') } : {}),
    },
  }),
  poll: (client, deviceCode) => ({ form: { access_token: facebookAppToken(client), code: deviceCode } }),
  // Facebook's token answer names no token type: its user access tokens are bearer tokens.
  answerDefaults: { tokenType: 'bearer' },
};

function facebookAppToken(client: DialectClient): string {
  return `${client.clientId}|${client.clientToken ?? ''}`;
}

/** Twitch: `scopes` (plural) with the code request and every poll; public clients send no secret. */
const TWITCH: Dialect = {
  ...RFC8628,
  deviceAuthorization: (client) => ({
    form: { ...client.extraParams, ...clientParams(client), ...(client.scope ? { scopes: client.scope } : {}) },
  }),
  poll: (client, deviceCode) => ({
    form: {
      ...clientParams(client),
      device_code: deviceCode,
      ...(client.scope ? { scopes: client.scope } : {}),
      grant_type: DEVICE_CODE_GRANT_TYPE,
    },
  }),
  revocation: (client, token) => ({ form: { client_id: client.clientId, token } }),
  // Helix wants the client id with every call, beside the token.
  profileHeaders: (client) => ({ 'client-id': client.clientId }),
};

/** Salesforce: codes from the token endpoint itself, polls with `grant_type=device` and `code`. */
const SALESFORCE: Dialect = {
  ...RFC8628,
  deviceAuthorization: (client) => ({
    form: {
      ...client.extraParams,
      response_type: 'device_code',
      ...clientParams(client),
      ...(client.scope ? { scope: client.scope } : {}),
    },
  }),
  poll: (client, deviceCode) => ({ form: { grant_type: 'device', ...clientParams(client), code: deviceCode } }),
  // Salesforce's code answer names no lifetime; its codes last ten minutes.
  answerDefaults: { expiresInSeconds: 600, tokenType: 'Bearer' },
};

/** AWS IAM Identity Center (sso-oidc): JSON bodies with camelCase names, a registered public client. */
const AWS_SSO: Dialect = {
  ...RFC8628,
  deviceAuthorization: (client, endpoints) => ({
    json: { clientId: client.clientId, clientSecret: client.clientSecret ?? '', startUrl: endpoints.startUrl ?? '' },
  }),
  poll: (client, deviceCode) => ({
    json: {
      clientId: client.clientId,
      clientSecret: client.clientSecret ?? '',
      grantType: DEVICE_CODE_GRANT_TYPE,
      deviceCode,
    },
  }),
  refresh: (client, refreshToken) => ({
    json: { clientId: client.clientId, clientSecret: client.clientSecret ?? '', grantType: 'refresh_token', refreshToken },
  }),
  registersClient: true,
  idTokenFromTokenEndpoint: true,
};

const DIALECTS: Record<DialectName, Dialect> = {
  amazon: AMAZON,
  facebook: FACEBOOK,
  twitch: TWITCH,
  salesforce: SALESFORCE,
  'aws-sso': AWS_SSO,
};

/** The dialect of a set of endpoints: the preset's, else RFC 8628. */
export function dialectOf(endpoints: Pick<Endpoints, 'dialect'>): Dialect {
  return endpoints.dialect ? DIALECTS[endpoints.dialect] : RFC8628;
}
