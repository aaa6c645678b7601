// `startup`: how long the command line takes to be useful, as a user starts it.
// - `device-login serve`: process start to its first stdout line (the ready JSON), cold (a new data
//   directory: keys generated, demo user hashed with scrypt) and warm (the same directory again).
// - `device-login login --json --no-qr`: process start to the `awaiting_user` line (the code is on
//   screen), against a warm `serve` on loopback, each run with a fresh token store so nothing resumes.
// Baseline in the same run: an empty Node process printing one line, the floor of any CLI here.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { ROOT, stopChild, tempDir } from './lib/processes.ts';
import { summarise, type Row, type Summary } from './lib/stats.ts';
import type { BenchOptions, BenchResult } from './types.ts';

const BIN = join(ROOT, 'bin', 'device-login.js');

/**
 * Spawns `node args`, resolves with the milliseconds until a stdout line satisfies `done` and the
 * line itself; the process is then stopped (SIGINT, as Ctrl-C). Rejects after `timeoutMs`.
 */
function timeToLine(args: string[], done: (line: string) => boolean, timeoutMs = 30_000): Promise<{ ms: number; line: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', DEVICE_LOGIN_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  return new Promise<{ ms: number; line: string }>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => finish(new Error(`no matching line within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    let finished = false;
    function finish(result: Error | { ms: number; line: string }): void {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      child.stdout!.removeAllListeners('data');
      void stopChild(child, () => child.kill('SIGINT')).then(() => (result instanceof Error ? reject(result) : resolve(result)));
    }
    child.stdout!.on('data', (chunk: Buffer) => {
      const at = performance.now();
      stdout += chunk.toString('utf8');
      for (const line of stdout.split('\n').slice(0, -1)) {
        if (done(line)) return finish({ ms: at - started, line });
      }
    });
    // 'close', not 'exit': a quick process can exit before its last stdout chunk is read.
    child.once('close', (code) => finish(new Error(`exited (${code}) first: ${stderr}`)));
  });
}

const firstLine = (): boolean => true;

/** Runs the start-up measurements. */
export async function run(options: BenchOptions): Promise<BenchResult> {
  const runs = options.quick ? 5 : 15;
  const node: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  const login: number[] = [];
  const data = tempDir('startup');
  try {
    for (let i = 0; i < runs; i++) {
      node.push((await timeToLine(['-e', "process.stdout.write('{}\\n')"], firstLine)).ms);
      const fresh = join(data.dir, `cold-${i}`);
      cold.push((await timeToLine([BIN, 'serve', '--port', '0', '--data', fresh], firstLine)).ms);
      warm.push((await timeToLine([BIN, 'serve', '--port', '0', '--data', fresh], firstLine)).ms);
    }

    // One warm server for the logins, left running while they start.
    const server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data', join(data.dir, 'server')], {
      cwd: ROOT,
      env: { ...process.env, DEVICE_LOGIN_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const ready = await new Promise<{ issuer: string; clientId: string }>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error('serve printed no ready line within 60 s')), 60_000);
        server.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          if (!out.includes('\n')) return;
          clearTimeout(timer);
          resolve(JSON.parse(out.slice(0, out.indexOf('\n'))) as { issuer: string; clientId: string });
        });
      });
      for (let i = 0; i < runs; i++) {
        const store = join(data.dir, `tokens-${i}.json`);
        const args = [BIN, 'login', '--issuer', ready.issuer, '--client-id', ready.clientId, '--json', '--no-qr', '--store', store];
        const { ms, line } = await timeToLine(args, (l) => l.includes('"awaiting_user"'));
        if (!JSON.parse(line).userCode) throw new Error('the awaiting_user line has no userCode');
        login.push(ms);
      }
    } finally {
      await stopChild(server);
    }
  } finally {
    data.remove();
  }

  const s = { node: summarise(node), cold: summarise(cold), warm: summarise(warm), login: summarise(login) };
  const show = (x: Summary): string => `${x.p50Ms} / ${x.p95Ms} ms`;
  const rows: Row[] = [
    { figure: 'baseline: empty node process to its first line p50 / p95', value: show(s.node) },
    { figure: 'serve, cold (new data dir) to ready line p50 / p95', value: show(s.cold) },
    { figure: 'serve, warm (same data dir) to ready line p50 / p95', value: show(s.warm), target: 'p95 < 1000 ms', pass: s.warm.p95Ms < 1000 },
    { figure: 'login --json, start to awaiting_user p50 / p95', value: show(s.login) },
    { figure: 'runs each', value: String(runs) },
  ];
  return {
    title: `start-up of the command line (${runs} runs each, loopback)`,
    rows,
    json: {
      startup: {
        nodeBaseline: s.node,
        serveCold: s.cold,
        serveWarm: s.warm,
        loginToCode: s.login,
      },
    },
  };
}
