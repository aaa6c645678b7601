// `device-login web`: the browser host. Serves the TV app at /tv, at /, the TV beside a phone frame,
// and at /account/ the account website (account/site.ts, a confidential client of the same server).
// Without a configured provider it starts the embedded server in-process, so it works offline.
// `--lan` and `--public-url` are serve's (server/app.ts does both); only the embedded server goes
// beyond loopback, because the TV host answers presses of the remote and must stay this machine's.
// stdout's first line is the JSON of the contract, for scripts; what a person needs (where to go, the
// demo account, what a phone must reach) goes to stderr as plain lines, like the logs.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createAccountSite } from '../../account/site.ts';
import { randomToken } from '../../core/authorization-code.ts';
import { CLIENT_DEFAULTS } from '../../core/defaults.ts';
import { DeviceLoginError } from '../../core/errors.ts';
import type { Ports } from '../../core/ports.ts';
import { startBrowserHost, type RunningBrowserHost } from '../../host/browser-host.ts';
import { systemClock } from '../../host/clock.ts';
import { loadConfig, namesServer } from '../../host/config.ts';
import type { DeviceController } from '../../host/device-controller.ts';
import { createAxiosHttpClient } from '../../host/http.ts';
import { createStreamLogger } from '../../host/logger.ts';
import { redactingStore } from '../../host/redacting-store.ts';
import { createDeviceRuntime, type DeviceRuntime } from '../../host/runtime.ts';
import { createFileTokenStore } from '../../host/token-store.ts';
import { portInUseError, startServer, type RunningServer } from '../../server/app.ts';
import { ASSETS_DIR, catalogFor } from '../../server/catalog.ts';
import { isLoopbackHost, SERVER_DEFAULTS } from '../../server/defaults.ts';
import { commandHelp, HELP_WIDTH, parseCommandArgs, wrap, type Flags } from '../args.ts';
import type { ClientSettings } from '../../core/types.ts';
import { EXIT, type CliIO } from '../io.ts';
import { reportError } from '../main.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RENDERER_DIR = join(ROOT, 'out', 'renderer');
const RENDERER_SOURCES = join(ROOT, 'renderer');
const HOST_PAGE_DIR = join(ROOT, 'host', 'page');
/** The account website's secret for a provider, when no flag gives it (a flag shows in ps). */
export const ACCOUNT_SECRET_VARIABLE = 'DEVICE_LOGIN_ACCOUNT_CLIENT_SECRET';
/** What the account website asks the embedded server for: the profile, a refresh token, and the devices API. */
const ACCOUNT_SCOPE = 'openid profile email offline_access devices';

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
    logger.redact(config.client.clientToken);
    const port = wholeNumberFlag(flags.port, '--port', CLIENT_DEFAULTS.browserHost.port);
    const serverPort = wholeNumberFlag(flags['server-port'], '--server-port', SERVER_DEFAULTS.port);
    const external = namesServer(config);
    const lan = flags.lan === true;
    const publicUrl = typeof flags['public-url'] === 'string' ? flags['public-url'] : undefined;
    if (flags['demo-user'] === true && flags['no-demo-user'] === true) {
      throw new DeviceLoginError('usage', '--demo-user and --no-demo-user contradict each other: pick one.');
    }
    if (external && (lan || publicUrl !== undefined)) {
      throw new DeviceLoginError(
        'usage',
        `${lan ? '--lan' : '--public-url'} places the embedded server; with a provider configured, the QR code carries the provider's own address. Leave it out.`,
      );
    }

    // The phone frame is another origin: the embedded server is told which one may frame its pages.
    const frameAncestors: string[] = [];
    if (!external) {
      server = await startServer({
        port: serverPort,
        portFlag: '--server-port',
        ...(lan ? { lan } : {}),
        ...(publicUrl !== undefined ? { publicUrl } : {}),
        ...(flags['no-demo-user'] === true ? { demoUser: false } : flags['demo-user'] === true ? { demoUser: true } : {}),
        ...(flags['trust-proxy'] === true ? { trustProxy: true } : {}),
        ...(typeof flags.data === 'string' ? { dataDir: flags.data } : {}),
        ...(flags.interval !== undefined ? { interval: wholeNumberFlag(flags.interval, '--interval', SERVER_DEFAULTS.interval, 3600) } : {}),
        ...(flags['code-ttl'] !== undefined ? { codeTtl: wholeNumberFlag(flags['code-ttl'], '--code-ttl', SERVER_DEFAULTS.codeTtl, 86_400) } : {}),
        frameAncestors,
        logger,
      });
    }

    const ports: Ports = {
      http: createAxiosHttpClient({ localAddress: config.localAddress }),
      clock: systemClock,
      store: redactingStore(createFileTokenStore({ path: config.storePath, logger }), logger),
      logger,
    };
    const runtime = await createDeviceRuntime({
      config,
      ports,
      command: 'device-login web',
      ...(server ? { embedded: server } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    let origin = '';
    const hostInterface = typeof flags.host === 'string' ? flags.host : CLIENT_DEFAULTS.browserHost.host;
    controller = await runtime.openController({
      localCatalog: async () => catalogFor(controller?.getState().profile?.sub ?? 'guest', origin),
      // On loopback the TV page is on this computer, whose browser reaches the loopback redirect.
      signInOnThisComputer: isLoopbackHost(hostInterface),
    });
    const accountClient = accountClientFor(flags, io.env, runtime, Boolean(server));
    logger.redact(accountClient.clientSecret);
    const account = createAccountSite({
      endpoints: runtime.provider.endpoints,
      client: accountClient,
      providerName: runtime.provider.displayName,
      ...(runtime.resourceServer ? { resourceServer: runtime.resourceServer } : {}),
      origin: () => origin,
      // The site is a website, not the TV: its requests never leave from the TV's test address.
      http: createAxiosHttpClient(),
      clock: systemClock,
      logger,
    });
    // Built once the configuration has proved good: a mistake there is said before a build of seconds.
    await ensureRendererBuilt(io, flags['rebuild'] === true);
    const phoneUrl = server && (lan || publicUrl !== undefined) ? server.url : undefined;
    host = await startBrowserHost({
      controller,
      rendererDir: RENDERER_DIR,
      hostPageDir: HOST_PAGE_DIR,
      assetsDir: ASSETS_DIR,
      // The frame could open a phone page on 127.0.0.1 only: a LAN or public address is another site
      // than this page's, whose (SameSite=Lax) cookies a framed page does not get, so every form there
      // would fail its CSRF check. The page then offers the address, for a new tab or a real phone.
      phoneCanEmbed: Boolean(server) && !phoneUrl,
      sidePage: {
        ...(server?.demoUser ? { demoUser: server.demoUser } : {}),
        ...(server ? { realPhone: phoneUrl ? { url: phoneUrl } : { hint: '--lan --demo-user' } } : {}),
      },
      account,
      port,
      host: hostInterface,
      logger,
    }).catch((err: unknown) => {
      const code = (err as { code?: string })?.code;
      throw code === 'EADDRINUSE' ? portInUseError(port, hostInterface, '--port', err) : err;
    });
    origin = host.origin;
    frameAncestors.push(host.origin);
    // The site's redirect URI names the host's origin, known only now (--port 0): its client is
    // registered with the embedded server now, with a secret made for this run.
    await server?.registerClient({
      client_id: accountClient.clientId,
      client_secret: accountClient.clientSecret!,
      client_name: SERVER_DEFAULTS.accountClientName,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [account.redirectUri()],
      post_logout_redirect_uris: [account.postLogoutRedirectUri()],
      scope: ACCOUNT_SCOPE,
    });
    const accountUrl = `${host.origin}/account/`;

    // People's lines first: in a terminal, where both streams meet, the first address read is the page
    // to open. Scripts read stdout, whose first line is the JSON all the same.
    io.stderr.write(readyLines({ hostUrl: `${host.origin}/`, tvUrl: host.tvUrl, accountUrl, server, phoneUrl, lan }));
    io.stdout.write(
      `${JSON.stringify({
        url: host.tvUrl,
        hostUrl: `${host.origin}/`,
        accountUrl,
        ...(server
          ? { issuer: server.issuer, clientId: server.clientId, demoUser: server.demoUser ?? null, verificationUri: `${server.url}/device` }
          : {}),
      })}\n`,
    );

    await new Promise<void>((resolve) => {
      if (!io.signal) return;
      if (io.signal.aborted) return resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return EXIT.ok;
  } catch (err) {
    return reportError(err, io);
  } finally {
    await host?.close();
    await controller?.close();
    await server?.close();
  }
}

/**
 * The account website's client. With the embedded server: its own confidential client (registered once
 * the host listens) with a random secret per run. With a provider: --account-client-id and
 * --account-client-secret (or DEVICE_LOGIN_ACCOUNT_CLIENT_SECRET), else the TV's client and secret.
 */
function accountClientFor(flags: Flags, env: NodeJS.ProcessEnv, runtime: DeviceRuntime, embedded: boolean): ClientSettings {
  if (embedded) {
    return { clientId: SERVER_DEFAULTS.accountClientId, clientSecret: randomToken(32), scope: ACCOUNT_SCOPE, extraParams: { prompt: 'consent' } };
  }
  const givenId = typeof flags['account-client-id'] === 'string' ? flags['account-client-id'] : undefined;
  const givenSecret = typeof flags['account-client-secret'] === 'string' ? flags['account-client-secret'] : env[ACCOUNT_SECRET_VARIABLE] || undefined;
  // The TV's secret belongs to the TV's client: it goes with the account site only when that client is the TV's too.
  const secret = givenSecret ?? (givenId === undefined ? runtime.client.clientSecret : undefined);
  return {
    clientId: givenId ?? runtime.client.clientId,
    ...(secret ? { clientSecret: secret } : {}),
    ...(runtime.client.scope ? { scope: runtime.client.scope } : {}),
    ...(runtime.client.audience ? { audience: runtime.client.audience } : {}),
  };
}

function wholeNumberFlag(value: string | boolean | undefined, flag: string, fallback: number, max = 65535): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) > max) {
    throw new DeviceLoginError('usage', `${flag} needs a whole number from 0 to ${max} (got "${String(value)}").`);
  }
  return Number(value);
}

