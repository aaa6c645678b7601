// Configuration of a device-login client (CLI, browser host, Electron): one validated object built from
// defaults (CLIENT_DEFAULTS, core/defaults.ts) < config file < environment < flags. CLI-agnostic on
// purpose: the input is plain data. What a login signed in with is remembered in the token store and
// completes a configuration that names no server (withRememberedSignIn), so that `status`, `token`
// and `logout` need no flags after a `login`.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { CLIENT_DEFAULTS } from '../core/defaults.ts';
import { DeviceLoginError } from '../core/errors.ts';
import { AWS_REGION_PATTERN, PROVIDER_NAMES, type ProviderSettings } from '../core/providers.ts';
import type { ClientSettings } from '../core/types.ts';
import { LOG_LEVELS, type LogLevel } from './logger.ts';
import { defaultConfigPath, defaultStorePath, type PathEnvironment } from './paths.ts';

/** The validated configuration of a device-login client. */
export interface DeviceLoginConfig {
  provider: ProviderSettings;
  client: ClientSettings;
  /** The token file. */
  storePath: string;
  /** Most seconds of `Prefer: wait=N` on polls, only where the server announces long polling; 0 turns it off. */
  longPollSeconds: number;
  /** How many expired codes are replaced without asking. */
  maxAutoRenewals: number;
  /** Seconds between the TV's checks that the server still accepts its sign-in; 0 turns them off. */
  sessionCheckSeconds: number;
  logLevel: LogLevel;
  /** The configuration file that was read, if any. */
  configFile?: string;
  /** For tests and demos: the local IP address the client's requests leave from (LOCAL_ADDRESS_VARIABLE). */
  localAddress?: string;
}

/**
 * For tests and demos, not for people: the local IP address every request of the client leaves from
 * (host/http.ts). With the embedded server on 127.0.0.1, DEVICE_LOGIN_LOCAL_ADDRESS=127.0.0.2 makes
 * the device look as if it were on another network than the phone, so that the proximity check
 * (RFC 10027) can be seen on one machine. Environment only: no flag, no config file key.
 */
export const LOCAL_ADDRESS_VARIABLE = 'DEVICE_LOGIN_LOCAL_ADDRESS';

/** Where the settings come from. Keys of `flags` are the CLI's flag names without dashes (`client-id`). */
export interface ConfigInput {
  flags?: Record<string, string | boolean | undefined>;
  env?: Record<string, string | undefined>;
  /** An explicit config file (`--config PATH`): it must exist. Without it `<config dir>/config.json` is read if present. */
  configFile?: string;
  /** Platform, home and XDG variables for the default paths; defaults to this process. */
  paths?: PathEnvironment;
}

// Every setting: its flag, environment variable and key in the JSON file, and its schema.
const url = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const parsed = new URL(value);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL');
const text = z.string().trim().min(1, 'must not be empty');
const seconds = (max: number) =>
  z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').max(max, `must be at most ${max}`);

