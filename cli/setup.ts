// What every client command (login, status, token, logout) builds first: configuration, ports,
// endpoints and the session. One place, so that all of them find the same stored session.
import { DeviceLoginError } from '../core/errors.ts';
import { createProtocol } from '../core/protocol.ts';
import { resolveEndpoints, type ResolvedProvider } from '../core/providers.ts';
import { createDeviceSession, storeKeyFor } from '../core/session.ts';
import type { ClientSettings, DeviceSession } from '../core/types.ts';
import type { Ports, TokenStore } from '../core/ports.ts';
import { systemClock } from '../host/clock.ts';
import { assertClientConfigured, loadConfig, type DeviceLoginConfig } from '../host/config.ts';
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
}

/**
 * Loads the configuration (flags > environment > file > defaults), builds the ports and resolves the
 * endpoints. Throws DeviceLoginError `configuration` (exit 2) or `discovery_failed` (exit 1).
 */
export async function createClientContext(
  flags: Flags,
  io: CliIO,
  command: string,
  options: { logStream?: { write(chunk: string): unknown } } = {},
): Promise<ClientContext> {
  const config = loadConfig({ flags, env: io.env });
  assertClientConfigured(config, `device-login ${command}`);
  const logger = createStreamLogger({ stream: options.logStream ?? io.stderr, level: config.logLevel, prefix: 'device-login: ' });
  logger.redact(config.client.clientSecret);
  const http = createAxiosHttpClient();
  const store = redactingStore(createFileTokenStore({ path: config.storePath, logger }), logger);
  const ports: Ports = { http, clock: systemClock, store, logger };

  const provider = await resolveEndpoints(config.provider, http, io.signal ? { signal: io.signal } : {});
  if (provider.requiresClientSecret && !config.client.clientSecret) {
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
  };
}
