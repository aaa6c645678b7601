// Placeholder entry point: the commands arrive with the CLI work (issue 2).
import pkg from '../package.json' with { type: 'json' };

/** Runs the device-login command line and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v') {
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  process.stderr.write('device-login: commands are not implemented yet\n');
  return 2;
}
