// The first stdout line of a device-login child process (`web`, `serve`), parsed as the JSON object
// the command-line contract promises there: how the end-to-end tests and the benchmarks know a
// process is ready, and what it says about itself (its URLs, the demo account).
import type { ChildProcess } from 'node:child_process';

/**
 * Resolves with the child's first stdout line as JSON; rejects when none comes within `timeoutMs`,
 * when the line is not JSON, or when the child exits first. `log` (its stderr so far) ends the message.
 */
export function readyLine<T>(child: ChildProcess, options: { what: string; timeoutMs: number; log: () => string }): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let stdout = '';
    const fail = (reason: string) => {
      clearTimeout(timer);
      reject(new Error(`${options.what} ${reason}\n--- its log ---\n${options.log()}`));
    };
    const timer = setTimeout(() => fail(`printed no ready line within ${options.timeoutMs} ms`), options.timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const end = stdout.indexOf('\n');
      if (end < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(stdout.slice(0, end)) as T);
      } catch (err) {
        fail(`printed a first line that is not JSON (${(err as Error).message})`);
      }
    });
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before its ready line`));
    child.once('error', (err) => fail(`could not start: ${err.message}`));
  });
}