const SETTINGS = {
  provider: { flag: 'provider', env: 'DEVICE_LOGIN_PROVIDER', schema: z.enum(PROVIDER_NAMES) },
  issuer: { flag: 'issuer', env: 'DEVICE_LOGIN_ISSUER', schema: url },
  baseUrl: { flag: 'base-url', env: 'DEVICE_LOGIN_BASE_URL', schema: url },
  tenant: { flag: 'tenant', env: 'DEVICE_LOGIN_TENANT', schema: text },
  domain: { flag: 'domain', env: 'DEVICE_LOGIN_DOMAIN', schema: text },
  realm: { flag: 'realm', env: 'DEVICE_LOGIN_REALM', schema: text },
  region: {
    flag: 'region',
    env: 'DEVICE_LOGIN_REGION',
    schema: z.string().trim().regex(AWS_REGION_PATTERN, 'must be an AWS region such as us-east-1'),
  },
  startUrl: { flag: 'start-url', env: 'DEVICE_LOGIN_START_URL', schema: url },
  clientId: { flag: 'client-id', env: 'DEVICE_LOGIN_CLIENT_ID', schema: text },
  clientSecret: { flag: 'client-secret', env: 'DEVICE_LOGIN_CLIENT_SECRET', schema: text, secret: true },
  clientToken: { flag: 'client-token', env: 'DEVICE_LOGIN_CLIENT_TOKEN', schema: text, secret: true },
  scope: { flag: 'scope', env: 'DEVICE_LOGIN_SCOPE', schema: text },
  audience: { flag: 'audience', env: 'DEVICE_LOGIN_AUDIENCE', schema: text },
  deviceAuthorizationEndpoint: {
    flag: 'device-authorization-endpoint',
    env: 'DEVICE_LOGIN_DEVICE_AUTHORIZATION_ENDPOINT',
    schema: url,
  },
  tokenEndpoint: { flag: 'token-endpoint', env: 'DEVICE_LOGIN_TOKEN_ENDPOINT', schema: url },
  userinfoEndpoint: { flag: 'userinfo-endpoint', env: 'DEVICE_LOGIN_USERINFO_ENDPOINT', schema: url },
  revocationEndpoint: { flag: 'revocation-endpoint', env: 'DEVICE_LOGIN_REVOCATION_ENDPOINT', schema: url },
  store: { flag: 'store', env: 'DEVICE_LOGIN_STORE', schema: text },
  longPollSeconds: { flag: 'long-poll-seconds', env: 'DEVICE_LOGIN_LONG_POLL_SECONDS', schema: seconds(120) },
  maxAutoRenewals: { flag: 'max-auto-renewals', env: 'DEVICE_LOGIN_MAX_AUTO_RENEWALS', schema: seconds(20) },
  // Tests set DEVICE_LOGIN_SESSION_CHECK_SECONDS=1 to see a remote sign-out at once (a documented hook).
  sessionCheckSeconds: { flag: 'session-check-seconds', env: 'DEVICE_LOGIN_SESSION_CHECK_SECONDS', schema: seconds(86_400) },
  logLevel: { flag: 'log-level', env: 'DEVICE_LOGIN_LOG_LEVEL', schema: z.enum(LOG_LEVELS) },
} as const;

type SettingKey = keyof typeof SETTINGS;
type Settings = { [K in SettingKey]?: z.output<(typeof SETTINGS)[K]['schema']> };

/**
 * The environment variables read, with what they set (for --help and the README). The config file
 * itself can be named with DEVICE_LOGIN_CONFIG.
 */
export const ENVIRONMENT_VARIABLES: ReadonlyArray<{ name: string; flag: string }> = [
  ...Object.values(SETTINGS).map((s) => ({ name: s.env, flag: `--${s.flag}` })),
  { name: 'DEVICE_LOGIN_CONFIG', flag: '--config' },
];

/** Builds and validates the configuration. Throws DeviceLoginError `configuration` with a readable message. */
export function loadConfig(input: ConfigInput = {}): DeviceLoginConfig {
  const env = input.env ?? process.env;
  const paths = input.paths ?? { env };
  const flags = input.flags ?? {};

  const explicitFile =
    input.configFile ?? stringFlag(flags.config) ?? (env.DEVICE_LOGIN_CONFIG?.trim() || undefined);
  const filePath = explicitFile ?? defaultConfigPath(paths);
  const fileValues = readConfigFile(filePath, explicitFile !== undefined);

  const merged: Settings = {
    ...(fileValues ? validateLayer(fileValues.values, (key) => `"${key}" in ${filePath}`) : {}),
    ...validateLayer(fromEnv(env), (key) => SETTINGS[key].env),
    ...validateLayer(fromFlags(flags), (key) => `--${SETTINGS[key].flag}`),
  };
  if (flags['no-long-poll'] === true) merged.longPollSeconds = 0;

  const provider = providerSettingsOf(merged);
  const client: ClientSettings = definedOnly({
    clientId: merged.clientId ?? '',
    clientSecret: merged.clientSecret,
    clientToken: merged.clientToken,
    scope: merged.scope,
    audience: merged.audience,
  });

  return definedOnly({
    provider,
    client,
    storePath: merged.store ?? defaultStorePath(paths),
    longPollSeconds: merged.longPollSeconds ?? CLIENT_DEFAULTS.longPollSeconds,
    maxAutoRenewals: merged.maxAutoRenewals ?? CLIENT_DEFAULTS.maxAutoRenewals,
    sessionCheckSeconds: merged.sessionCheckSeconds ?? CLIENT_DEFAULTS.sessionCheckSeconds,
    logLevel: merged.logLevel ?? CLIENT_DEFAULTS.logLevel,
    configFile: fileValues ? filePath : undefined,
    localAddress: localAddressOf(env),
  });
}

