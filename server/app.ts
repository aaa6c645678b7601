// Assembles the embedded server: data directory, keys, store (SQLite or Redis), accounts, the
// provider with our device-flow gap closures, the phone pages and the resource server, on one
// HTTP listener whose public URL (never a request's Host header) names every endpoint.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Context, Next } from 'koa';
import type { ClientMetadata } from 'oidc-provider';

import { DeviceLoginError } from '../core/errors.ts';
import type { Logger } from '../core/ports.ts';
import { DEMO_EMAIL, openAccounts, type Accounts } from './accounts.ts';
import { mountResourceServer } from './api.ts';
import { openSqliteStore } from './adapters/sqlite.ts';
import type { OidcStore } from './adapters/store.ts';
import { isLoopbackHost, reachableBeyondLoopback, SERVER_DEFAULTS, unsafeDefaults } from './defaults.ts';
import { installDeviceFlow } from './device-flow.ts';
import { DeviceRegistry, installSignInRecords } from './devices.ts';
import { preparePrivateDataDir } from './data-dir.ts';
import { loadOrCreateKeys } from './keys.ts';
import { deviceFlowHooks, interactionUrl, logoutSource, mountInteractions, postLogoutSuccessSource, renderError } from './pages/index.ts';
import { createProvider, LateClients, registerLateClient, tvDemoClient, type PageHooks } from './provider.ts';
import type { RateLimit } from './limits.ts';

export interface ServerOptions {
  /** TCP port; 0 picks a free one. Default SERVER_DEFAULTS.port. */
  port?: number;
  /** Interface to listen on. Default loopback; `lan` makes it 0.0.0.0. */
  host?: string;
  /** The address phones and TVs use (scheme://host[:port]); the issuer and verification_uri derive from it. */
  publicUrl?: string;
  /** Use this machine's first LAN IPv4 address in the public URL (and listen beyond loopback). */
  lan?: boolean;
  /** Directory of keys, the SQLite store and the users table. */
  dataDir?: string;
  /** Keep OAuth state in Redis instead of SQLite, so several instances can share it. */
  redisUrl?: string;
  /** Seconds between device polls (RFC 8628 §3.2). */
  interval?: number;
  /** Device and user code lifetime, seconds. */
  codeTtl?: number;
  accessTokenTtl?: number;
  /** Idle lifetime of a refresh token, seconds. */
  refreshTokenTtl?: number;
  /** Absolute lifetime of a device grant's refresh tokens, seconds from the sign-in. */
  deviceRefreshMaxAge?: number;
  /**
   * New device codes a client may ask for (default SERVER_DEFAULTS.codeIssuePerClient): raised by the
   * benchmarks, which issue thousands of codes as one client on purpose.
   */
  codeIssuePerClient?: RateLimit;
  /**
   * The demo account: true forces it on, false off; left out, it is on only while the server is
   * reachable from this machine alone (loopback listening address and public URL).
   */
  demoUser?: boolean;
  /** Take the client's address from X-Forwarded-For as the one proxy in front sets it (--trust-proxy). */
  trustProxy?: boolean;
  /**
   * Origins besides the server's own that may frame the verification pages: the browser host's phone
   * frame. Read on every response, so the caller may add its origin after start-up.
   */
  frameAncestors?: string[];
  /** Clients besides the pre-registered `tv-demo`. */
  clients?: ClientMetadata[];
  /**
   * Seconds between two writes of a device's "last used" time for the account page (default
   * SERVER_DEFAULTS.deviceLastUsedEverySeconds); 0 writes on every refresh and call (tests).
   */
  deviceLastUsedEverySeconds?: number;
  /** The command-line flag that sets `port`, named when the port is taken (`web` calls it --server-port). */
  portFlag?: string;
  logger?: Logger;
}

export interface RunningServer {
  /** Where the server can be reached (the public URL). */
  url: string;
  issuer: string;
  clientId: string;
  demoUser?: { email: string; password: string };
  /** The bound port (useful with port 0). */
  port: number;
  dataDir: string;
  /** Polls currently held by `Prefer: wait` (diagnostics and benchmarks). */
  heldPolls(): number;
  /**
   * Registers a client after start, usable by the next request: the account website's, whose redirect
   * URI is known only once the browser host listens (server/provider.ts accountSiteClient builds it).
   * Validated as a client given at start-up; one without `scope` may ask for every scope but `devices`.
   * Registering the same client_id again replaces it. Kept in this process only, never written.
   * Rejects with DeviceLoginError `configuration` for invalid metadata or an id taken at start-up.
   */
  registerClient(metadata: ClientMetadata): Promise<void>;
  /** Answers held polls, stops listening, closes the store and the users table. */
  close(): Promise<void>;
}

