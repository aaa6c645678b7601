#!/usr/bin/env node
// Entry point of `npx device-login`. The CLI is TypeScript run unbuilt through Node's type stripping,
// so a fresh clone works right after `npm install` with no build step.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`device-login needs Node.js 22.12 or newer; this is ${process.version}.`);
  process.exit(2);
}

if (!process.features.typescript) {
  // Node 22.12 to 22.17 have type stripping and node:sqlite behind flags: run again with them on.
  const flags = ['--experimental-strip-types', '--experimental-sqlite', '--disable-warning=ExperimentalWarning'];
  const child = spawnSync(process.execPath, [...flags, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(child.status ?? 1);
}

const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
