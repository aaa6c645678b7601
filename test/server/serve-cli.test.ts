// `device-login serve` as a user runs it: a real child process, its first stdout line, exit codes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

import { tempDataDir } from './device-helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/device-login.js', import.meta.url));
const children: ChildProcess[] = [];
const cleanups: Array<() => void> = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0)) cleanup();
});

interface Started {
  child: ChildProcess;
  firstLine: Promise<string>;
  exit: Promise<{ code: number | null; stderr: string }>;
}

function serve(args: string[]): Started {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const firstLine = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no first line within 15 s; stderr: ${stderr}`)), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, newline));
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`exited before printing; stderr: ${stderr}`));
    });
  });
  firstLine.catch(() => {});
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.once('exit', (code) => resolve({ code, stderr }));
  });
  return { child, firstLine, exit };
}

describe('device-login serve', () => {
  it('prints one JSON object first (issuer, clientId, demoUser), serves discovery, and stops cleanly on SIGTERM', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const started = performance.now();
    const run = serve(['--port', '0', '--data', data.dir]);
    const ready = JSON.parse(await run.firstLine) as { url: string; issuer: string; clientId: string; demoUser: { email: string; password: string } };
    process.stdout.write(`serve cold start to first line: ${(performance.now() - started).toFixed(0)} ms\n`);
    expect(ready.clientId).toBe('tv-demo');
    expect(ready.demoUser.email).toMatch(/@/);
    expect(ready.demoUser.password.length).toBeGreaterThan(8);
    expect(ready.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const discovery = (await (await fetch(`${ready.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(ready.issuer);
    expect(discovery.device_authorization_endpoint).toBe(`${ready.issuer}/device/auth`);
    run.child.kill('SIGTERM');
    expect((await run.exit).code).toBe(0);

    // Warm start: the same data directory, so keys and the demo user already exist.
    const warmStarted = performance.now();
    const warm = serve(['--port', '0', '--data', data.dir]);
    const again = JSON.parse(await warm.firstLine) as { demoUser: { password: string } };
    process.stdout.write(`serve warm start to first line (process spawn included): ${(performance.now() - warmStarted).toFixed(0)} ms\n`);
    expect(again.demoUser.password).toBe(ready.demoUser.password);
    warm.child.kill('SIGINT');
    expect((await warm.exit).code).toBe(0);
  });

  it('answers every request while it starts: 503 with Retry-After until ready, never a socket left hanging', async () => {
    // A free port known before the ready line, so requests can arrive while the server starts.
    const probe: Server = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const data = tempDataDir();
    cleanups.push(data.remove);

    type Outcome = { sentAt: number; status?: number; retryAfter?: string | null; error?: string; hung?: boolean };
    const outcomes: Array<Promise<Outcome>> = [];
    const send = (): Promise<Outcome> => {
      const sentAt = performance.now();
      return fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(3000) }).then(
        async (res) => {
          const body = (await res.json().catch(() => ({}))) as { error?: string };
          return { sentAt, status: res.status, retryAfter: res.headers.get('retry-after'), ...(body.error ? { error: body.error } : {}) };
        },
        (err: Error) => ({ sentAt, hung: err.name === 'TimeoutError' }),
      );
    };
    const run = serve(['--port', String(port), '--data', data.dir]);
    let ready = false;
    void run.firstLine.then(() => (ready = true), () => (ready = true));
    // Every 5 ms until the ready line (bounded: 15 s, 3000 requests), then a few more.
    const deadline = performance.now() + 15_000;
    while (!ready && performance.now() < deadline && outcomes.length < 3000) {
      outcomes.push(send());
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await run.firstLine;
    for (let i = 0; i < 5; i++) outcomes.push(send());
    const all = await Promise.all(outcomes);

    expect(all.filter((o) => o.hung)).toEqual([]);
    const starting = all.filter((o) => o.status === 503);
    // The window between listening and serving was hit, and said so in OAuth terms.
    expect(starting.length).toBeGreaterThan(0);
    for (const o of starting) expect(o).toMatchObject({ retryAfter: '1', error: 'temporarily_unavailable' });
    expect(all.slice(-5).map((o) => o.status)).toEqual([200, 200, 200, 200, 200]);
    run.child.kill('SIGTERM');
    expect((await run.exit).code).toBe(0);
  });

  it('rejects an unknown flag with one clear message and exit code 2', async () => {
    const run = serve(['--prot', '80']);
    const { code, stderr } = await run.exit;
    expect(code).toBe(2);
    expect(stderr).toContain("'--prot'");
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a busy port with exit code 2', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => blocker.close());
    const port = (blocker.address() as { port: number }).port;
    const data = tempDataDir();
    cleanups.push(data.remove);
    const { code, stderr } = await serve(['--port', String(port), '--data', data.dir]).exit;
    expect(code).toBe(2);
    expect(stderr).toContain('already in use');
  });

  it('refuses a data directory it cannot write with exit code 2', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    // A path under a regular file can never become a directory, whoever runs the test (even root).
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${data.dir}/file`, 'x');
    const { code, stderr } = await serve(['--port', '0', '--data', `${data.dir}/file/sub`]).exit;
    expect(code).toBe(2);
    expect(stderr).toContain('data directory');
  });

  it('rejects a non-numeric --interval with exit code 2', async () => {
    const { code, stderr } = await serve(['--interval', 'soon']).exit;
    expect(code).toBe(2);
    expect(stderr).toContain('--interval');
  });
});
