import { parseArgs } from 'node:util';
import { CLIENT_DEFAULTS } from '../core/defaults.ts';
import { DeviceLoginError } from '../core/errors.ts';
import { PROVIDER_NAMES } from '../core/providers.ts';
import { ENVIRONMENT_VARIABLES } from '../host/config.ts';
import { LOG_LEVELS } from '../host/logger.ts';
import { SERVER_DEFAULTS } from '../server/defaults.ts';

type OptionSpec = { type: 'string' | 'boolean'; short?: string };

/** One option of a command, with its help line. */
interface Option extends OptionSpec {
  name: string;
  value?: string;
  help: string;
}

/** An option that takes a value: `--name VALUE`. */
function valued(name: string, value: string, help: string): Option {
  return { name, type: 'string', value, help };
}

/** A switch: `--name`. */
function toggle(name: string, help: string): Option {
  return { name, type: 'boolean', help };
}

// Flags that pick the authorization server and the client: shared by login, status, token and logout,
// because the stored session is found by (endpoints, client id). Every default named in a help line
// is read from CLIENT_DEFAULTS (core/defaults.ts), where the client takes it from too.
const SERVER_OPTIONS: Option[] = [
  valued('issuer', 'URL', 'OpenID Connect / OAuth issuer (discovery is used)'),
  valued('provider', 'NAME', `preset: ${PROVIDER_NAMES.join(', ')}`),
  valued(
    'base-url',
    'URL',
    "any preset: replaces the provider's scheme, host and port, keeps its paths (GitHub Enterprise Server, Keycloak, a Salesforce My Domain, a staging or test server)",
  ),
  valued('tenant', 'ID', `Microsoft Entra tenant (default: ${CLIENT_DEFAULTS.microsoftTenant})`),
  valued('domain', 'HOST', 'Auth0 / Okta domain'),
  valued('realm', 'NAME', 'Keycloak realm'),
  valued('region', 'R', 'aws-sso: the region of IAM Identity Center, such as us-east-1 (not needed with --base-url)'),
  valued('start-url', 'URL', 'aws-sso (required): the AWS access portal URL, such as https://my-org.awsapps.com/start'),
];

const CLIENT_OPTIONS: Option[] = [
  valued('client-id', 'ID', "OAuth client id (facebook: the app id; aws-sso: none, device-login registers its own client)"),
  valued('client-secret', 'S', 'only where required (Google); prefer DEVICE_LOGIN_CLIENT_SECRET: a flag shows in ps and shell history'),
  valued('client-token', 'T', "facebook (required to sign in): the app's client token; prefer DEVICE_LOGIN_CLIENT_TOKEN: a flag shows in ps and shell history"),
];

const ENDPOINT_OPTIONS: Option[] = (['device-authorization', 'token', 'userinfo', 'revocation'] as const).map((endpoint) =>
  valued(`${endpoint}-endpoint`, 'URL', 'for servers without discovery'),
);

const LOG_LEVEL_HELP = LOG_LEVELS.map((level) => (level === CLIENT_DEFAULTS.logLevel ? `${level} (default)` : level)).join(', ');

const LOCAL_OPTIONS: Option[] = [
  valued('store', 'PATH', 'token file (default: <config dir>/device-login/tokens.json)'),
  valued('config', 'PATH', 'JSON config file (default: <config dir>/device-login/config.json)'),
  valued('log-level', 'LEVEL', `${LOG_LEVEL_HELP}; logs go to stderr`),
];

const PROVIDER_OPTIONS: Option[] = [...SERVER_OPTIONS, ...CLIENT_OPTIONS, ...ENDPOINT_OPTIONS, ...LOCAL_OPTIONS];

// What is asked and how the session behaves: login and web alike.
const SESSION_OPTIONS: Option[] = [
  valued('scope', 'S', `space-separated scopes (default: the preset's, else "${CLIENT_DEFAULTS.scope}")`),
  valued('audience', 'A', 'API audience (Auth0)'),
  toggle('no-long-poll', 'do not ask a server that offers it to hold polls (Prefer: wait)'),
  valued('long-poll-seconds', 'N', `how long a server that offers it may hold a poll (default ${CLIENT_DEFAULTS.longPollSeconds})`),
  valued('max-auto-renewals', 'N', `expired codes replaced without asking (default ${CLIENT_DEFAULTS.maxAutoRenewals})`),
];

