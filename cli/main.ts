import { existsSync } from 'node:fs';
import { DeviceLoginError } from '../core/errors.ts';
import pkg from '../package.json' with { type: 'json' };
import { COMMANDS, commandHelp, HELP_WIDTH, wrap, type CommandName } from './args.ts';
import { EXIT, processIO, type CliIO } from './io.ts';

/** Commands that live in their own module and are loaded on demand: `run(argv, io)`. */
const MODULE_COMMANDS: Record<string, string> = {
  serve: 'start the embedded authorization server',
  users: 'manage the embedded server\'s accounts (users add ...)',
};

function globalHelp(): string {
  const rows = [
    ...Object.entries(COMMANDS).map(([name, spec]) => [name, spec.summary] as const),
    ...Object.entries(MODULE_COMMANDS),
  ].map(([name, summary]) => {
    const [first = '', ...rest] = wrap(summary, HELP_WIDTH - 11);
    return [`  ${name.padEnd(8)} ${first}`, ...rest.map((line) => `${' '.repeat(11)}${line}`)].join('\n');
  });
  return `${wrap(`device-login ${pkg.version}: sign in on a device with the OAuth 2.0 Device Authorization Grant (RFC 8628)`, HELP_WIDTH).join('\n')}

Usage: device-login <command> [options]

Commands:
${rows.join('\n')}

  device-login <command> --help   options of one command
  device-login --version          the version
`;
}

/** Runs the device-login command line and returns the exit code. */
export async function main(argv: string[], io?: CliIO): Promise<number> {
  if (io) return dispatch(argv, io);
  // Ctrl-C or SIGTERM: abort the command so that it can stop cleanly; a second Ctrl-C leaves at once.
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await dispatch(argv, processIO(controller.signal));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function dispatch(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v' || command === 'version') {
    io.stdout.write(`${pkg.version}\n`);
    return EXIT.ok;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    const topic = rest[0];
    io.stdout.write(topic && topic in COMMANDS ? commandHelp(topic as CommandName) : globalHelp());
    return EXIT.ok;
  }
  if (command === undefined) {
    io.stderr.write(globalHelp());
    return EXIT.usage;
  }
  if (!(command in COMMANDS) && !(command in MODULE_COMMANDS)) {
    io.stderr.write(`device-login: unknown command '${command}' (see device-login --help)\n`);
    return EXIT.usage;
  }
  const url = new URL(`./commands/${command}.ts`, import.meta.url);
  if (!existsSync(url)) {
    io.stderr.write(`device-login ${command} is not available yet\n`);
    return EXIT.usage;
  }
  try {
    const module = (await import(url.href)) as { run?: (argv: string[], io: CliIO) => Promise<number> };
    if (typeof module.run !== 'function') {
      io.stderr.write(`device-login ${command} is not available yet\n`);
      return EXIT.usage;
    }
    return await module.run(rest, io);
  } catch (err) {
    return reportError(err, io);
  }
}

/** Last resort for anything a command did not handle: one readable line, never a stack trace for known errors. */
export function reportError(err: unknown, io: CliIO): number {
  if (err instanceof DeviceLoginError) {
    io.stderr.write(`device-login: ${err.message}\n`);
    if (err.code === 'aborted') return EXIT.interrupted;
    return err.code === 'usage' || err.code === 'configuration' ? EXIT.usage : EXIT.error;
  }
  io.stderr.write(`device-login: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT.error;
}
