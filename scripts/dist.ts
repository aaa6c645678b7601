// `npm run dist`: the Electron app built (electron-vite), then its installers (electron-builder). The
// builder downloads the Electron binary and its packaging tools the first time, from GitHub; where that
// cannot work (no internet, a closed network) its own error is a long stack trace, so this says in one
// sentence what it needed and how to provide it.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(import.meta.dirname, '..');

function step(script: string, args: string[]): number {
  const result = spawnSync(process.execPath, [join(ROOT, script), ...args], { cwd: ROOT, stdio: 'inherit' });
  return result.status ?? 1;
}

/** Like step(), with the stack frames of a failure left out of the output (the message stays). */
function quietStep(script: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const [from, to] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ] as const) {
      createInterface({ input: from }).on('line', (line) => {
        if (!/^\s+at /.test(line)) to.write(`${line}\n`);
      });
    }
    child.on('close', (code) => resolve(code ?? 1));
  });
}

if (step('node_modules/electron-vite/bin/electron-vite.js', ['build']) !== 0) {
  console.error('device-login: building the Electron app failed (see above); no installer was made.');
  process.exit(1);
}
const builder = await quietStep('node_modules/electron-builder/cli.js', ['--publish', 'never', ...process.argv.slice(2)]);
if (builder !== 0) {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string };
  const cache = process.env.ELECTRON_CACHE ?? join(homedir(), '.cache', 'electron');
  console.error(
    `device-login: electron-builder failed (see above), so no installer was made. The first time it downloads Electron ${version} ` +
      `for ${process.platform}-${process.arch} and its packaging tools from GitHub: run \`npm run dist\` with internet access, or put ` +
      `electron-v${version}-${process.platform}-${process.arch}.zip into ${cache} (ELECTRON_CACHE) first. The app itself is built in out/.`,
  );
  process.exit(1);
}