const HELP: Option = { name: 'help', type: 'boolean', short: 'h', help: 'show this help' };
const JSON_FLAG: Option = toggle('json', 'machine-readable output on stdout');

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
      ...SESSION_OPTIONS,
      JSON_FLAG,
      toggle('no-qr', 'do not draw the QR code'),
      toggle('browser', 'sign in through the system browser (authorization code + PKCE) instead of a code'),
      toggle('no-open', 'with --browser: do not open a browser, only print the address to open on this machine'),
      valued('redirect-port', 'N', 'with --browser: the port of http://127.0.0.1:N/callback (default: a free one)'),
      valued('timeout', 'S', `with --browser: seconds to wait for the sign-in in the browser (default ${CLIENT_DEFAULTS.browserSignInTimeoutSeconds})`),
      HELP,
    ],
    notes: `With --json, stdout is JSON Lines: one object per state change ("awaiting_user" with userCode,
verificationUri, verificationUriComplete, expiresAt, interval, network; "signed_in" with profile;
"error" with code and message). Human output goes to stderr. When the code is approved on a phone on
another network, a server with the proximity check wants the number the phone shows: awaiting_user
then carries "proximity" {step: needed | checking | wrong, attemptsLeft}, and the number is read from
stdin as one line (the terminal's prompt, or a script); if stdin ends first, login exits 1.

With --browser, the sign-in happens in the system browser on this machine (the address is always
printed on stderr), which comes back to http://127.0.0.1:<port>/callback; the --json waiting line is
{"state":"awaiting_user","method":"browser","authorizationUrl":...} (a code's carries "method":"device").
Where no browser can run (no DISPLAY or WAYLAND_DISPLAY on Linux, an SSH session) it says so and
shows a code instead, unless --no-open. It ends with exit 3 when the sign-in is refused and 4 when
nobody finishes it within --timeout.

Exit codes: 0 signed in, 1 error, 2 usage or configuration error, 3 denied, 4 code expired,
130 interrupted. Ctrl-C keeps the pending code: running login again before it expires resumes it.

${REMEMBERED_NOTE} Without provider flags, login signs in again to the server of the last login.

${ENV_NOTE}`,
  },
  status: {
    summary: 'show who is signed in and when the access token expires, after asking the server',
    usage: 'device-login status [provider flags as for login] [--json]',
    options: [...PROVIDER_OPTIONS, JSON_FLAG, HELP],
    notes: `A stored sign-in is checked with the server (userinfo, one refresh when the token is refused). When the
server ended it, status says why and forgets it ("Signed out: this device was signed out from the account
page." when that is why; --json: {"state":"idle", ..., "notice":"signed_out_from_account"}). When the server
cannot be asked, it shows what the store holds and says so on stderr (--json: "checked": false).

${REMEMBERED_NOTE}\n\nExit codes: 0 signed in, 1 not signed in, 2 usage or configuration error.`,
  },
  token: {
    summary: 'print a valid access token on stdout, refreshing it when needed (for scripts)',
    usage: 'device-login token [provider flags as for login] [--refresh]',
    options: [
      ...PROVIDER_OPTIONS,
      toggle('refresh', 'refresh even if the current token is still valid'),
      toggle('no-check', 'do not ask the server whether the sign-in still holds (one call, as status makes) before printing'),
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
      valued('port', 'N', `port of the browser host (default ${CLIENT_DEFAULTS.browserHost.port}; 0 picks a free port)`),
      valued('host', 'H', `interface of the browser host (default ${CLIENT_DEFAULTS.browserHost.host})`),
      toggle('lan', 'for a real phone: the sign-in pages on this machine\'s LAN address, which the QR code then carries'),
      valued('public-url', 'URL', 'the address phones use: a tunnel or reverse proxy to the embedded server\'s port'),
      valued('server-port', 'N', `port of the embedded server (default ${SERVER_DEFAULTS.port}; 0 picks one)`),
      valued('data', 'DIR', `data directory of the embedded server (default ${SERVER_DEFAULTS.dataDir})`),
      toggle('no-demo-user', 'embedded server: no demo account, even on loopback (add accounts with device-login users add)'),
      toggle('demo-user', 'embedded server: the demo account even with --lan or --public-url (it is off there by default: anyone who reaches the server could use it)'),
      toggle('trust-proxy', 'embedded server: behind a reverse proxy, the client\'s address is the X-Forwarded-For entry the proxy adds'),
      valued('interval', 'S', `embedded server: seconds between polls (default ${SERVER_DEFAULTS.interval})`),
      valued('code-ttl', 'S', `embedded server: lifetime of a code in seconds (default ${SERVER_DEFAULTS.codeTtl})`),
      ...PROVIDER_OPTIONS,
      ...SESSION_OPTIONS,
      valued('session-check-seconds', 'N', `how often the TV asks the server whether its sign-in still holds (default ${CLIENT_DEFAULTS.sessionCheckSeconds}; 0: never)`),
      valued('account-client-id', 'ID', "with a provider: the account website's client id (default: --client-id)"),
      valued('account-client-secret', 'S', "with a provider: the account website's secret (default: --client-secret); prefer DEVICE_LOGIN_ACCOUNT_CLIENT_SECRET"),
      toggle('rebuild', 'rebuild the TV app before starting'),
      HELP,
    ],
    notes: `Without --issuer, --provider or explicit endpoints, the embedded server is started in-process, so it
works offline. The first line on stdout is JSON: {"url" (the TV page), "hostUrl" (the TV beside a phone),
"accountUrl" (the account website), and with the embedded server "issuer", "clientId", "demoUser"
{email, password}, "verificationUri"}.
The lines for people (the address to open, the demo account) and the logs go to stderr. Ctrl-C stops it.

A real phone: --lan serves the embedded server's sign-in pages on this machine's LAN address and puts
that address in the QR code; the phone must be on the same network. --public-url URL does the same for
a tunnel or reverse proxy that forwards URL to the embedded server's port (--server-port); add --lan
when the proxy is on another machine. The TV itself (--port) stays on --host, ${CLIENT_DEFAULTS.browserHost.host} by default.

The account website (/account/) signs in with the authorization code flow as a confidential client and
lists the devices signed in to the account. With the embedded server it registers its own client (a new
secret every start); with a provider it uses --account-client-id and --account-client-secret (or
DEVICE_LOGIN_ACCOUNT_CLIENT_SECRET), else the TV's client, whose redirect URIs must then include
<this host>/account/callback.

${ENV_NOTE}`,
  },
};

