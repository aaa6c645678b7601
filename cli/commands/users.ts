// `device-login users add|list`: the embedded server's accounts. The password comes from stdin
// (typed without echo on a terminal, or one line from a pipe), never from a flag, so it stays out
// of shell history and `ps`.
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { DeviceLoginError } from '../../core/errors.ts';
import { openAccounts, passwordProblem } from '../../server/accounts.ts';
import { preparePrivateDataDir } from '../../server/data-dir.ts';
import { SERVER_DEFAULTS } from '../../server/defaults.ts';
import { EXIT, type CliIO } from '../io.ts';

const HELP = `Usage:
  device-login users add --email E --name N [--username U] [--data DIR]
      Adds an account to the embedded server. The password is read from stdin:
      typed without echo on a terminal, or the first line of a pipe:
        printf '%s\\n' "$PASSWORD" |
          device-login users add --email ada@example.com --name "Ada"
  device-login users list [--data DIR] [--json]
      Lists the accounts (email, name, created); never a password or hash.

Options:
  --data DIR   the server's data directory (default ${SERVER_DEFAULTS.dataDir})
`;

/**
 * The users database inside a data directory (the same file `device-login serve` opens), the
 * directory created or made private first (0700, its files 0600) as `serve` does.
 */
export function accountsPath(dataDir: string, warn?: (message: string) => void): string {
  return join(preparePrivateDataDir(dataDir, warn), 'accounts.sqlite');
}

/** Reads one line from stdin without echo when it is a terminal. */
async function readPassword(io: CliIO, prompt: string): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadStream & { setRawMode?: (mode: boolean) => unknown };
  if (stdin.isTTY && typeof stdin.setRawMode === 'function') {
    io.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    try {
      return await new Promise<string>((done, fail) => {
        let typed = '';
        const onData = (chunk: string) => {
          for (const ch of chunk) {
            if (ch === '\r' || ch === '\n') {
              stdin.off('data', onData);
              io.stderr.write('\n');
              return done(typed);
            }
            if (ch === '\u0003') {
              stdin.off('data', onData);
              io.stderr.write('\n');
              return fail(new DeviceLoginError('aborted', 'Cancelled.'));
            }
            if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
            else if (ch >= ' ') typed += ch;
          }
        };
        stdin.on('data', onData);
      });
    } finally {
      stdin.setRawMode(false);
      stdin.pause();
    }
  }
  // A pipe: the first line is the password; a missing final newline is fine.
  let buffered = '';
  for await (const chunk of io.stdin) {
    buffered += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    if (buffered.includes('\n') || buffered.length > 4096) break;
  }
  return (buffered.split('\n')[0] ?? '').replace(/\r$/, '');
}

/** Runs `device-login users ...` and returns the exit code. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    (sub ? io.stdout : io.stderr).write(HELP);
    return sub ? EXIT.ok : EXIT.usage;
  }
  let values: { email?: string; name?: string; username?: string; data?: string; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        username: { type: 'string' },
        data: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.stderr.write(`device-login users: ${err instanceof Error ? err.message.split('. ')[0] : String(err)}\n${HELP}`);
    return EXIT.usage;
  }
  if (values.help) {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  const dataDir = values.data ?? io.env.DEVICE_LOGIN_DATA ?? SERVER_DEFAULTS.dataDir;
  const warn = (message: string): void => void io.stderr.write(`device-login users: ${message}\n`);

  if (sub === 'list') {
    let accounts;
    try {
      accounts = openAccounts(accountsPath(dataDir, warn));
    } catch (err) {
      io.stderr.write(`device-login users: cannot open the accounts in ${dataDir}: ${err instanceof Error ? err.message : String(err)}\n`);
      return EXIT.usage;
    }
    try {
      const users = accounts.list();
      if (values.json) {
        for (const u of users) io.stdout.write(`${JSON.stringify({ email: u.email, name: u.name, username: u.username, createdAt: u.createdAt })}\n`);
      } else if (users.length === 0) {
        io.stderr.write('No accounts yet. Add one with: device-login users add --email E --name N\n');
      } else {
        const width = Math.max(5, ...users.map((u) => u.email.length));
        const nameWidth = Math.max(4, ...users.map((u) => u.name.length));
        io.stdout.write(`${'EMAIL'.padEnd(width)}  ${'NAME'.padEnd(nameWidth)}  CREATED\n`);
        for (const u of users) io.stdout.write(`${u.email.padEnd(width)}  ${u.name.padEnd(nameWidth)}  ${u.createdAt}\n`);
      }
      return EXIT.ok;
    } finally {
      accounts.close();
    }
  }

  if (sub !== 'add') {
    io.stderr.write(`device-login users: unknown subcommand "${sub}".\n${HELP}`);
    return EXIT.usage;
  }
  if (!values.email || !values.name) {
    io.stderr.write(`device-login users add: --email and --name are required.\n${HELP}`);
    return EXIT.usage;
  }

  let password: string;
  try {
    password = await readPassword(io, `Password for ${values.email}: `);
    const problem = passwordProblem(password, values.email);
    if (problem) {
      io.stderr.write(`device-login users add: ${problem} Nothing was added.\n`);
      return EXIT.usage;
    }
    if ((io.stdin as { isTTY?: boolean }).isTTY) {
      const again = await readPassword(io, 'Repeat the password: ');
      if (again !== password) {
        io.stderr.write('device-login users add: the two passwords differ. Nothing was added.\n');
        return EXIT.usage;
      }
    }
  } catch (err) {
    io.stderr.write(`device-login users add: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof DeviceLoginError && err.code === 'aborted' ? EXIT.interrupted : EXIT.error;
  }

  let accounts;
  try {
    accounts = openAccounts(accountsPath(dataDir, warn));
  } catch (err) {
    io.stderr.write(`device-login users add: cannot open the accounts in ${dataDir}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.usage;
  }
  try {
    const user = await accounts.add({ email: values.email, name: values.name, password, ...(values.username ? { username: values.username } : {}) });
    io.stdout.write(values.json ? `${JSON.stringify({ email: user.email, name: user.name, createdAt: user.createdAt })}\n` : `Added ${user.email} (${user.name}).\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof DeviceLoginError && err.code === 'invalid_user') {
      io.stderr.write(`device-login users add: ${err.message} Nothing was added.\n`);
      return EXIT.usage;
    }
    io.stderr.write(`device-login users add: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.error;
  } finally {
    accounts.close();
  }
}
