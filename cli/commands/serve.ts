// `device-login serve`: runs the embedded authorization server until Ctrl-C or SIGTERM. The first
// stdout line is one JSON object (issuer, clientId, demoUser, url) for scripts; logs go to stderr.
import { parseArgs } from 'node:util';

import { DeviceLoginError } from '../../core/errors.ts';
import { createStreamLogger, LOG_LEVELS, type LogLevel } from '../../host/logger.ts';
import { startServer, type ServerOptions } from '../../server/app.ts';
import { loadClientsFile } from '../../server/clients-file.ts';
import { SERVER_DEFAULTS } from '../../server/defaults.ts';
import { EXIT, type CliIO } from '../io.ts';

const HELP = `Usage: device-login serve [options]

Runs the embedded OAuth 2.0 / OpenID Connect server (device flow, phone pages,
demo catalogue, devices API). The first line on stdout is JSON:
{"url","issuer","clientId","demoUser":{"email","password"}}.

Options:
  --port N          port to listen on (default ${SERVER_DEFAULTS.port}; 0 picks a free port)
  --host H          interface to listen on (default ${SERVER_DEFAULTS.host}; 0.0.0.0 for
                    every interface)
  --public-url URL  the address phones use, e.g. https://login.example
                    (default http://<host>:<port>)
  --lan             use this machine's LAN address as the public URL and listen
                    on every interface
  --data DIR        where keys, sessions and users are kept
                    (default ${SERVER_DEFAULTS.dataDir})
  --redis URL       keep OAuth state in Redis (redis://host:6379) so several
                    instances can share it
  --interval S      seconds between device polls (default ${SERVER_DEFAULTS.interval})
  --code-ttl S      lifetime of a device code in seconds (default ${SERVER_DEFAULTS.codeTtl})
  --clients FILE    more clients besides tv-demo: a JSON array of client
                    metadata, e.g. [{"client_id": "my-tv", "client_name":
                    "My TV", "client_secret": "..."}] (fields: client_id,
                    client_name, client_secret, token_endpoint_auth_method,
                    grant_types, redirect_uris, post_logout_redirect_uris,
                    scope, device_grant; keep a file with secrets chmod 600)
  --demo-user       turn the demo account on even where other machines can
                    reach the server
  --no-demo-user    turn the demo account off even on loopback (by default it
                    is on only while both --host and the public URL are
                    loopback)
  --trust-proxy     behind a reverse proxy: take the client's address from the
                    X-Forwarded-For entry the proxy adds (shown on the phone
                    pages, counted by the limits); only when the server is
                    reachable through that proxy alone
  --log-level L     ${LOG_LEVELS.map((level) => (level === SERVER_DEFAULTS.logLevel ? `${level} (default)` : level)).join(', ')};
                    logs go to stderr (also DEVICE_LOGIN_LOG_LEVEL)
  --help            this text

Security choices and what each flag weakens: docs/security.md.
`;

function wholeNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new DeviceLoginError('usage', `${flag} needs a whole number (got "${value}").`);
  return Number(value);
}

/** Serve's options: the server's, plus the path of a clients file (read once the logger exists) and the log level. */
export type ServeOptions = ServerOptions & { clientsFile?: string; logLevel?: LogLevel };

/** A log level named by `source` (the flag or the variable), or a usage error listing the levels. */
function logLevel(source: string, value: string): LogLevel {
  const level = LOG_LEVELS.find((known) => known === value);
  if (!level) throw new DeviceLoginError('usage', `${source} must be one of ${LOG_LEVELS.join(', ')} (got "${value}").`);
  return level;
}