export type CommandName = keyof typeof COMMANDS;

/** Parsed flags of one command. */
export type Flags = Record<string, string | boolean | undefined>;

/** Columns the help is written for: an 80-column terminal, the narrowest one people still meet. */
export const HELP_WIDTH = 80;
/** The option column; an option longer than it gets its description on the next line. */
const OPTION_COLUMN = 30;

/** Words of `text` in lines of at most `width` characters (a longer word stands alone). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * A note's paragraphs (split at blank lines) reflowed to the help's width; a paragraph with an indented
 * line (a table, an example) is kept as written.
 */
function reflow(notes: string): string {
  return notes
    .split(/\n\s*\n/)
    .map((paragraph) => (/^\s/m.test(paragraph) ? paragraph : wrap(paragraph, HELP_WIDTH).join('\n')))
    .join('\n\n');
}

/** Text of `device-login <command> --help`, fitted to 80 columns. */
export function commandHelp(command: CommandName): string {
  const spec = COMMANDS[command];
  const indent = ' '.repeat(OPTION_COLUMN + 1);
  const rows = spec.options.map((o) => {
    const left = `  ${o.short ? `-${o.short}, ` : ''}--${o.name}${o.value ? ` ${o.value}` : ''}`;
    const help = wrap(o.help, HELP_WIDTH - indent.length);
    const first = left.length <= OPTION_COLUMN ? `${left.padEnd(OPTION_COLUMN)} ${help.shift() ?? ''}` : left;
    return [first, ...help.map((line) => `${indent}${line}`)].join('\n');
  });
  const title = wrap(`device-login ${command}: ${spec.summary}`, HELP_WIDTH).join('\n');
  const usage = wrap(`Usage: ${spec.usage}`, HELP_WIDTH).join('\n       ');
  return `${title}\n\n${usage}\n\nOptions:\n${rows.join('\n')}\n${spec.notes ? `\n${reflow(spec.notes)}\n` : ''}`;
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
