// `node scripts/run.js FILE.ts [args]`: how the npm scripts (start, test, e2e, bench, check:electron,
// dist) run their TypeScript, on a Node.js that can (bin/runtime.js), with a sentence instead of a
// Node option error or a stack trace when none can be had or `npm install` has not been run.
// `node scripts/run.js --check` only makes those two checks (the pre-scripts of build, check, ...).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chooseRuntime, ROOT, runInChild } from '../bin/runtime.js';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node scripts/run.js FILE.ts [args] | --check');
  process.exit(2);
}
if (!existsSync(join(ROOT, 'node_modules', '.package-lock.json'))) {
  console.error(`device-login: the project's packages are not installed: run \`npm install\` in ${ROOT} first.`);
  process.exit(2);
}
if (script === '--check') {
  const choice = chooseRuntime('', []);
  if (choice.error) {
    console.error(choice.error);
    process.exit(2);
  }
} else {
  runInChild(resolve(script), args);
}
