// The world a CLI command sees: injectable so that commands can be run in-process by tests and by `web`.

/** A writable stream as the CLI uses it: TTY-ness and size decide between live and plain output. */
export interface CliOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  /** A terminal says when it was resized (Node's tty.WriteStream emits 'resize' on SIGWINCH). */
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

/** What every `cli/commands/<name>.ts` receives: `export async function run(argv: string[], io: CliIO): Promise<number>`. */
export interface CliIO {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Aborts on Ctrl-C (SIGINT) or SIGTERM: commands stop cleanly and return 130. */
  signal?: AbortSignal;
}

/** The exit codes of DESIGN.md, plus 130 for an interrupted command (128 + SIGINT, the shell convention). */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  denied: 3,
  expired: 4,
  interrupted: 130,
} as const;

/** The CliIO of this process. */
export function processIO(signal?: AbortSignal): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signal };
}
