// `npm start`: the Electron TV app when the Electron binary is installed; otherwise a clear message
// and the same app in the browser (`device-login web`). The binary is looked for on disk only:
// require('electron') would try to download it, which hangs or fails on machines without internet.
//
// `--lan` and `--public-url` (a real phone) are the browser host's: with either, `device-login web` runs
// even where Electron is installed, because the Electron shell only knows a server on loopback.
//
//   node scripts/start.ts [--kiosk] [--lan | --public-url URL] [provider flags as for `device-login login`]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
/** Switches of the Electron shell that the browser host does not take. */
const ELECTRON_ONLY = new Set(['--kiosk', '--allow-plaintext-token-storage']);
/** Switches only the browser host takes: a real phone on the LAN, or through a tunnel. */
const BROWSER_HOST_ONLY = ['--lan', '--public-url'];

/** True when `args` ask for something only `device-login web` does. */
export function wantsBrowserHost(argv: readonly string[]): boolean {
  return argv.some((arg) => BROWSER_HOST_ONLY.some((flag) => arg === flag || arg.startsWith(`${flag}=`)));
}

/** The Electron executable when it is installed, else undefined (never downloads). */
export function electronBinary(projectRoot: string, env: Record<string, string | undefined>): string | undefined {
  const moduleDir = join(projectRoot, 'node_modules', 'electron');
  const pathFile = join(moduleDir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const dist = env.ELECTRON_OVERRIDE_DIST_PATH || join(moduleDir, 'dist');
  const binary = join(dist, relative);
  return existsSync(binary) ? binary : undefined;
}

function run(command: string, commandArgs: string[]): void {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal; a service manager's SIGTERM is passed on here.
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  child.on('error', (err) => {
    console.error(`device-login: could not start ${command}: ${err.message}`);
    process.exit(1);
  });
}

// import.meta.main only exists from Node 24.2; the project supports 22.12.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const binary = electronBinary(root, process.env);
  const browserHost = wantsBrowserHost(args);
  if (binary && !browserHost) {
    const built = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (built.status !== 0) {
      console.error('device-login: building the Electron app failed (see above).');
      process.exit(1);
    }
    run(binary, [join(root, 'out', 'main', 'index.js'), ...args]);
  } else if (binary) {
    console.error(
      [
        'device-login: --lan and --public-url are for the TV app in the browser:',
        '  starting `device-login web` (open the address it prints).',
        '',
      ].join('\n'),
    );
    run(process.execPath, [join(root, 'bin', 'device-login.js'), 'web', ...args.filter((a) => !ELECTRON_ONLY.has(a))]);
  } else {
    console.error(
      [
        'device-login: the Electron binary is not installed on this machine, so the TV app',
        '  cannot open as a desktop app. (node_modules/electron is there, but its binary',
        '  download was blocked or skipped: node_modules/electron/dist is missing.)',
        '  To install it, on a machine with internet:  node node_modules/electron/install.js',
        '  Meanwhile, the same TV app runs in your browser: starting `device-login web`',
        '  (open the first address it prints).',
        '',
      ].join('\n'),
    );
    run(process.execPath, [join(root, 'bin', 'device-login.js'), 'web', ...args.filter((a) => !ELECTRON_ONLY.has(a))]);
  }
}