/**
 * The lines for a person once everything listens: the page to open first, the demo account on lines
 * of its own (copied by hand onto a phone), and which address a real phone must reach.
 */
function readyLines(ready: {
  hostUrl: string;
  tvUrl: string;
  accountUrl: string;
  server: RunningServer | undefined;
  phoneUrl: string | undefined;
  lan: boolean;
}): string {
  // Each paragraph fitted to an 80-column terminal, two spaces in; addresses are never cut.
  const lines: string[] = [];
  const paragraph = (text: string): void => {
    lines.push('', ...wrap(text, HELP_WIDTH - 2).map((line) => `  ${line}`));
  };
  paragraph(`Open ${ready.hostUrl} in your browser: the TV and a phone side by side (the TV alone: ${ready.tvUrl}).`);
  lines.push(...wrap(`Your account and the devices signed in to it: ${ready.accountUrl}`, HELP_WIDTH - 2).map((line) => `  ${line}`));
  const demo = ready.server?.demoUser;
  if (demo) {
    lines.push('', '  Sign in on the phone with the demo account:', `    email     ${demo.email}`, `    password  ${demo.password}`);
  }
  if (ready.phoneUrl) {
    paragraph(
      `Your own phone: scan the QR code on the TV; it leads to ${ready.phoneUrl}, which the phone must reach${ready.lan ? ' (the same Wi-Fi or network as this computer)' : ''}. ` +
        `The sign-in server is open to every device that can reach it: its pages, tokens and the account API${demo ? ', and the demo account above' : ''}.` +
        (isLoopbackHost(new URL(ready.hostUrl).hostname) ? ` The TV (${new URL(ready.hostUrl).host}) still answers this computer only.` : ''),
    );
  } else if (ready.server) {
    paragraph(
      "Your own phone: start with --lan --demo-user (npm start -- --lan --demo-user) so that the QR code carries this computer's network address and the demo account signs in from other machines too (or add an account: device-login users add).",
    );
  }
  paragraph('(The JSON line on stdout is for scripts.)');
  return `${lines.join('\n')}\n`;
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