/** LOCAL_ADDRESS_VARIABLE's address, checked: an IP address of this machine's, not a host name. */
function localAddressOf(env: Record<string, string | undefined>): string | undefined {
  const value = env[LOCAL_ADDRESS_VARIABLE]?.trim();
  if (!value) return undefined;
  if (isIP(value) === 0) throw configError(`${LOCAL_ADDRESS_VARIABLE} must be an IP address of this machine, such as 127.0.0.2 (got ${shown(value)}).`);
  return value;
}

/**
 * Checks that the configuration names an authorization server and a client: an issuer, a provider
 * preset, or both explicit device authorization and token endpoints; and a client id.
 */
export function assertClientConfigured(
  config: DeviceLoginConfig,
  command = 'device-login login',
  options: { rememberedIn?: string } = {},
): void {
  const { provider, client } = config;
  const explicit = provider.endpoints?.deviceAuthorizationEndpoint && provider.endpoints.tokenEndpoint;
  if (!provider.issuer && !provider.provider && !explicit) {
    if (provider.endpoints?.deviceAuthorizationEndpoint || provider.endpoints?.tokenEndpoint) {
      throw configError(
        'Without --issuer or --provider, both --device-authorization-endpoint and --token-endpoint are needed.',
      );
    }
    const none = options.rememberedIn
      ? `No authorization server configured, and no earlier login remembered in ${options.rememberedIn}`
      : 'No authorization server configured';
    throw configError(
      `${none}: give --issuer URL, --provider NAME, or --device-authorization-endpoint and --token-endpoint (see ${command} --help).`,
    );
  }
  // AWS IAM Identity Center registers its client at sign-in: the access portal names it instead.
  if (provider.provider === 'aws-sso') {
    if (!provider.startUrl) {
      throw configError(`--provider aws-sso needs --start-url URL, the AWS access portal URL such as https://my-org.awsapps.com/start (see ${command} --help).`);
    }
    return;
  }
  if (!client.clientId) {
    const what = provider.provider === 'facebook' ? 'No app id configured: give --client-id APP_ID' : 'No client id configured: give --client-id ID';
    throw configError(`${what} or set DEVICE_LOGIN_CLIENT_ID (see ${command} --help).`);
  }
}

/**
 * What `login` remembers in the token store about the server and client it signed in with, so that
 * status, token, logout and the next login need no flags. Never a secret: only that one was used.
 */
export interface RememberedSignIn {
  provider: ProviderSettings;
  client: { clientId: string; scope?: string; audience?: string };
  /** The login sent a client secret: the commands that talk to the server need it again, from the environment. */
  clientSecret?: 'required';
  /** When a login last used it (epoch ms): the latest is the default. */
  usedAt: number;
}

/**
 * What a login with `config` remembers (everything that finds the server and client again, but the
 * secret). `clientId`: the one the login used, where the preset implies it (AWS: the access portal).
 */
export function rememberedSignIn(config: DeviceLoginConfig, usedAt: number, clientId = config.client.clientId): RememberedSignIn {
  const { scope, audience, clientSecret } = config.client;
  return definedOnly({
    provider: config.provider,
    client: definedOnly({ clientId, scope, audience }),
    clientSecret: clientSecret ? ('required' as const) : undefined,
    usedAt,
  });
}

