#!/usr/bin/env node
// Entry point of `npx device-login`. The CLI is TypeScript run unbuilt through Node's type stripping,
// so a fresh clone works right after `npm install` with no build step. On a Node.js that is too old or
// lacks type stripping, it starts again on one that can (bin/runtime.js says how it chooses).
import { fileURLToPath } from 'node:url';
import { chooseRuntime, missingPackage, ROOT, runInChild } from './runtime.js';

const args = process.argv.slice(2);
const here = fileURLToPath(import.meta.url);
const choice = chooseRuntime(here, args);

if (!choice.asIs) {
  runInChild(here, args);
} else {
  let main;
  try {
    ({ main } = await import('../cli/main.ts'));
  } catch (err) {
    const name = missingPackage(err);
    if (!name) throw err;
    console.error(`device-login: the package ${name} is not installed: run \`npm install\` in ${ROOT} first.`);
    process.exit(2);
  }
  process.exitCode = await main(args);
}
