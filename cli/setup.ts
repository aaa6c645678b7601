// What every client command (login, status, token, logout) builds first: configuration, ports,
// endpoints and the session. One place, so that all of them find the same stored session, and find
// it without flags after a login (the store remembers the server and client; host/config.ts).
import { DeviceLoginError } from '../core/errors.ts';
import { createProtocol } from '../core/protocol.ts';
import { resolveEndpoints, type ResolvedProvider } from '../core/providers.ts';
import { createDeviceSession, storeKeyFor } from '../core/session.ts';
import type { ClientSettings, DeviceSession } from '../core/types.ts';
import type { Ports, TokenStore } from '../core/ports.ts';
import { systemClock } from '../host/clock.ts';
import {
  assertClientConfigured,
  loadConfig,
  rememberedSignIn,
  withRememberedSignIn,
  type DeviceLoginConfig,
} from '../host/config.ts';
import { createAxiosHttpClient } from '../host/http.ts';
import { createStreamLogger, type RedactingLogger } from '../host/logger.ts';
import { redactingStore } from '../host/redacting-store.ts';
import { createFileTokenStore } from '../host/token-store.ts';
import type { Flags } from './args.ts';
import type { CliIO } from './io.ts';

/** Used when neither the flags nor the preset name scopes: OpenID profile data and a refresh token. */
export const FALLBACK_SCOPE = 'openid profile email offline_access';

/** Everything a client command works with. */
export interface ClientContext {
  config: DeviceLoginConfig;
  logger: RedactingLogger;
  store: TokenStore;
  provider: ResolvedProvider;
  client: ClientSettings;
  storeKey: string;
  ports: Ports;
  /** Creates the session (commands that only read the store do not need one). */
  openSession(): DeviceSession;
  /** Remembers this server and client in the store (never the secret), for the commands that follow: `login` calls it. */
  rememberSignIn(): Promise<void>;
}

/** What a command asks of createClientContext besides the flags. */
export interface ClientContextOptions {
  logStream?: { write(chunk: string): unknown };
  /**
   * The command talks to the token or revocation endpoint, where a confidential client must show its
   * secret (default true; `status` only reads the store).
   */
  usesClientSecret?: boolean;
}

/**
 * Loads the configuration (flags > environment > file > defaults, completed from the login remembered
 * in the token store when it names no server), builds the ports and resolves the endpoints. Throws
 * DeviceLoginError `configuration` (exit 2) or `discovery_failed` (exit 1).
 */
export async function createClientContext(
  flags: Flags,
  io: CliIO,
  command: string,
  options: ClientContextOptions = {},
): Promise<ClientContext> {
  const given = loadConfig({ flags, env: io.env });
  const logger = createStreamLogger({ stream: options.logStream ?? io.stderr, level: given.logLevel, prefix: 'device-login: ' });
  logger.redact(given.client.clientSecret);
  const fileStore = createFileTokenStore({ path: given.storePath, logger });
  const { config, from, recalled } = withRememberedSignIn(given, await fileStore.signIns());
  assertClientConfigured(config, `device-login ${command}`, { rememberedIn: fileStore.path });
  // The secret is never stored, only that the login used one: ask for it by name rather than let the
  // server answer invalid_client. Only where the server or client came from the store; one given in
  // full is taken as given (the client may since have become public).
  if (recalled && from?.clientSecret === 'required' && !config.client.clientSecret && options.usesClientSecret !== false) {
    throw new DeviceLoginError(
      'configuration',
      `The client ${config.client.clientId} signed in with a client secret, which device-login does not store: ` +
        `set DEVICE_LOGIN_CLIENT_SECRET (or give --client-secret).`,
    );
  }
  const http = createAxiosHttpClient();
  const store = redactingStore(fileStore, logger);
  const ports: Ports = { http, clock: systemClock, store, logger };

  const provider = await resolveEndpoints(config.provider, http, io.signal ? { signal: io.signal } : {});
  if (provider.requiresClientSecret && !config.client.clientSecret && options.usesClientSecret !== false) {
    throw new DeviceLoginError(
      'configuration',
      `${provider.displayName} needs a client secret: set DEVICE_LOGIN_CLIENT_SECRET (or --client-secret).`,
    );
  }
  const client: ClientSettings = { ...config.client, scope: config.client.scope ?? provider.defaultScope ?? FALLBACK_SCOPE };
  const storeKey = storeKeyFor(provider.endpoints, client.clientId);

  return {
    config,
    logger,
    store,
    provider,
    client,
    storeKey,
    ports,
    openSession() {
      const protocol = createProtocol({ endpoints: provider.endpoints, client, ports });
      return createDeviceSession({
        protocol,
        ports,
        storeKey,
        maxAutoRenewals: config.maxAutoRenewals,
        longPollSeconds: config.longPollSeconds,
      });
    },
    rememberSignIn: () => fileStore.rememberSignIn(storeKey, rememberedSignIn(config, Date.now())),
  };
}
