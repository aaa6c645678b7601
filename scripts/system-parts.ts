// The parts of the machine, outside npm, that the tests and benchmarks use: Debian's Chromium (browser
// tests, driven by Playwright; never Playwright's own download), redis-server (the scale-out tests),
// tmux (the login screen in a real 80x24 terminal) and iproute2's `ip` (a second machine in a network
// namespace, for `web --lan`).
// One place says how each is found, what installs it and what needs it, so that `npm test` can bring
// what is missing (as root on Debian, like `npx playwright install --with-deps`), and every test, e2e
// spec and benchmark that needs a part still missing skips with the same sentence instead of failing
// on a spawn error.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface SystemPart {
  /** What people call it. */
  name: string;
  /** Debian's package. */
  aptPackage: string;
  /** What uses it. */
  usedBy: string;
  /** Where it is, or undefined when missing. */
  find(env?: NodeJS.ProcessEnv): string | undefined;
}

function onPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const CHROMIUM: SystemPart = {
  name: 'Chromium',
  aptPackage: 'chromium',
  usedBy: 'the browser tests and the browser benchmarks',
  find(env = process.env) {
    const path = chromiumPath(env);
    return existsSync(path) ? path : undefined;
  },
};

export const REDIS: SystemPart = {
  name: 'redis-server',
  aptPackage: 'redis-server',
  usedBy: 'the tests and benchmarks of several server instances on one Redis',
  find: (env = process.env) => onPath('redis-server', env),
};

export const TMUX: SystemPart = {
  name: 'tmux',
  aptPackage: 'tmux',
  usedBy: 'the test of the login screen in a real terminal',
  find: (env = process.env) => onPath('tmux', env),
};

export const IPROUTE: SystemPart = {
  name: 'ip (iproute2)',
  aptPackage: 'iproute2',
  usedBy: 'the tests that reach `web --lan` from a network namespace',
  find: (env = process.env) => onPath('ip', env) ?? (existsSync('/usr/sbin/ip') ? '/usr/sbin/ip' : undefined),
};

export const SYSTEM_PARTS: readonly SystemPart[] = [CHROMIUM, REDIS, TMUX, IPROUTE];

/** The executable Playwright launches: CHROMIUM_PATH, else Debian's. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/** The sentence a skipped test or benchmark gives: which part is missing and how to install it. */
export function missingReason(part: SystemPart): string {
  const where = part === CHROMIUM ? ` (or set CHROMIUM_PATH to a Chromium or Chrome)` : '';
  return `${part.name} is not installed: \`sudo apt-get install ${part.aptPackage}\`${where}, or run \`npm test\` as root on Debian, which installs it`;
}

/** Whether this process can install Debian packages itself: root, with apt-get. */
export function canUseApt(): boolean {
  return process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Installs `parts` with apt-get, saying what and why on `log` first. Returns the parts still missing
 * afterwards (all of them when apt-get failed; its output went to the terminal).
 */
export function installWithApt(parts: readonly SystemPart[], log: (line: string) => void): SystemPart[] {
  if (parts.length === 0) return [];
  const packages = parts.map((part) => part.aptPackage);
  log(
    `installing ${packages.join(' and ')} with apt-get (Debian packages: ${parts.includes(CHROMIUM) ? 'about 200 MB to download, up to 700 MB on disk on a minimal system' : 'about 2 MB'}), for ${parts
      .map((part) => part.usedBy)
      .join('; and ')}`,
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (update.status === 0) {
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env,
    });
  }
  return parts.filter((part) => !part.find());
}
