import { parseArgs } from 'node:util';
import { DeviceLoginError } from '../core/errors.ts';
import { ENVIRONMENT_VARIABLES } from '../host/config.ts';

type OptionSpec = { type: 'string' | 'boolean'; short?: string };

/** One option of a command, with its help line. */
interface Option extends OptionSpec {
  name: string;
  value?: string;
  help: string;
}

// Flags that pick the authorization server and the client: shared by login, status, token and logout,
// because the stored session is found by (endpoints, client id).
const PROVIDER_OPTIONS: Option[] = [
  { name: 'issuer', type: 'string', value: 'URL', help: 'OpenID Connect / OAuth issuer (discovery is used)' },
  {
    name: 'provider',
    type: 'string',
    value: 'NAME',
    help: 'preset: generic, github, google, microsoft, auth0, okta, keycloak',
  },
  { name: 'base-url', type: 'string', value: 'URL', help: 'base URL (GitHub Enterprise Server, Keycloak, Okta)' },
  { name: 'tenant', type: 'string', value: 'ID', help: 'Microsoft Entra tenant (default: organizations)' },
  { name: 'domain', type: 'string', value: 'HOST', help: 'Auth0 / Okta domain' },
  { name: 'realm', type: 'string', value: 'NAME', help: 'Keycloak realm' },
  { name: 'client-id', type: 'string', value: 'ID', help: 'OAuth client id' },
  {
    name: 'client-secret',
    type: 'string',
    value: 'S',
    help: 'only where required (Google); prefer DEVICE_LOGIN_CLIENT_SECRET: a flag shows in ps and shell history',
  },
  { name: 'device-authorization-endpoint', type: 'string', value: 'URL', help: 'for servers without discovery' },
  { name: 'token-endpoint', type: 'string', value: 'URL', help: 'for servers without discovery' },
  { name: 'userinfo-endpoint', type: 'string', value: 'URL', help: 'for servers without discovery' },
  { name: 'revocation-endpoint', type: 'string', value: 'URL', help: 'for servers without discovery' },
  { name: 'store', type: 'string', value: 'PATH', help: 'token file (default: <config dir>/device-login/tokens.json)' },
  { name: 'config', type: 'string', value: 'PATH', help: 'JSON config file (default: <config dir>/device-login/config.json)' },
  { name: 'log-level', type: 'string', value: 'LEVEL', help: 'debug, info, warn (default), error, silent; logs go to stderr' },
];

const HELP: Option = { name: 'help', type: 'boolean', short: 'h', help: 'show this help' };
const JSON_FLAG: Option = { name: 'json', type: 'boolean', help: 'machine-readable output on stdout' };

interface CommandSpec {
  summary: string;
  usage: string;
  options: Option[];
  notes?: string;
}

const ENV_NOTE = `Every setting can also come from the environment or from the JSON config file (keys in camelCase:
issuer, clientId, scope, ...). Flags win over the environment, which wins over the file.
Environment:
${ENVIRONMENT_VARIABLES.map((v) => `  ${v.name.padEnd(44)} ${v.flag}`).join('\n')}
  DEVICE_LOGIN_LONG_POLL_SECONDS=0 is the same as --no-long-poll.`;

// Why status, token and logout need no flags after a login (host/config.ts, withRememberedSignIn).
const REMEMBERED_NOTE = `Without --issuer, --provider or endpoints, the server and client of the last login are used: the
token store remembers them (never a client secret: set DEVICE_LOGIN_CLIENT_SECRET where one is needed).
Flags, the environment or the config file, when they name a server, win and pick that server's session.`;