/** A configuration completed from an earlier login, and that login (when one was used). */
export interface CompletedConfig {
  config: DeviceLoginConfig;
  /** The remembered login that completed it. */
  from?: RememberedSignIn;
  /** The server or the client id came from `from` (not only a scope or an audience). */
  recalled: boolean;
}

// The settings that pick the server. They come together from one source, never mixed: an issuer from
// the flags with a realm remembered from another server would be a third server nobody asked for.
const SERVER_KEYS = ['provider', 'issuer', 'baseUrl', 'tenant', 'domain', 'realm', 'region', 'startUrl', 'endpoints'] as const;

/** The settings a login remembers, as named in SETTINGS: the server's and the client's, no secret. */
const REMEMBERED_KEYS = [
  'provider',
  'issuer',
  'baseUrl',
  'tenant',
  'domain',
  'realm',
  'region',
  'startUrl',
  'deviceAuthorizationEndpoint',
  'tokenEndpoint',
  'userinfoEndpoint',
  'revocationEndpoint',
  'clientId',
  'scope',
  'audience',
] as const satisfies readonly SettingKey[];

/**
 * Completes a configuration from what earlier logins remembered (`signIns`, as read from the token
 * store). With no server configured, the latest login's server, client id, scope and audience fill
 * what the configuration leaves unset (with a client id of its own: the latest login of that client).
 * With a server configured (flags, environment or file win), only a login to that same server (and
 * client, when one is given) fills the client id, scope and audience. Entries that do not validate
 * are passed over.
 */
export function withRememberedSignIn(config: DeviceLoginConfig, signIns: Record<string, unknown>): CompletedConfig {
  const serverGiven = namesServer(config);
  const clientId = config.client.clientId;
  const candidates = Object.values(signIns)
    .map(validRemembered)
    .filter((r): r is RememberedSignIn => r !== undefined)
    .filter((r) => (!clientId || r.client.clientId === clientId) && (!serverGiven || sameServer(r.provider, config.provider)))
    .sort((a, b) => b.usedAt - a.usedAt);
  const from = candidates[0];
  if (!from) return { config, recalled: false };
  const client = definedOnly({
    clientId: clientId || from.client.clientId,
    clientSecret: config.client.clientSecret,
    clientToken: config.client.clientToken,
    scope: config.client.scope ?? from.client.scope,
    audience: config.client.audience ?? from.client.audience,
  });
  return {
    config: { ...config, provider: serverGiven ? config.provider : from.provider, client },
    from,
    recalled: !serverGiven || !clientId,
  };
}

/**
 * Whether the configuration names an authorization server (any of the settings that pick one). Where
 * it names none, the browser host and Electron start the embedded server and sign in there.
 */
export function namesServer(config: DeviceLoginConfig): boolean {
  return SERVER_KEYS.some((key) => config.provider[key] !== undefined);
}

/** Whether two provider settings name the same server (exactly: a trailing slash of an issuer counts). */
function sameServer(a: ProviderSettings, b: ProviderSettings): boolean {
  const canonical = (p: ProviderSettings) =>
    JSON.stringify(SERVER_KEYS.map((key) => (key === 'endpoints' ? canonicalEndpoints(p.endpoints) : (p[key] ?? null))));
  return canonical(a) === canonical(b);
}

function canonicalEndpoints(endpoints: ProviderSettings['endpoints']): unknown {
  if (!endpoints) return null;
  const e = endpoints;
  return [e.deviceAuthorizationEndpoint ?? null, e.tokenEndpoint ?? null, e.userinfoEndpoint ?? null, e.revocationEndpoint ?? null];
}

