// What every client command (login, status, token, logout) builds first: configuration, ports and
// the runtime (host/runtime.ts, shared with `web` and Electron), so that all of them find the same
// stored session, and find it without flags after a login (the store remembers the server and
// client; host/config.ts).
import type { Ports, TokenStore } from '../core/ports.ts';
import { systemClock } from '../host/clock.ts';
import { loadConfig, rememberedSignIn, withRememberedSignIn, type DeviceLoginConfig } from '../host/config.ts';
import { createAxiosHttpClient } from '../host/http.ts';
import { createStreamLogger, type RedactingLogger } from '../host/logger.ts';
import { redactingStore } from '../host/redacting-store.ts';
import { createDeviceRuntime, type DeviceRuntime } from '../host/runtime.ts';
import { createFileTokenStore } from '../host/token-store.ts';
import type { Flags } from './args.ts';
import type { CliIO } from './io.ts';

/** Everything a client command works with: the runtime (server, client, sessions) and its ports. */
export interface ClientContext extends DeviceRuntime {
  config: DeviceLoginConfig;
  logger: RedactingLogger;
  store: TokenStore;
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
 * in the token store when it names no server), builds the ports and the runtime (host/runtime.ts).
 * Throws DeviceLoginError `configuration` (exit 2) or `discovery_failed` (exit 1).
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
  logger.redact(given.client.clientToken);
  const fileStore = createFileTokenStore({ path: given.storePath, logger });
  const { config, from, recalled } = withRememberedSignIn(given, await fileStore.signIns());
  const store = redactingStore(fileStore, logger);
  const ports: Ports = { http: createAxiosHttpClient({ localAddress: config.localAddress }), clock: systemClock, store, logger };
  const runtime = await createDeviceRuntime({
    config,
    ports,
    command: `device-login ${command}`,
    rememberedIn: fileStore.path,
    // Only where the server or client came from the store: one given in full is taken as given (the
    // client may since have become public).
    secretRemembered: recalled && from?.clientSecret === 'required',
    ...(options.usesClientSecret === undefined ? {} : { usesClientSecret: options.usesClientSecret }),
    // Only login asks for codes: the others need no client token (Facebook).
    signsIn: command === 'login',
    ...(io.signal ? { signal: io.signal } : {}),
  });
  return {
    ...runtime,
    logger,
    store,
    rememberSignIn: () => fileStore.rememberSignIn(runtime.storeKey, rememberedSignIn(config, Date.now(), runtime.client.clientId)),
  };
}
