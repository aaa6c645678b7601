// A vitest worker that stops running its event loop (synchronous code that never returns, a native call
// that never comes back) fires none of its own timeouts, and vitest then waits for it forever: a CI run
// once ended at its time limit with one test file that never finished and nothing saying which. The
// summary reporter feeds this watch the run's events; a file that has been silent past every timeout
// it has ends the run, named, with what its worker was doing (its JavaScript stack through the
// inspector, else its native stack), so that a hang is a failure that says where it is.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

/** How long past its own timeouts a file may stay silent before its worker counts as stuck. */
export const STUCK_GRACE_MS = Number(process.env.DEVICE_LOGIN_STUCK_GRACE_MS) || 120_000;

interface RunningFile {
  file: string;
  /** When the file last reported anything (started, a test began or ended). */
  lastEventAt: number;
  /** Tests under way: full name, start, own timeout. */
  tests: Map<string, { name: string; since: number; timeoutMs: number }>;
}

export interface StuckFile {
  file: string;
  silentMs: number;
  /** The tests under way when it went silent. */
  tests: string[];
}

/**
 * The bookkeeping: which files are under way, which are still to come, and which have gone silent
 * past their timeouts. Files are keyed by their module id (the file's path).
 */
export class StuckWatch {
  readonly #files = new Map<string, RunningFile>();
  /** Files of the run not yet ended (started or not), with their names. */
  readonly #unfinished = new Map<string, string>();
  #lastEventAt = 0;
  readonly #hookTimeoutMs: number;
  readonly #graceMs: number;

  constructor(options: { hookTimeoutMs: number; graceMs?: number }) {
    this.#hookTimeoutMs = options.hookTimeoutMs;
    this.#graceMs = options.graceMs ?? STUCK_GRACE_MS;
  }

  /** A new run (watch mode starts one at each change): what an earlier run left is forgotten. */
  runStarted(files: ReadonlyArray<{ id: string; file: string }>, now: number): void {
    this.runEnded();
    for (const { id, file } of files) this.#unfinished.set(id, file);
    this.#lastEventAt = now;
  }

  /** The run is over (or cancelled): nothing is under way until the next one. */
  runEnded(): void {
    this.#files.clear();
    this.#unfinished.clear();
  }

  fileStarted(id: string, file: string, now: number): void {
    this.#lastEventAt = now;
    const running = this.#files.get(id);
    if (running) running.lastEventAt = now;
    else this.#files.set(id, { file, lastEventAt: now, tests: new Map() });
  }

  testStarted(fileId: string, testId: string, name: string, timeoutMs: number, now: number): void {
    this.#lastEventAt = now;
    const running = this.#files.get(fileId);
    if (!running) return;
    running.lastEventAt = now;
    running.tests.set(testId, { name, since: now, timeoutMs });
  }

  testEnded(fileId: string, testId: string, now: number): void {
    this.#lastEventAt = now;
    const running = this.#files.get(fileId);
    if (!running) return;
    running.lastEventAt = now;
    running.tests.delete(testId);
  }

  fileEnded(id: string, now: number): void {
    this.#lastEventAt = now;
    this.#files.delete(id);
    this.#unfinished.delete(id);
  }

  /**
   * Files silent past their deadline: a test under way may take its own timeout plus its hooks'
   * (beforeEach, afterEach); between tests, hooks and the import may take a hook timeout; each then
   * gets the grace on top, for a loaded machine. When no file is under way and files are still to
   * come, the run itself may stay silent that long (a worker that never got as far as its file).
   */
  stuck(now: number): StuckFile[] {
    const out: StuckFile[] = [];
    for (const running of this.#files.values()) {
      const tests = [...running.tests.values()];
      const deadline =
        tests.length > 0
          ? Math.max(...tests.map((test) => test.since + test.timeoutMs + 2 * this.#hookTimeoutMs))
          : running.lastEventAt + this.#hookTimeoutMs;
      if (now > deadline + this.#graceMs) {
        out.push({ file: running.file, silentMs: now - running.lastEventAt, tests: tests.map((test) => test.name) });
      }
    }
    if (this.#files.size === 0 && this.#unfinished.size > 0 && now > this.#lastEventAt + this.#hookTimeoutMs + this.#graceMs) {
      for (const file of this.#unfinished.values()) out.push({ file, silentMs: now - this.#lastEventAt, tests: [] });
    }
    return out;
  }
}

/** The worker processes of this vitest process (its children running workers/forks.js). */
export function workerPids(parent = process.pid): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(Number(entry))[1]) !== parent) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('workers/forks')) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** What one worker was doing: the file it runs and its JavaScript stack, else its native stack. */
export async function describeWorker(pid: number): Promise<string[]> {
  const state = processState(pid);
  const lines = [`worker ${pid}: ${state}`];
  const js = await pausedStack(pid).catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }));
  if ('frames' in js) {
    lines.push(`  test file: ${js.file ?? '(unknown)'}`, '  JavaScript stack (innermost first):', ...js.frames.map((frame) => `    at ${frame}`));
    return lines;
  }
  lines.push(
    state.startsWith('state T')
      ? `  no JavaScript stack (${js.error}): it is stopped by a signal (SIGSTOP, or SIGTTIN/SIGTTOU from a terminal)`
      : js.error.includes('did not pause')
        ? `  no JavaScript stack (${js.error}): it runs no JavaScript, waiting on something no timeout covers (an import, a call to vitest)`
        : `  no JavaScript stack (${js.error}): it is blocked outside JavaScript`,
  );
  const native = await promisify(execFile)('gdb', ['-p', String(pid), '-batch', '-ex', 'bt 20'], { timeout: 20_000 }).then(
    ({ stdout }) => stdout.split('\n').filter((line) => line.startsWith('#')),
    (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? 'gdb is not installed' : `gdb could not read it: ${err.message.split('\n')[0]}`),
  );
  if (typeof native === 'string') lines.push(`  (no native stack: ${native})`);
  else if (native.length === 0) lines.push('  (no native stack: gdb could not attach)');
  else lines.push('  native stack:', ...native.map((line) => `    ${line}`));
  return lines;
}