const silentLogger: Logger = {
  debug() {},
  info() {},
  warn(message) {
    process.stderr.write(`device-login: ${message}\n`);
  },
  error(message) {
    process.stderr.write(`device-login: ${message}\n`);
  },
};

/** This machine's first non-internal IPv4 address, for `--lan`. */
export function lanAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return undefined;
}

/** Validates a public URL: http(s), no path, query or fragment; returns it without a trailing slash. */
export function normalisePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DeviceLoginError('configuration', `The public URL "${value}" is not a URL (expected e.g. http://192.168.1.20:8787).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DeviceLoginError('configuration', `The public URL must start with http:// or https:// (got ${url.protocol}).`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
    throw new DeviceLoginError('configuration', 'The public URL must be an origin only, like https://login.example:8443 (no path, query or credentials).');
  }
  return url.origin;
}


/**
 * Refuses a body larger than `limit` bytes by its Content-Length, before anything reads it: 413 says
 * what is wrong, where the readers further in would have failed it as a bad form (400) or a failed
 * CSRF check (403). A chunked body has no length to judge; the readers' own limits stop it.
 */
async function limitBody(ctx: Context, next: Next, limit: number): Promise<void> {
  if ((ctx.request.length ?? 0) > limit) {
    ctx.status = 413;
    ctx.set('Cache-Control', 'no-store');
    // The unread body is not worth receiving: close the connection once the answer is out.
    ctx.set('Connection', 'close');
    ctx.body = { error: 'invalid_request', error_description: `The request body is larger than ${limit} bytes.` };
    return;
  }
  await next();
}

/**
 * The accounts as the sign-in pages see them when the demo account is off: its password, printed on
 * an earlier start on loopback, no longer signs anyone in. The check runs after the password hash,
 * so a refused demo sign-in costs the same time as any wrong password.
 */
function withoutDemoSignIn(accounts: Accounts): Accounts {
  return {
    ...accounts,
    async verify(email, password) {
      const sub = await accounts.verify(email, password);
      return sub && accounts.get(sub)?.email === DEMO_EMAIL ? undefined : sub;
    },
  };
}

/** The answer to any request that arrives while the server is still starting (RFC 6749 §4.1.2.1 error code). */
function answerStarting(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'The server is starting; try again in a moment.' }));
}

/** The error for a port already taken, naming the flag that picks another (a command may have several ports). */
export function portInUseError(port: number, host: string, flag: string, cause?: unknown): DeviceLoginError {
  return new DeviceLoginError('configuration', `Port ${port} on ${host} is already in use. Pick another with ${flag} (0 picks a free one).`, { cause });
}

