// Which Node.js runs device-login. The code is TypeScript run unbuilt (Node's type stripping) and uses
// node:sqlite, so it needs Node.js 22.12 or newer; many machines still have an older system Node.js
// (Debian's is 18, and npm's own is often 20). `npm install` therefore brings a pinned Node.js 24 from
// the npm registry (the `node` package in optionalDependencies, a real binary in node_modules/node),
// and every entry point (the `device-login` bin and the npm scripts, through scripts/run.js) starts on
// it when the Node.js that was asked to run them is too old. npm scripts already find it first, since
// npm puts node_modules/.bin at the front of PATH; this file covers `node bin/device-login.js`, `npx`
// from elsewhere, and a pinned runtime that failed to install (one actionable sentence, never a Node
// option error).
//
// Plain JavaScript that any Node.js since 14 parses, so that the old one gets as far as the sentence.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The oldest Node.js that runs the project (package.json "engines"). */
export const MINIMUM = [22, 12];

/** The project's root: the folder that holds bin/. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** True when `version` ("22.12.0") is at least MINIMUM. */
export function isSupported(version) {
  const [major = 0, minor = 0] = String(version).replace(/^v/, '').split('.').map(Number);
  return major > MINIMUM[0] || (major === MINIMUM[0] && minor >= MINIMUM[1]);
}

/** The Node.js binary that `npm install` put into node_modules/node, when it is there. */
export function pinnedNode(root = ROOT) {
  const binary = join(root, 'node_modules', 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  return existsSync(binary) ? binary : undefined;
}

/** Flags a supported Node.js needs for the unbuilt TypeScript: 22.12 to 22.17 have both behind flags. */
export function flagsFor(hasTypeScript) {
  return hasTypeScript
    ? []
    : ['--experimental-strip-types', '--experimental-sqlite', '--disable-warning=ExperimentalWarning'];
}

/** The sentence for a machine where no suitable Node.js can be had. */
export function unsupportedMessage(version, root = ROOT) {
  return (
    `device-login needs Node.js ${MINIMUM.join('.')} or newer, and this is Node.js ${version}: ` +
    `run \`npm install\` in ${root} (it brings Node.js 24 into node_modules/node), ` +
    'or if that install failed, install Node.js 22.12 or newer from https://nodejs.org or your package manager.'
  );
}

/**
 * How to run `script` (a .js or .ts file) with `args`: on this Node.js when it is new enough, else on
 * the pinned one. Returns `{ node, argv, asIs }` (`asIs`: this very process could run it, no flags
 * needed), or `{ error }` when there is no suitable Node.js.
 */
export function chooseRuntime(script, args, current = process, root = ROOT) {
  if (isSupported(current.versions.node)) {
    const flags = flagsFor(Boolean(current.features?.typescript));
    return { node: current.execPath, argv: [...flags, script, ...args], asIs: flags.length === 0 };
  }
  const pinned = pinnedNode(root);
  if (pinned && pinned !== current.execPath) return { node: pinned, argv: [script, ...args], asIs: false };
  return { error: unsupportedMessage(current.version, root) };
}

/**
 * Runs `script` in a child Node.js and ends this process as the child ends (same exit code, or the
 * same signal). SIGTERM and SIGHUP are passed on; Ctrl-C reaches the child from the terminal itself,
 * so this process only ignores it and lets the child decide.
 */
export function runInChild(script, args) {
  const choice = chooseRuntime(script, args);
  if (choice.error) {
    console.error(choice.error);
    process.exit(2);
  }
  const child = spawn(choice.node, choice.argv, { stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  child.on('error', (err) => {
    console.error(`device-login: could not start ${choice.node}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}

/** Names the package that a failed import missed, for ERR_MODULE_NOT_FOUND; else undefined. */
export function missingPackage(err) {
  if (!err || err.code !== 'ERR_MODULE_NOT_FOUND') return undefined;
  const match = /Cannot find (?:package|module) '([^']+)'/.exec(String(err.message));
  return match ? match[1] : 'a module';
}