/** The fields of /proc/<pid>/stat after the command name (state first, then the parent's pid, …). */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** State and CPU time from /proc: a worker spinning in JavaScript is running and gaining CPU time. */
function processState(pid: number): string {
  try {
    const fields = statFields(pid);
    const ticks = Number(fields[11]) + Number(fields[12]);
    return `state ${fields[0]}, ${(ticks / 100).toFixed(1)} s of CPU`;
  } catch {
    return 'gone';
  }
}

/**
 * Pauses the worker through the inspector (SIGUSR1 opens it on 127.0.0.1:9229; a pause interrupts
 * JavaScript that never yields) and reads its call frames and the test file it runs. Rejects within
 * a few seconds when the worker runs no JavaScript (a native call) or the port is someone else's.
 */
async function pausedStack(pid: number): Promise<{ file: string | undefined; frames: string[] }> {
  process.kill(pid, 'SIGUSR1');
  let target: string | undefined;
  for (let attempt = 0; attempt < 30 && !target; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    target = await fetch('http://127.0.0.1:9229/json/list')
      .then(async (res) => ((await res.json()) as Array<{ webSocketDebuggerUrl?: string }>)[0]?.webSocketDebuggerUrl)
      .catch(() => undefined);
  }
  if (!target) throw new Error('the inspector did not open');
  const socket = new WebSocket(target);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the worker did not pause')), 5_000);
      let frames: string[] = [];
      // Scripts that vitest evaluates carry their address only in the scriptParsed events.
      const urls = new Map<string, string>();
      socket.onerror = () => reject(new Error('the inspector connection failed'));
      socket.onopen = () => {
        socket.send(JSON.stringify({ id: 1, method: 'Debugger.enable' }));
        socket.send(JSON.stringify({ id: 2, method: 'Debugger.pause' }));
      };
      socket.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as {
          id?: number;
          method?: string;
          params?: {
            scriptId?: string;
            url?: string;
            callFrames?: Array<{ callFrameId: string; functionName: string; url: string; location: { scriptId: string; lineNumber: number; columnNumber: number } }>;
          };
          result?: { result?: { value?: unknown } };
        };
        if (message.method === 'Debugger.scriptParsed' && message.params?.scriptId && message.params.url) {
          urls.set(message.params.scriptId, message.params.url);
        } else if (message.method === 'Debugger.paused') {
          const callFrames = message.params?.callFrames ?? [];
          frames = callFrames
            .slice(0, 25)
            .map((f) => {
              const url = (f.url || urls.get(f.location.scriptId) || '?').replace(/^file:\/\//, '');
              return `${f.functionName || '(anonymous)'} (${url}:${f.location.lineNumber + 1}:${f.location.columnNumber + 1})`;
            });
          const expression = '`${process.pid} ${globalThis.__vitest_worker__?.filepath ?? ""}`';
          socket.send(JSON.stringify({ id: 3, method: 'Debugger.evaluateOnCallFrame', params: { callFrameId: callFrames[0]?.callFrameId, expression } }));
        } else if (message.id === 3) {
          clearTimeout(timer);
          const [who, ...file] = String(message.result?.result?.value ?? '').split(' ');
          if (Number(who) !== pid) reject(new Error('the inspector on 127.0.0.1:9229 is another process’s'));
          else resolve({ file: file.join(' ') || undefined, frames });
        }
      };
    });
  } finally {
    socket.close();
  }
}
