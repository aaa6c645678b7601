// `npm test`: everything CI runs, on a fresh machine as on a developer's. First the parts of the machine
// outside npm that the tests need (Chromium, redis-server: scripts/system-parts.ts), installed with
// apt-get where this process may (root on Debian) and named otherwise; then the unit and integration
// tests (vitest) and the end-to-end tests (Playwright in Chromium); then one closing line for both that
// counts every failure either runner counts and never says `0 failed` when a runner ended non-zero.
//
//   node scripts/run.js scripts/test.ts [--unit | --e2e] [runner arguments]
//   (npm test; npm run e2e is --e2e; npm test -- test/core runs only vitest on that filter)
//
// DEVICE_LOGIN_NO_INSTALL=1 keeps it from installing anything: tests that need a missing part are then
// reported as skipped, with the part and the command that installs it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canUseApt, CHROMIUM, installWithApt, missingReason, SYSTEM_PARTS, type SystemPart } from './system-parts.ts';

const ROOT = join(import.meta.dirname, '..');
const CLOSING = /^(\d+) passed, (\d+) failed, (\d+) skipped$/;

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface RunnerResult {
  name: string;
  exitCode: number;
  /** The runner's own closing line, when it printed one. */
  counts?: Counts;
}

/**
 * The closing line of the whole run. A runner that printed no closing line, or ended non-zero while
 * its line said `0 failed`, counts as one failure more, with a note saying so.
 */
export function combine(results: readonly RunnerResult[]): { counts: Counts; notes: string[]; ok: boolean } {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  const notes: string[] = [];
  for (const result of results) {
    const own = result.counts;
    if (!own) {
      counts.failed += 1;
      notes.push(`${result.name} ended (exit ${result.exitCode}) without its closing line: counted as 1 failed`);
      continue;
    }
    counts.passed += own.passed;
    counts.skipped += own.skipped;
    counts.failed += own.failed;
    if (result.exitCode !== 0 && own.failed === 0) {
      counts.failed += 1;
      notes.push(`${result.name} ended with exit ${result.exitCode} though its line said 0 failed: counted as 1 failed`);
    }
  }
  return { counts, notes, ok: counts.failed === 0 && results.every((result) => result.exitCode === 0) };
}

/** The last closing line in `output`, if any. */
export function closingCounts(output: string): Counts | undefined {
  let counts: Counts | undefined;
  for (const line of output.split('\n')) {
    const match = CLOSING.exec(line.trim());
    if (match) counts = { passed: Number(match[1]), failed: Number(match[2]), skipped: Number(match[3]) };
  }
  return counts;
}

/**
 * The longest a runner may take before it is stopped and counted as failed: several times what a whole
 * run takes on two cores (vitest about 6 minutes, Playwright about 5), well inside CI's 90 minutes.
 * The runners bound their own tests; this catches what they cannot, so that a hang is a failure that
 * says so rather than a CI run that never ends.
 */
export const RUNNER_LIMIT_MS = 40 * 60_000;

/** Runs one test runner, its output passed through as it comes, and reads its closing line. */
function runRunner(name: string, script: string, args: string[]): Promise<RunnerResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, script), ...args], {
      cwd: ROOT,
      stdio: ['inherit', 'pipe', 'inherit'],
      env: process.stdout.isTTY ? { FORCE_COLOR: '1', ...process.env } : process.env,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      output += chunk.toString();
      if (output.length > 1_000_000) output = output.slice(-100_000);
    });
    child.on('error', (err) => {
      console.error(`npm test: could not start ${name}: ${err.message}`);
      resolve({ name, exitCode: 1 });
    });
    const limit = setTimeout(() => {
      console.error(`npm test: ${name} has not ended after ${RUNNER_LIMIT_MS / 60_000} minutes; stopping it (counted as failed).`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, RUNNER_LIMIT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      const counts = closingCounts(output);
      resolve({ name, exitCode: code ?? (signal ? 1 : 0), ...(counts ? { counts } : {}) });
    });
  });
}

/** Brings what `needed` lacks where it can; returns what is still missing, each said once. */
function prepareParts(needed: readonly SystemPart[], say: (line: string) => void): SystemPart[] {
  let missing = needed.filter((part) => !part.find());
  if (missing.length === 0) return [];
  if (process.env.DEVICE_LOGIN_NO_INSTALL !== '1' && canUseApt()) missing = installWithApt(missing, say);
  for (const part of missing) say(`${missingReason(part)}; the tests that need it are reported as skipped.`);
  return missing;
}

async function main(argv: string[]): Promise<number> {
  const mode = argv[0] === '--e2e' ? 'e2e' : argv[0] === '--unit' ? 'unit' : 'all';
  const rest = mode === 'all' ? argv : argv.slice(1);
  // Arguments after `npm test --` narrow the unit tests; the end-to-end tests then stay out.
  const runUnit = mode !== 'e2e';
  const runE2e = mode === 'e2e' || (mode === 'all' && rest.length === 0);
  const say = (line: string) => console.log(`npm test: ${line}`);

  prepareParts(runUnit ? SYSTEM_PARTS : [CHROMIUM], say);

  const results: RunnerResult[] = [];
  if (runUnit) results.push(await runRunner('unit and integration tests (vitest)', 'node_modules/vitest/vitest.mjs', ['run', ...rest]));
  if (runE2e) {
    const e2eArgs = mode === 'e2e' ? rest : [];
    results.push(await runRunner('end-to-end tests (Playwright)', 'node_modules/@playwright/test/cli.js', ['test', ...e2eArgs]));
  }

  const { counts, notes, ok } = combine(results);
  console.log('');
  for (const result of results) {
    const own = result.counts;
    say(`${result.name}: ${own ? `${own.passed} passed, ${own.failed} failed, ${own.skipped} skipped` : 'no closing line'} (exit ${result.exitCode})`);
  }
  for (const note of notes) say(note);
  console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  return ok ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
