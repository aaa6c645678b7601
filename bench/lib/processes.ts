// The processes a benchmark runs: authorization servers (bench/lib/server-child.ts) and
// `device-login web`, each a child on 127.0.0.1 with its own temporary data, always stopped at the end.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { ChildMessage, ChildSpec } from './server-child.ts';
import { flagsFor } from '../../bin/runtime.js';
import { readyLine } from '../../scripts/ready-line.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Node flags a child needs to run TypeScript where type stripping is still behind a flag (Node 22). */
const nodeFlags = (): string[] => flagsFor(Boolean(process.features.typescript));

/** A temporary directory and its remover. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `device-login-bench-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A server child process. */
export interface ServerChild {
  /** The public URL (issuer). */
  url: string;
  /** http://127.0.0.1:<its own port>, which differs from `url` behind a shared public URL. */
  direct: string;
  demoUser?: { email: string; password: string };
  /** The child's RSS in bytes, its held polls and the CPU time it has used (µs), asked over IPC. */
  stats(): Promise<{ rss: number; heldPolls: number; cpuMicros: number }>;
  stop(): Promise<void>;
}

/** Starts bench/lib/server-child.ts with `spec`; resolves once it listens (at most 60 s). */
export async function startServerChild(spec: ChildSpec): Promise<ServerChild> {
  const child = fork(join(ROOT, 'bench', 'lib', 'server-child.ts'), [JSON.stringify(spec)], {
    execArgv: nodeFlags(),
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server child did not start within 60 s: ${stderr}`));
    }, 60_000);
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message);
      } else if (message.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`server child failed: ${message.message}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server child exited (${code}) before it was ready: ${stderr}`));
    });
  });
  return {
    url: ready.url,
    direct: `http://127.0.0.1:${ready.port}`,
    ...(ready.demoUser ? { demoUser: ready.demoUser } : {}),
    stats: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.off('message', onMessage);
          reject(new Error('server child did not answer stats within 10 s'));
        }, 10_000);
        const onMessage = (message: ChildMessage): void => {
          if (message.type !== 'stats') return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve({ rss: message.rss, heldPolls: message.heldPolls, cpuMicros: message.cpuMicros });
        };
        child.on('message', onMessage);
        child.send({ type: 'stats' });
      }),
    stop: () => stopChild(child, () => child.send({ type: 'close' })),
  };
}

/** Asks a child to stop (or SIGTERMs it), then SIGKILLs it after 10 s; resolves once it is gone. */
export async function stopChild(child: ChildProcess, ask: () => void = () => child.kill('SIGTERM')): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    ask();
  } catch {
    child.kill('SIGTERM');
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

/** What `device-login web` prints first. */
export interface WebReady {
  url: string;
  hostUrl: string;
  issuer?: string;
  demoUser?: { email: string; password: string } | null;
}

/** A running `device-login web` with the embedded server. */
export interface WebChild {
  ready: WebReady;
  origin: string;
  log(): string;
  stop(): Promise<void>;
}

/** Starts `node bin/device-login.js web <args>` on free ports with a fresh data dir and token store. */
export async function startWeb(args: string[]): Promise<WebChild> {
  const data = tempDir('web');
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags(),
      join(ROOT, 'bin', 'device-login.js'),
      'web',
      '--port', '0',
      '--server-port', '0',
      '--data', join(data.dir, 'server'),
      '--store', join(data.dir, 'tokens.json'),
      ...args,
    ],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8000);
  });
  try {
    const ready = await readyLine<WebReady>(child, { what: 'device-login web', timeoutMs: 120_000, log: () => stderr });
    return {
      ready,
      origin: new URL(ready.url).origin,
      log: () => stderr,
      async stop() {
        await stopChild(child);
        data.remove();
      },
    };
  } catch (err) {
    await stopChild(child, () => child.kill('SIGKILL'));
    data.remove();
    throw err;
  }
}
