// The programs under test, run as a user runs them: `device-login web` and `device-login serve` as
// child processes on 127.0.0.1, each with its own temporary data directory and token store. A
// process can be stopped and started again on the same ports, data and store (the restart tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readyLine } from '../../scripts/ready-line.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'device-login.js');

/** What `device-login web` prints on its first stdout line. */
export interface WebReady {
  url: string;
  hostUrl: string;
  issuer?: string;
  clientId?: string;
  demoUser?: { email: string; password: string } | null;
}

/** What `device-login serve` prints on its first stdout line. */
export interface ServeReady {
  issuer: string;
  clientId: string;
  demoUser: { email: string; password: string };
}

/** A running child whose first stdout line was a JSON object. */
export interface Started<T> {
  ready: T;
  child: ChildProcess;
  /** Everything it wrote to stderr so far (its log), for failure messages. */
  log(): string;
}

/** Starts `node bin/device-login.js <args>` (with `env` added) and resolves with its first stdout line, parsed. */
export async function startCli<T>(args: string[], timeoutMs = 90_000, env: Record<string, string> = {}): Promise<Started<T>> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, DEVICE_LOGIN_LOG_LEVEL: process.env.DEVICE_LOGIN_LOG_LEVEL ?? 'info', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    // Bounded: a long test must not hold megabytes of log.
    stderr = (stderr + chunk.toString('utf8')).slice(-20_000);
  });
  const log = () => stderr;
  let ready: T;
  try {
    ready = await readyLine<T>(child, { what: `device-login ${args[0]}`, timeoutMs, log });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { ready, child, log };
}

/** Runs `node bin/device-login.js <args>` to its end (bounded): its exit code and everything it wrote. */
export async function runCliOnce(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString('utf8')).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`device-login ${args[0]} did not finish within ${timeoutMs} ms\n${output}`));
    }, timeoutMs);
    child.once('exit', (exit) => {
      clearTimeout(timer);
      resolve(exit);
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  return { code, output };
}

/** Stops a child: SIGTERM (a clean shutdown) or SIGKILL (a crash), then waits for it to be gone. */
export async function stopChild(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await gone;
  clearTimeout(timer);
}

function portOf(url: string): string {
  return new URL(url).port;
}

/** A `device-login web` process and how to start it again exactly as it was. */
export class WebHost {
  readonly dataDir: string;
  readonly storePath: string;
  private readonly extraArgs: string[];
  private readonly env: Record<string, string>;
  private started: Started<WebReady> | undefined;
  private ports: { port: string; serverPort: string } = { port: '0', serverPort: '0' };

  private constructor(dataDir: string, extraArgs: string[], env: Record<string, string>) {
    this.dataDir = dataDir;
    this.storePath = join(dataDir, 'tokens.json');
    this.extraArgs = extraArgs;
    this.env = env;
  }

  /**
   * Starts `web` on free ports with a fresh data dir and store; `extraArgs` are added to the command
   * line, `env` to its environment (DEVICE_LOGIN_LOCAL_ADDRESS puts the TV on "another network").
   */
  static async start(extraArgs: string[] = [], env: Record<string, string> = {}): Promise<WebHost> {
    const host = new WebHost(await mkdtemp(join(tmpdir(), 'device-login-e2e-')), extraArgs, env);
    try {
      await host.launch();
    } catch (err) {
      await rm(host.dataDir, { recursive: true, force: true });
      throw err;
    }
    return host;
  }

  private async launch(): Promise<void> {
    this.started = await startCli<WebReady>([
      'web',
      '--port', this.ports.port,
      '--server-port', this.ports.serverPort,
      '--data', join(this.dataDir, 'server'),
      '--store', this.storePath,
      ...this.extraArgs,
    ], undefined, this.env);
    const { ready } = this.started;
    // Restarts reuse the ports the first start was given.
    this.ports = { port: portOf(ready.url), serverPort: ready.issuer ? portOf(ready.issuer) : '0' };
  }

  get ready(): WebReady {
    if (!this.started) throw new Error('the web host is not running');
    return this.started.ready;
  }

  /** The host's origin (http://127.0.0.1:<port>). */
  get origin(): string {
    return new URL(this.ready.url).origin;
  }

  get demoUser(): { email: string; password: string } {
    const user = this.ready.demoUser;
    if (!user) throw new Error('this web host has no embedded server (no demo user)');
    return user;
  }

  log(): string {
    return this.started?.log() ?? '';
  }

  /** Stops the process (SIGTERM, as a service manager would). */
  async stop(): Promise<void> {
    if (this.started) await stopChild(this.started.child);
  }

  /** Kills it without warning (SIGKILL: a crash, the TV's app killed by the system). */
  async crash(): Promise<void> {
    if (this.started) await stopChild(this.started.child, 'SIGKILL');
  }

  /** Stops the process in its tracks (SIGSTOP: a hang; its connections stay open) or lets it go on. */
  freeze(frozen: boolean): void {
    if (!this.started) throw new Error('the web host is not running');
    this.started.child.kill(frozen ? 'SIGSTOP' : 'SIGCONT');
  }

  /** Starts it again after a crash, on the same ports, data directory and token store. */
  async startAgain(): Promise<void> {
    await this.launch();
  }

  /** Stops it and starts it again on the same ports, data directory and token store. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops it and deletes its data. */
  async dispose(): Promise<void> {
    await this.stop().catch(() => undefined);
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** A `device-login serve` process (the authorization server on its own) that can crash and come back. */
export class AuthServer {
  readonly dataDir: string;
  private started: Started<ServeReady> | undefined;
  private port = '0';

  private constructor(dataDir: string) {
    this.dataDir = dataDir;
  }

  /** Starts `serve` on a free port with a fresh data directory. */
  static async start(): Promise<AuthServer> {
    const server = new AuthServer(await mkdtemp(join(tmpdir(), 'device-login-e2e-server-')));
    try {
      await server.launch();
    } catch (err) {
      await rm(server.dataDir, { recursive: true, force: true });
      throw err;
    }
    return server;
  }

  private async launch(): Promise<void> {
    this.started = await startCli<ServeReady>(['serve', '--port', this.port, '--data', this.dataDir]);
    this.port = portOf(this.started.ready.issuer);
  }

  get ready(): ServeReady {
    if (!this.started) throw new Error('the server is not running');
    return this.started.ready;
  }

  /** Kills it without warning (a crash, a pulled cable). */
  async crash(): Promise<void> {
    if (this.started) await stopChild(this.started.child, 'SIGKILL');
  }

  /** Starts it again on the same port and data directory. */
  async startAgain(): Promise<void> {
    await this.launch();
  }

  async dispose(): Promise<void> {
    if (this.started) await stopChild(this.started.child).catch(() => undefined);
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