function listen(server: Server, port: number, host: string, portFlag: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') {
        reject(portInUseError(port, host, portFlag, err));
      } else if (err.code === 'EACCES') {
        reject(new DeviceLoginError('configuration', `Not allowed to listen on port ${port} on ${host}. Use a port above 1023.`, { cause: err }));
      } else if (err.code === 'EADDRNOTAVAIL') {
        reject(new DeviceLoginError('configuration', `This machine has no address ${host} to listen on.`, { cause: err }));
      } else {
        reject(err);
      }
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolvePort((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Starts the embedded authorization server; resolves once it accepts requests. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? silentLogger;
  const host = options.host ?? (options.lan ? '0.0.0.0' : SERVER_DEFAULTS.host);
  const requestedPort = options.port ?? SERVER_DEFAULTS.port;
  const interval = options.interval ?? SERVER_DEFAULTS.interval;
  const codeTtl = options.codeTtl ?? SERVER_DEFAULTS.codeTtl;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new DeviceLoginError('configuration', `The port must be a whole number from 0 to 65535 (got ${requestedPort}).`);
  }
  if (!Number.isInteger(interval) || interval < 1 || interval > 300) {
    throw new DeviceLoginError('configuration', `The polling interval must be 1 to 300 seconds (got ${interval}).`);
  }
  if (!Number.isInteger(codeTtl) || codeTtl < 1 || codeTtl > 86400) {
    throw new DeviceLoginError('configuration', `The code lifetime must be 1 to 86400 seconds (got ${codeTtl}).`);
  }
  const lastUsedEvery = options.deviceLastUsedEverySeconds ?? SERVER_DEFAULTS.deviceLastUsedEverySeconds;
  if (!Number.isFinite(lastUsedEvery) || lastUsedEvery < 0) {
    throw new DeviceLoginError('configuration', `The seconds between "last used" writes must be 0 or more (got ${lastUsedEvery}).`);
  }
  let lanIp: string | undefined;
  if (options.lan && !options.publicUrl) {
    lanIp = lanAddress();
    if (!lanIp) {
      throw new DeviceLoginError(
        'configuration',
        'No LAN address found on this machine: it has no network interface besides loopback. Connect it to the network your phone is on, or pass --public-url (a tunnel or reverse proxy) instead of --lan.',
      );
    }
  }
  const fixedPublicUrl = options.publicUrl ? normalisePublicUrl(options.publicUrl) : undefined;
  const dataDir = preparePrivateDataDir(options.dataDir ?? SERVER_DEFAULTS.dataDir, (message) => logger.warn(message));

  // Listen first (the port may be 0), then build the provider whose issuer needs the port. Until it
  // is built, every request gets a 503 with Retry-After: a device retrying after a crash must not
  // land on a socket that accepts and never answers (its poll would hang for the whole client timeout).
  let handle: RequestListener = answerStarting;
  const server = createServer((req, res) => handle(req, res));
  const port = await listen(server, requestedPort, host, options.portFlag ?? '--port');
  // Shutdown runs these last-in first-out: held polls are answered, then the listener stops (in-flight
  // requests finish; idle keep-alive sockets are swept as they go idle), then the stores close.
  const cleanups: Array<() => Promise<void> | void> = [
    () =>
      new Promise<void>((done) => {
        const sweep = setInterval(() => server.closeIdleConnections(), 25);
        server.close(() => {
          clearInterval(sweep);
          done();
        });
        server.closeIdleConnections();
      }),
  ];
  const runCleanups = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        logger.warn('shutdown step failed', { error: err instanceof Error ? err.message : String(err) });
      }
    }
  };

  try {
    const loopbackHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    const publicUrl = fixedPublicUrl ?? `http://${lanIp ?? loopbackHost}:${port}`;
    const keys = await loadOrCreateKeys(dataDir);

    const store: OidcStore = options.redisUrl
      ? // Loaded only when asked for: ioredis costs ~60 ms of start-up that SQLite users need not pay.
        await (await import('./adapters/redis.ts')).openRedisStore({ url: options.redisUrl })
      : openSqliteStore(join(dataDir, 'oidc.sqlite'));
    // Stores go to the front of the list: they close after the listener has stopped, so no
    // in-flight request meets a closed database.
    cleanups.unshift(() => store.close());

    const accounts = openAccounts(join(dataDir, 'accounts.sqlite'));
    cleanups.unshift(() => accounts.close());
    // The demo password is printed for anyone who reads the terminal: fine while only this machine can
    // reach the server, not once other machines can (listening beyond loopback, or a public URL that a
    // proxy or tunnel forwards here). --demo-user forces it on; the warnings below then shout.
    const exposed = reachableBeyondLoopback(host, publicUrl);
    const demoOn = options.demoUser ?? !exposed;
    const demoUser = demoOn ? await accounts.ensureDemoUser() : undefined;
    if (options.demoUser === undefined && exposed) {
      logger.warn(
        `The demo account is off: other machines can reach this server (${isLoopbackHost(host) ? publicUrl : `listening on ${host}`}). ` +
          'Add an account with `device-login users add`, or pass --demo-user to turn the demo account on anyway.',
      );
    }

    const hooks = deviceFlowHooks();
    const pages: PageHooks = {
      userCodeInputSource: hooks.userCodeInputSource,
      userCodeConfirmSource: hooks.userCodeConfirmSource,
      successSource: hooks.successSource,
      interactionUrl,
      renderError,
      logoutSource,
      postLogoutSuccessSource,
    };
    const lateClients = new LateClients();
    const provider = createProvider({
      lateClients,
      issuer: publicUrl,
      keys,
      store,
      accounts,
      ...(options.clients ? { clients: options.clients } : {}),
      codeTtl,
      ...(options.accessTokenTtl !== undefined ? { accessTokenTtl: options.accessTokenTtl } : {}),
      ...(options.refreshTokenTtl !== undefined ? { refreshTokenTtl: options.refreshTokenTtl } : {}),
      ...(options.deviceRefreshMaxAge !== undefined ? { deviceRefreshMaxAge: options.deviceRefreshMaxAge } : {}),
      ...(options.codeIssuePerClient ? { codeIssuePerClient: options.codeIssuePerClient } : {}),
      pages,
    });

    // Every URL the provider prints (discovery, verification_uri) is built from the request's
    // origin; pinning that origin to the public URL keeps a TV on 127.0.0.1 from handing phones
    // an address they cannot reach, and keeps a forged Host header out of the QR code.
    const origin = new URL(publicUrl);
    // Pinned once on the app's request prototype (Provider extends Koa) rather than redefined on
    // every request object.
    const protocol = origin.protocol.slice(0, -1);
    Object.defineProperties(provider.request, {
      host: { get: () => origin.host, configurable: true },
      hostname: { get: () => origin.hostname, configurable: true },
      protocol: { get: () => protocol, configurable: true },
    });
    // With --trust-proxy, Koa takes ctx.ip from X-Forwarded-For, and only its last entry: the one the
    // proxy in front appended. Earlier entries are whatever the client sent, so trusting them (Koa's
    // default of every entry) would let anyone name any address. Scheme and host stay the public
    // URL's either way: X-Forwarded-Proto and -Host are never read, with or without the flag.
    provider.proxy = options.trustProxy ?? SERVER_DEFAULTS.trustProxy;
    provider.maxIpsCount = 1;

    if (protocol === 'https') {
      // Browsers that once reached the pages over https refuse plain http to this host afterwards, so a
      // network attacker cannot strip TLS from a later visit. Sent only here: over http it means nothing.
      const hsts = `max-age=${SERVER_DEFAULTS.hstsMaxAge}`;
      provider.use(async (ctx, next) => {
        ctx.set('Strict-Transport-Security', hsts);
        await next();
      });
    }
    // Before every route: an oversized body is refused before anything reads it.
    provider.use((ctx, next) => limitBody(ctx, next, SERVER_DEFAULTS.maxBodyBytes));

    const deviceFlow = installDeviceFlow(provider, {
      store,
      interval,
      slowDownStep: SERVER_DEFAULTS.slowDownStep,
      pollToleranceMs: SERVER_DEFAULTS.pollToleranceMs,
      longPollCapSeconds: SERVER_DEFAULTS.longPollCapSeconds,
    });
    // Held polls are answered before the listener stops, so shutdown never waits 30 s on them.
    cleanups.push(() => deviceFlow.close());

    mountInteractions(provider, provider, { accounts: demoOn ? accounts : withoutDemoSignIn(accounts), frameAncestors: options.frameAncestors ?? [] });
    // The sign-ins the account website lists and signs out. A signed-out record is kept as long as a
    // refresh token of its grant could still be presented, to say why it is refused.
    const refreshTtl = options.refreshTokenTtl ?? SERVER_DEFAULTS.refreshTokenTtl;
    const devices = new DeviceRegistry(provider, {
      store,
      lastUsedEveryMs: lastUsedEvery * 1000,
      keepSignedOutMs: Math.max(refreshTtl, options.accessTokenTtl ?? SERVER_DEFAULTS.accessTokenTtl) * 1000,
      defaultLifetimeMs: Math.max(refreshTtl, SERVER_DEFAULTS.grantTtl) * 1000,
      logger,
    });
    installSignInRecords(provider, devices);
    mountResourceServer(provider, provider, { accounts, publicUrl, devices });
    const staticClientIds = new Set([tvDemoClient(), ...(options.clients ?? [])].map((client) => client.client_id));

    provider.on('server_error', (_ctx: unknown, err: Error) => {
      logger.error('server error', { error: err.message });
    });

    handle = provider.callback();

    const trustProxy = options.trustProxy ?? SERVER_DEFAULTS.trustProxy;
    for (const warning of unsafeDefaults({ host, publicUrl, demoUser: demoUser !== undefined, trustProxy })) logger.warn(warning);
    logger.info('device-login server ready', { issuer: publicUrl, store: options.redisUrl ? 'redis' : 'sqlite', dataDir });

    let closing: Promise<void> | undefined;
    return {
      url: publicUrl,
      issuer: publicUrl,
      clientId: SERVER_DEFAULTS.clientId,
      ...(demoUser ? { demoUser } : {}),
      port,
      dataDir,
      heldPolls: () => deviceFlow.heldPolls,
      registerClient: (metadata) => registerLateClient(provider, lateClients, staticClientIds, metadata),
      close() {
        closing ??= (async () => {
          // Give in-flight answers a moment, then cut lingering keep-alive sockets.
          const force = setTimeout(() => server.closeAllConnections(), 2000);
          await runCleanups();
          clearTimeout(force);
        })();
        return closing;
      },
    };
  } catch (err) {
    server.closeAllConnections();
    await runCleanups();
    throw err;
  }
}
