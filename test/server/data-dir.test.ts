// Issue 13, finding 1: the data directory holds the keys, the OAuth store and the password hashes,
// and was 0755 with 0644 files (`users add --data NEW`, SQLite's own files). Whoever creates it,
// it is 0700 and every file in it 0600 whatever the umask (server/data-dir.ts); a directory of an
// earlier version is made private; one another user owns is refused with the command that fixes it.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

import type { Logger } from '../../core/ports.ts';
import { startServer } from '../../server/app.ts';
import { SKIP_MARK } from '../summary-reporter.ts';
import { tempDataDir } from './device-helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/device-login.js', import.meta.url));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function mode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

/** Each regular file of `dir` with its mode, e.g. { 'keys.json': '600' }. */
function fileModes(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => [entry.name, mode(join(dir, entry.name))]),
  );
}

function onlyOwnerModes(dir: string): Record<string, string> {
  return Object.fromEntries(Object.keys(fileModes(dir)).map((name) => [name, '600']));
}

/** Runs the CLI under `umask 000` (files as open as a process can make them); resolves with its exit and output. */
function cliWithOpenUmask(args: string[], input?: string): { exit: Promise<{ code: number | null; stdout: string; stderr: string }>; firstLine: Promise<string>; stop(): void } {
  const child = spawn('sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
    });
    child.once('exit', () => reject(new Error(`exited before a first line; stderr: ${stderr}`)));
  });
  firstLine.catch(() => {});
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
  if (input !== undefined) child.stdin.end(input);
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { exit, firstLine, stop: () => child.kill('SIGTERM') };
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (message: string) => void warnings.push(message), error() {} };
}

describe('a data directory the server creates', () => {
  it('is 0700 with every file 0600 after startServer, the SQLite -wal and -shm files included', async () => {
    const parent = tempDataDir();
    cleanups.push(parent.remove);
    const dir = join(parent.dir, 'new', 'data');
    const server = await startServer({ port: 0, dataDir: dir });
    cleanups.push(() => server.close());
    expect(mode(dir)).toBe('700');
    expect(mode(join(parent.dir, 'new'))).toBe('700');
    const files = fileModes(dir);
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['keys.json', 'oidc.sqlite', 'oidc.sqlite-wal', 'oidc.sqlite-shm', 'accounts.sqlite', 'demo-user.json']));
    expect(files).toEqual(onlyOwnerModes(dir));
  });

  it('is 0700 with every file 0600 after `serve` under umask 000', async () => {
    const parent = tempDataDir();
    cleanups.push(parent.remove);
    const dir = join(parent.dir, 'served');
    const run = cliWithOpenUmask(['serve', '--port', '0', '--data', dir]);
    JSON.parse(await run.firstLine);
    expect(mode(dir)).toBe('700');
    const files = fileModes(dir);
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['oidc.sqlite-wal', 'oidc.sqlite-shm', 'accounts.sqlite-wal']));
    expect(files).toEqual(onlyOwnerModes(dir));
    run.stop();
    expect((await run.exit).code).toBe(0);
  });

  it('is 0700 with every file 0600 after `users add --data NEW` under umask 000', async () => {
    const parent = tempDataDir();
    cleanups.push(parent.remove);
    const dir = join(parent.dir, 'users-first');
    const run = cliWithOpenUmask(['users', 'add', '--email', 'ada@example.test', '--name', 'Ada', '--data', dir], 'a long enough password\n');
    const result = await run.exit;
    expect(result.code, result.stderr).toBe(0);
    expect(mode(dir)).toBe('700');
    expect(Object.keys(fileModes(dir))).toContain('accounts.sqlite');
    expect(fileModes(dir)).toEqual(onlyOwnerModes(dir));
  });
});

describe('a data directory that exists', () => {
  it('is made private when this user owns it (an earlier version made it 0755 with 0644 files), and the log says so', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    chmodSync(data.dir, 0o755);
    const old = new DatabaseSync(join(data.dir, 'accounts.sqlite'));
    old.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (x)');
    old.close();
    writeFileSync(join(data.dir, 'notes.txt'), 'kept\n', { mode: 0o644 });
    chmodSync(join(data.dir, 'accounts.sqlite'), 0o644);
    chmodSync(join(data.dir, 'notes.txt'), 0o644);
    const logger = recordingLogger();
    const server = await startServer({ port: 0, dataDir: data.dir, logger });
    cleanups.push(() => server.close());
    expect(mode(data.dir)).toBe('700');
    expect(fileModes(data.dir)).toEqual(onlyOwnerModes(data.dir));
    expect(logger.warnings.join('\n')).toContain(`The data directory ${data.dir} was open to other users; made private`);
  });
});

// Only root can give a directory to another user, which is what these tests need.
const notRoot = process.getuid?.() === 0 ? undefined : 'giving a directory to another user needs root';
describe.skipIf(notRoot !== undefined)(`a data directory another user owns${notRoot ? `${SKIP_MARK}${notRoot}]` : ''}`, () => {
  const OTHER_UID = 4242;

  function othersDirectory(): string {
    const parent = tempDataDir();
    cleanups.push(parent.remove);
    const dir = join(parent.dir, "other's data");
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    chownSync(dir, OTHER_UID, OTHER_UID);
    return dir;
  }

  it('is refused by startServer, saying why and the command that fixes it, and left as it was', async () => {
    const dir = othersDirectory();
    const failure = await startServer({ port: 0, dataDir: dir }).then(
      () => undefined,
      (err: unknown) => err as Error & { code?: string },
    );
    expect(failure?.code).toBe('configuration');
    expect(failure?.message).toContain(`belongs to another user (uid ${OTHER_UID})`);
    expect(failure?.message).toContain(`chmod 0700 '${dir.replaceAll("'", "'\\''")}'`);
    expect(mode(dir)).toBe('755');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is refused by `users add` with the same sentence and exit code 2', async () => {
    const dir = othersDirectory();
    const run = cliWithOpenUmask(['users', 'add', '--email', 'ada@example.test', '--name', 'Ada', '--data', dir], 'a long enough password\n');
    const result = await run.exit;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is open to other users (mode 0755) and belongs to another user');
    expect(readdirSync(dir)).toEqual([]);
  });
});
