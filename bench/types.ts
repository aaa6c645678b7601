// What every benchmark module exports: `run(options) -> BenchResult`, collected by bench/run.ts.
import type { Row } from './lib/stats.ts';

export interface BenchOptions {
  /** Fewer runs and shorter phases, so that all benchmarks together take under three minutes. */
  quick: boolean;
}

export interface BenchResult {
  title: string;
  rows: Row[];
  /** Merged (deeply, one level per key) into bench/results/latest.json. */
  json: Record<string, unknown>;
}