/** Parses serve's flags into server options; throws DeviceLoginError `usage` on bad input. */
export function parseServeArgs(argv: string[]): ServeOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'public-url': { type: 'string' },
        lan: { type: 'boolean' },
        data: { type: 'string' },
        redis: { type: 'string' },
        interval: { type: 'string' },
        'code-ttl': { type: 'string' },
        'demo-user': { type: 'boolean' },
        'no-demo-user': { type: 'boolean' },
        'trust-proxy': { type: 'boolean' },
        'log-level': { type: 'string' },
        clients: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // parseArgs' messages name the flag ("Unknown option '--prot'"); keep them, drop the stack.
    throw new DeviceLoginError('usage', err instanceof Error ? err.message.split('. ')[0]! : String(err));
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const options: ServeOptions = {};
  const port = wholeNumber('--port', v.port);
  if (port !== undefined) {
    if (port > 65535) throw new DeviceLoginError('usage', `--port must be 0 to 65535 (got ${port}).`);
    options.port = port;
  }
  if (v.host !== undefined) options.host = v.host;
  if (v['public-url'] !== undefined) options.publicUrl = v['public-url'];
  if (v.lan) options.lan = true;
  if (v.data !== undefined) options.dataDir = v.data;
  if (v.redis !== undefined) {
    if (!/^rediss?:\/\//.test(v.redis)) throw new DeviceLoginError('usage', `--redis needs a redis:// or rediss:// URL.`);
    options.redisUrl = v.redis;
  }
  const interval = wholeNumber('--interval', v.interval);
  if (interval !== undefined) options.interval = interval;
  const codeTtl = wholeNumber('--code-ttl', v['code-ttl']);
  if (codeTtl !== undefined) options.codeTtl = codeTtl;
  if (v['demo-user'] && v['no-demo-user']) throw new DeviceLoginError('usage', '--demo-user and --no-demo-user contradict each other: pick one.');
  if (v['demo-user']) options.demoUser = true;
  if (v['no-demo-user']) options.demoUser = false;
  if (v['trust-proxy']) options.trustProxy = true;
  if (v['log-level'] !== undefined) options.logLevel = logLevel('--log-level', v['log-level']);
  if (v.clients !== undefined) options.clientsFile = v.clients;
  return options;
}

/** Runs `device-login serve`; resolves with the exit code once the server has stopped. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  let options: ServeOptions | 'help';
  try {
    options = parseServeArgs(argv);
  } catch (err) {
    io.stderr.write(`device-login serve: ${(err as Error).message} (see device-login serve --help)\n`);
    return EXIT.usage;
  }
  if (options === 'help') {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  // The flag wins over the variable, which wins over the default; a level that is not one is a usage error either way.
  let level: LogLevel;
  try {
    const fromEnv = io.env.DEVICE_LOGIN_LOG_LEVEL;
    level = options.logLevel ?? (fromEnv ? logLevel('DEVICE_LOGIN_LOG_LEVEL', fromEnv) : SERVER_DEFAULTS.logLevel);
  } catch (err) {
    io.stderr.write(`device-login serve: ${(err as Error).message}\n`);
    return EXIT.usage;
  }
  const logger = createStreamLogger({ stream: io.stderr, prefix: 'device-login: ', level });

  let server;
  try {
    const { clientsFile, logLevel: _level, ...serverOptions } = options;
    const clients = clientsFile ? loadClientsFile(clientsFile, (warning) => logger.warn(warning)) : undefined;
    server = await startServer({ ...serverOptions, ...(clients ? { clients } : {}), logger });
  } catch (err) {
    const configuration = err instanceof DeviceLoginError && err.code === 'configuration';
    io.stderr.write(`device-login serve: ${(err as Error).message}\n`);
    return configuration ? EXIT.usage : EXIT.error;
  }

  io.stdout.write(
    `${JSON.stringify({
      url: server.url,
      issuer: server.issuer,
      clientId: server.clientId,
      demoUser: server.demoUser ?? null,
      verificationUri: `${server.url}/device`,
    })}\n`,
  );

  await new Promise<void>((resolve) => {
    if (!io.signal) return; // in-process callers without a signal keep the server until the process ends
    if (io.signal.aborted) return resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  logger.info('stopping');
  await server.close();
  // Stopping on a signal is how a server ends normally, so it exits 0 (process managers expect it).
  return EXIT.ok;
}
