// `device-login web`: the browser host. Serves the TV app at /tv and, at /, the TV beside a phone frame.
// Without a configured provider it starts the embedded server in-process, so it works offline.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { DeviceLoginError } from '../../core/errors.ts';
import type { Ports } from '../../core/ports.ts';
import { startBrowserHost, type RunningBrowserHost } from '../../host/browser-host.ts';
import { systemClock } from '../../host/clock.ts';
import { loadConfig } from '../../host/config.ts';
import { DeviceController } from '../../host/device-controller.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { createStreamLogger } from '../../host/logger.ts';
import { redactingStore } from '../../host/redacting-store.ts';
import { createFileTokenStore } from '../../host/token-store.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import { ASSETS_DIR, catalogFor } from '../../server/catalog.ts';
import { commandHelp, parseCommandArgs, type Flags } from '../args.ts';
import { EXIT, type CliIO } from '../io.ts';
import { reportError } from '../main.ts';
import { FALLBACK_SCOPE } from '../setup.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RENDERER_DIR = join(ROOT, 'out', 'renderer');
const RENDERER_SOURCES = join(ROOT, 'renderer');
const HOST_PAGE_DIR = join(ROOT, 'host', 'page');

/** The embedded server's pre-registered TV client (server/provider.ts). */
const EMBEDDED_CLIENT_ID = 'tv-demo';

/** Runs `device-login web` until Ctrl-C or SIGTERM. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  let flags: Flags;
  try {
    flags = parseCommandArgs('web', argv);
  } catch (err) {
    io.stderr.write(`device-login: ${(err as Error).message}\n`);
    return EXIT.usage;
  }
  if (flags.help) {
    io.stdout.write(commandHelp('web'));
    return EXIT.ok;
  }

  let server: RunningServer | undefined;
  let host: RunningBrowserHost | undefined;
  let controller: DeviceController | undefined;
  try {
    const config = loadConfig({ flags, env: io.env });
    const logger = createStreamLogger({ stream: io.stderr, level: config.logLevel, prefix: 'device-login: ' });
    logger.redact(config.client.clientSecret);
    const port = wholeNumberFlag(flags.port, '--port', 8788);
    const serverPort = wholeNumberFlag(flags['server-port'], '--server-port', 8787);

    await ensureRendererBuilt(io, flags['rebuild'] === true);

    const external = Boolean(
      config.provider.issuer || config.provider.provider || config.provider.endpoints?.deviceAuthorizationEndpoint,
    );
    // The phone frame is another origin: the embedded server is told which one may frame its pages.
    const frameAncestors: string[] = [];
    if (!external) {
      server = await startServer({
        port: serverPort,
        ...(typeof flags.data === 'string' ? { dataDir: flags.data } : {}),
        ...(flags.interval !== undefined ? { interval: wholeNumberFlag(flags.interval, '--interval', 5, 3600) } : {}),
        ...(flags['code-ttl'] !== undefined ? { codeTtl: wholeNumberFlag(flags['code-ttl'], '--code-ttl', 600, 86_400) } : {}),
        frameAncestors,
        logger,
      });
    } else if (!config.client.clientId) {
      throw new DeviceLoginError('configuration', 'With a provider configured, --client-id is needed too.');
    }

    const http = createAxiosHttpClient();
    const ports: Ports = {
      http,
      clock: systemClock,
      store: redactingStore(createFileTokenStore({ path: config.storePath, logger }), logger),
      logger,
    };
    let origin = '';
    controller = await DeviceController.create({
      provider: server ? { issuer: server.issuer } : config.provider,
      client: server
        ? { clientId: EMBEDDED_CLIENT_ID, scope: config.client.scope ?? FALLBACK_SCOPE }
        : { ...config.client, scope: config.client.scope ?? FALLBACK_SCOPE },
      ports,
      ...(server ? { resourceServer: server.url, displayName: 'device-login (embedded server)' } : {}),
      localCatalog: async () => catalogFor(controller?.getState().profile?.sub ?? 'guest', origin),
      maxAutoRenewals: config.maxAutoRenewals,
      longPollSeconds: config.longPollSeconds,
    });
    host = await startBrowserHost({
      controller,
      rendererDir: RENDERER_DIR,
      hostPageDir: HOST_PAGE_DIR,
      assetsDir: ASSETS_DIR,
      phoneCanEmbed: Boolean(server),
      port,
      host: typeof flags.host === 'string' ? flags.host : '127.0.0.1',
      logger,
    });
    origin = host.origin;
    frameAncestors.push(host.origin);

    io.stdout.write(
      `${JSON.stringify({
        url: host.tvUrl,
        hostUrl: `${host.origin}/`,
        ...(server ? { issuer: server.issuer, clientId: server.clientId, demoUser: server.demoUser ?? null } : {}),
      })}\n`,
    );
    io.stderr.write(`device-login: the TV is at ${host.tvUrl}; TV and phone side by side at ${host.origin}/\n`);

    await new Promise<void>((resolve) => {
      if (!io.signal) return;
      if (io.signal.aborted) return resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return EXIT.ok;
  } catch (err) {
    if (isAddressInUse(err)) {
      io.stderr.write(`device-login: ${(err as Error).message}: choose another --port / --server-port.\n`);
      return EXIT.usage;
    }
    return reportError(err, io);
  } finally {
    await host?.close();
    await controller?.close();
    await server?.close();
  }
}

function wholeNumberFlag(value: string | boolean | undefined, flag: string, fallback: number, max = 65535): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) > max) {
    throw new DeviceLoginError('usage', `${flag} needs a whole number from 0 to ${max} (got "${String(value)}").`);
  }
  return Number(value);
}

function isAddressInUse(err: unknown): boolean {
  return (err as { code?: string })?.code === 'EADDRINUSE';
}

/** Builds the TV renderer with Vite when its output is missing or older than its sources. */
async function ensureRendererBuilt(io: CliIO, force: boolean): Promise<void> {
  const index = join(RENDERER_DIR, 'index.html');
  if (!force && existsSync(index) && newestMtime(RENDERER_SOURCES) <= statSync(index).mtimeMs) return;
  io.stderr.write('device-login: building the TV app (once, a few seconds)...\n');
  const vite = await import('vite').catch(() => {
    throw new DeviceLoginError(
      'configuration',
      'The TV app is not built and Vite is not installed: run `npm install` then `npm run build`.',
    );
  });
  await vite.build({ configFile: join(RENDERER_SOURCES, 'vite.config.ts'), logLevel: 'warn' });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}
