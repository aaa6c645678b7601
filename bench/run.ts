// `npm run bench [-- names...] [--quick]`: runs the benchmarks (all, or the named ones), prints a
// table per benchmark and writes bench/results/latest.json. Benchmarks are not tests: they never
// run in `npm test`, and a missed target is reported, not failed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import { CHROMIUM, chromiumPath, missingReason, REDIS, type SystemPart } from '../scripts/system-parts.ts';
import { ROOT } from './lib/processes.ts';
import { printTable } from './lib/stats.ts';
import type { BenchOptions, BenchResult } from './types.ts';

type Bench = (options: BenchOptions) => Promise<BenchResult>;

/** Name -> module, in the order a full run takes them (cheap and quiet ones first). */
const BENCHMARKS: Record<string, () => Promise<Bench>> = {
  'renderer-size': async () => (await import('./renderer-size.ts')).run,
  startup: async () => (await import('./startup.ts')).run,
  'time-to-code': async () => (await import('./time-to-code.ts')).run,
  'approval-to-home': async () => (await import('./approval-to-home.ts')).run,
  server: async () => (await import('./server.ts')).run,
  'held-polls': async () => (await import('./held-polls.ts')).run,
  'scale-out': async () => (await import('./scale-out.ts')).run,
};

/** The parts of the machine outside npm that a benchmark needs: without one it is skipped, saying why. */
const NEEDS: Record<string, SystemPart[]> = {
  'time-to-code': [CHROMIUM],
  'approval-to-home': [CHROMIUM],
  'scale-out': [REDIS],
};

function chromiumVersion(): string | undefined {
  try {
    return execFileSync(chromiumPath(), ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Merges `from` into `into`, one level deep per top-level key (server + held-polls share `server`). */
function merge(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(from)) {
    const existing = into[key];
    if (existing && typeof existing === 'object' && value && typeof value === 'object') Object.assign(existing, value);
    else into[key] = value;
  }
}

async function main(argv: string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const unknownFlags = argv.filter((a) => a.startsWith('-') && a !== '--quick');
  const names = argv.filter((a) => !a.startsWith('-'));
  const unknown = [...unknownFlags, ...names.filter((n) => !(n in BENCHMARKS))];
  if (unknown.length) {
    process.stderr.write(`bench: unknown ${unknown.join(', ')}. Benchmarks: ${Object.keys(BENCHMARKS).join(', ')}; flag: --quick\n`);
    return 2;
  }
  const selected = names.length ? Object.keys(BENCHMARKS).filter((n) => names.includes(n)) : Object.keys(BENCHMARKS);
  const started = performance.now();
  const results: Record<string, unknown> = {};
  const failures: Record<string, string> = {};
  const skipped: Record<string, string> = {};
  const timings: Record<string, number> = {};
  for (const name of selected) {
    const missing = (NEEDS[name] ?? []).find((part) => !part.find());
    if (missing) {
      skipped[name] = missingReason(missing);
      process.stderr.write(`bench: ${name} skipped: ${skipped[name]}\n`);
      continue;
    }
    const t0 = performance.now();
    process.stderr.write(`bench: ${name}${quick ? ' (quick)' : ''}...\n`);
    try {
      const run = await BENCHMARKS[name]!();
      const result = await run({ quick });
      printTable(result.title, result.rows);
      merge(results, result.json);
    } catch (err) {
      failures[name] = err instanceof Error ? err.message : String(err);
      process.stderr.write(`bench: ${name} failed: ${failures[name]}\n`);
    }
    timings[name] = Math.round((performance.now() - t0) / 100) / 10;
  }
  const totalSeconds = Math.round((performance.now() - started) / 100) / 10;
  const machine = {
    nproc: cpus().length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    chromium: chromiumVersion(),
    platform: `${process.platform} ${process.arch}`,
  };
  const out = {
    ...results,
    meta: { date: new Date().toISOString(), quick, benchmarks: selected, secondsPerBenchmark: timings, totalSeconds, machine, ...(Object.keys(failures).length ? { failures } : {}), ...(Object.keys(skipped).length ? { skipped } : {}) },
  };
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  const ran = selected.length - Object.keys(skipped).length;
  const skips = Object.keys(skipped).length ? `; skipped for a missing part: ${Object.keys(skipped).join(', ')}` : '';
  process.stdout.write(`\nbench: ${ran} benchmark(s) in ${totalSeconds} s${skips}; figures in bench/results/latest.json\n`);
  return Object.keys(failures).length ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