/** The client commands and their flags (DESIGN.md, command-line contract). */
export const COMMANDS: Record<'login' | 'status' | 'token' | 'logout' | 'web', CommandSpec> = {
  login: {
    summary: 'sign in with the device flow: shows a code and a QR code, waits for approval',
    usage: 'device-login login [--issuer URL | --provider NAME] [--client-id ID] [options]',
    options: [
      ...PROVIDER_OPTIONS,
      { name: 'scope', type: 'string', value: 'S', help: 'space-separated scopes (default: the preset\'s, else "openid profile email offline_access")' },
      { name: 'audience', type: 'string', value: 'A', help: 'API audience (Auth0)' },
      JSON_FLAG,
      { name: 'no-qr', type: 'boolean', help: 'do not draw the QR code' },
      { name: 'no-long-poll', type: 'boolean', help: 'do not ask a server that offers it to hold polls (Prefer: wait)' },
      { name: 'long-poll-seconds', type: 'string', value: 'N', help: 'how long a server that offers it may hold a poll (default 25)' },
      { name: 'max-auto-renewals', type: 'string', value: 'N', help: 'expired codes replaced without asking (default 2)' },
      HELP,
    ],
    notes: `With --json, stdout is JSON Lines: one object per state change ("awaiting_user" with userCode,
verificationUri, verificationUriComplete, expiresAt, interval, network; "signed_in" with profile;
"error" with code and message). Human output goes to stderr.

Exit codes: 0 signed in, 1 error, 2 usage or configuration error, 3 denied, 4 code expired,
130 interrupted. Ctrl-C keeps the pending code: running login again before it expires resumes it.

${REMEMBERED_NOTE} Without provider flags, login signs in again to the server of the last login.

${ENV_NOTE}`,
  },
  status: {
    summary: 'show who is signed in and when the access token expires',
    usage: 'device-login status [provider flags as for login] [--json]',
    options: [...PROVIDER_OPTIONS, JSON_FLAG, HELP],
    notes: `${REMEMBERED_NOTE}\n\nExit codes: 0 signed in, 1 not signed in, 2 usage or configuration error.`,
  },
  token: {
    summary: 'print a valid access token on stdout, refreshing it when needed (for scripts)',
    usage: 'device-login token [provider flags as for login] [--refresh]',
    options: [
      ...PROVIDER_OPTIONS,
      { name: 'refresh', type: 'boolean', help: 'refresh even if the current token is still valid' },
      HELP,
    ],
    notes: `${REMEMBERED_NOTE}\n\nThe token is the only output on stdout. Exit codes: 0 ok, 1 not signed in or refresh failed, 2 usage.`,
  },
  logout: {
    summary: 'revoke the tokens at the server (when it supports it) and forget them',
    usage: 'device-login logout [provider flags as for login] [--json]',
    options: [...PROVIDER_OPTIONS, JSON_FLAG, HELP],
    notes: REMEMBERED_NOTE,
  },
  web: {
    summary: 'the browser host: the TV app in a browser (/tv), and / with the TV and a phone frame side by side',
    usage: 'device-login web [--port N] [--lan | --public-url URL] [provider flags as for login]',
    options: [
      { name: 'port', type: 'string', value: 'N', help: 'port of the browser host (default 8788; 0 picks a free port)' },
      { name: 'host', type: 'string', value: 'H', help: 'interface of the browser host (default 127.0.0.1)' },
      { name: 'lan', type: 'boolean', help: 'for a real phone: the sign-in pages on this machine\'s LAN address, which the QR code then carries' },
      { name: 'public-url', type: 'string', value: 'URL', help: 'the address phones use: a tunnel or reverse proxy to the embedded server\'s port' },
      { name: 'server-port', type: 'string', value: 'N', help: 'port of the embedded server (default 8787; 0 picks one)' },
      { name: 'data', type: 'string', value: 'DIR', help: 'data directory of the embedded server (default ./.data)' },
      { name: 'no-demo-user', type: 'boolean', help: 'embedded server: do not create the demo account (add accounts with device-login users add)' },
      { name: 'interval', type: 'string', value: 'S', help: 'embedded server: seconds between polls (default 5)' },
      { name: 'code-ttl', type: 'string', value: 'S', help: 'embedded server: lifetime of a code in seconds (default 600)' },
      ...PROVIDER_OPTIONS,
      { name: 'scope', type: 'string', value: 'S', help: 'space-separated scopes (default "openid profile email offline_access")' },
      { name: 'audience', type: 'string', value: 'A', help: 'API audience (Auth0)' },
      { name: 'no-long-poll', type: 'boolean', help: 'do not ask a server that offers it to hold polls (Prefer: wait)' },
      { name: 'long-poll-seconds', type: 'string', value: 'S', help: 'how long a server that offers it may hold a poll (default 25)' },
      { name: 'max-auto-renewals', type: 'string', value: 'N', help: 'expired codes replaced without asking (default 2)' },
      { name: 'rebuild', type: 'boolean', help: 'rebuild the TV app before starting' },
      HELP,
    ],
    notes: `Without --issuer, --provider or explicit endpoints, the embedded server is started in-process, so it
works offline. The first line on stdout is JSON: {"url" (the TV page), "hostUrl" (the TV beside a phone),
and with the embedded server "issuer", "clientId", "demoUser" {email, password}, "verificationUri"}.
The lines for people (the address to open, the demo account) and the logs go to stderr. Ctrl-C stops it.

A real phone: --lan serves the embedded server's sign-in pages on this machine's LAN address and puts
that address in the QR code; the phone must be on the same network. --public-url URL does the same for
a tunnel or reverse proxy that forwards URL to the embedded server's port (--server-port); add --lan
when the proxy is on another machine. The TV itself (--port) stays on --host, 127.0.0.1 by default.

${ENV_NOTE}`,
  },
};