/** A remembered login as read from the file, checked with the same schemas as every other setting; else undefined. */
function validRemembered(value: unknown): RememberedSignIn | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { provider, client, clientSecret, usedAt } = value as Record<string, unknown>;
  if (!provider || typeof provider !== 'object' || !client || typeof client !== 'object') return undefined;
  const { endpoints, ...server } = provider as Record<string, unknown>;
  const c = client as Record<string, unknown>;
  const flat: Record<string, unknown> = { ...server, ...(endpoints && typeof endpoints === 'object' ? endpoints : {}) };
  for (const key of ['clientId', 'scope', 'audience']) flat[key] = c[key];
  if (Object.keys(flat).some((key) => !(REMEMBERED_KEYS as readonly string[]).includes(key))) return undefined;
  let settings: Settings;
  try {
    settings = validateLayer(flat, (key) => key);
  } catch {
    return undefined;
  }
  if (!settings.clientId) return undefined;
  return definedOnly({
    provider: providerSettingsOf(settings),
    client: definedOnly({ clientId: settings.clientId, scope: settings.scope, audience: settings.audience }),
    clientSecret: clientSecret === 'required' ? ('required' as const) : undefined,
    usedAt: typeof usedAt === 'number' && Number.isFinite(usedAt) ? usedAt : 0,
  });
}

/** The ProviderSettings of validated settings: the endpoints nested, as core/providers.ts takes them. */
function providerSettingsOf(settings: Settings): ProviderSettings {
  const endpoints = definedOnly({
    deviceAuthorizationEndpoint: settings.deviceAuthorizationEndpoint,
    tokenEndpoint: settings.tokenEndpoint,
    userinfoEndpoint: settings.userinfoEndpoint,
    revocationEndpoint: settings.revocationEndpoint,
  });
  return definedOnly({
    provider: settings.provider,
    issuer: settings.issuer,
    baseUrl: settings.baseUrl,
    tenant: settings.tenant,
    domain: settings.domain,
    realm: settings.realm,
    region: settings.region,
    startUrl: settings.startUrl,
    endpoints: Object.keys(endpoints).length ? endpoints : undefined,
  });
}

function configError(message: string): DeviceLoginError {
  return new DeviceLoginError('configuration', message);
}

function readConfigFile(path: string, mustExist: boolean): { values: Record<string, unknown> } | undefined {
  let textContent: string;
  try {
    textContent = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !mustExist) return undefined;
    throw configError(`Cannot read the config file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(textContent);
  } catch (err) {
    throw configError(`The config file ${path} is not valid JSON (${(err as Error).message}).`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw configError(`The config file ${path} must hold one JSON object of settings.`);
  }
  const values = { ...(parsed as Record<string, unknown>) };
  // Endpoints may also be nested, as in ProviderSettings.
  const nested = values.endpoints;
  if (nested && typeof nested === 'object' && !Array.isArray(nested)) {
    delete values.endpoints;
    Object.assign(values, nested);
  }
  const unknown = Object.keys(values).filter((key) => !(key in SETTINGS));
  if (unknown.length) {
    throw configError(
      `Unknown setting ${unknown.map((k) => `"${k}"`).join(', ')} in ${path}; known settings: ${Object.keys(SETTINGS).join(', ')}.`,
    );
  }
  return { values };
}

function fromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS)) {
    const value = env[setting.env];
    // An empty variable counts as unset, as shells make it easy to export one by accident.
    if (value !== undefined && value.trim() !== '') out[key] = value;
  }
  return out;
}

function fromFlags(flags: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS)) {
    const value = flags[setting.flag];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function validateLayer(values: Record<string, unknown>, label: (key: SettingKey) => string): Settings {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    const setting = SETTINGS[key as SettingKey];
    const result = setting.schema.safeParse(value);
    if (result.success) {
      out[key] = result.data;
      continue;
    }
    const name = label(key as SettingKey);
    if (key === 'provider') {
      throw configError(`${name} must be one of ${PROVIDER_NAMES.join(', ')} (got ${shown(value)}).`);
    }
    if (key === 'logLevel') {
      throw configError(`${name} must be one of ${LOG_LEVELS.join(', ')} (got ${shown(value)}).`);
    }
    const reason = result.error.issues[0]?.message ?? 'is not valid';
    const got = 'secret' in setting && setting.secret ? '' : ` (got ${shown(value)})`;
    throw configError(`${name} ${reason.startsWith('must') ? reason : `is not valid: ${reason}`}${got}.`);
  }
  return out as Settings;
}

function shown(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return `'${s.length > 80 ? `${s.slice(0, 77)}...` : s}'`;
}

function stringFlag(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
