// Runs the real `node bin/device-login.js` as a child process, the way a user or a script does.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  child: ChildProcess;
  /** Started at spawn time (ms, performance.now()). */
  startedAt: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout JSON line for which `match` is true (bounded by `timeoutMs`). */
  waitForJson(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves when stderr matches. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** The exit code (signals count as 128 + n). */
  exited: Promise<number>;
  jsonLines(): Record<string, unknown>[];
}

/**
 * Spawns device-login with `args` in an environment that points its config directory at `configHome`.
 * `stdin: true` gives it a pipe to write to (child.stdin), else it has no standard input.
 */
export function runCli(args: string[], env: Record<string, string>, options: { stdin?: boolean } = {}): CliRun {
  const startedAt = performance.now();
  const child = spawn(process.execPath, ['bin/device-login.js', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env },
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    wake();
  });
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => {
      wake();
      resolve(code ?? (signal === 'SIGINT' ? 130 : 128));
    }),
  );
  // Only complete lines: a chunk can end in the middle of one.
  const jsonLines = () =>
    out
      .slice(0, out.lastIndexOf('\n') + 1)
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = probe();
        if (found !== undefined) {
          cleanup();
          resolve(found);
        } else if (child.exitCode !== null) {
          cleanup();
          reject(new Error(`device-login exited (${child.exitCode}) before ${what}; stderr: ${err}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; stdout: ${out}; stderr: ${err}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  return {
    child,
    startedAt,
    stdout: () => out,
    stderr: () => err,
    exited,
    jsonLines,
    waitForJson: (match, timeoutMs = 20_000) =>
      waitFor(() => jsonLines().find(match), 'a JSON line', timeoutMs),
    waitForStderr: (pattern, timeoutMs = 20_000) => waitFor(() => pattern.exec(err) ?? undefined, String(pattern), timeoutMs),
  };
}