export type CommandName = keyof typeof COMMANDS;

/** Parsed flags of one command. */
export type Flags = Record<string, string | boolean | undefined>;

/** Text of `device-login <command> --help`. */
export function commandHelp(command: CommandName): string {
  const spec = COMMANDS[command];
  const rows = spec.options.map((o) => {
    const left = `  ${o.short ? `-${o.short}, ` : ''}--${o.name}${o.value ? ` ${o.value}` : ''}`;
    return `${left.padEnd(40)} ${o.help}`;
  });
  return `device-login ${command}: ${spec.summary}\n\nUsage: ${spec.usage}\n\nOptions:\n${rows.join('\n')}\n${spec.notes ? `\n${spec.notes}\n` : ''}`;
}

/**
 * Strict parsing of a command's flags. Throws DeviceLoginError `usage` with one readable line, e.g.
 * "unknown option --foo for device-login login (see device-login login --help)".
 */
export function parseCommandArgs(command: CommandName, argv: string[]): Flags {
  const options: Record<string, OptionSpec> = {};
  for (const o of COMMANDS[command].options) options[o.name] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  const see = `(see device-login ${command} --help)`;
  try {
    const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
    return values as Flags;
  } catch (err) {
    const code = (err as { code?: string }).code;
    const message = (err as Error).message;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const name = /'([^']+)'/.exec(message)?.[1] ?? 'given';
      throw usageError(`unknown option ${name} for device-login ${command} ${see}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const name = /'(-[^' ]+)/.exec(message)?.[1] ?? 'an option';
      const opt = COMMANDS[command].options.find((o) => `--${o.name}` === name || `-${o.short}` === name);
      throw usageError(
        opt?.type === 'boolean'
          ? `option ${name} takes no value ${see}`
          : `option ${name} needs a value${opt?.value ? ` (${opt.value})` : ''} ${see}`,
      );
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const arg = /'([^']*)'/.exec(message)?.[1] ?? '';
      throw usageError(`unexpected argument '${arg}' for device-login ${command} ${see}`);
    }
    throw usageError(`${message} ${see}`);
  }
}

/** A usage error: one line, exit code 2. */
export function usageError(message: string): DeviceLoginError {
  return new DeviceLoginError('usage', message);
}
