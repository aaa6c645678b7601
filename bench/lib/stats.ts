// Percentiles and the table every benchmark prints. Percentiles use the nearest-rank method, so a
// p95 of 20 samples is the 19th smallest, an actual measurement rather than an interpolation.

/** Summary of a list of millisecond samples. */
export interface Summary {
  runs: number;
  p50Ms: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
}

/** The nearest-rank percentile `p` (0-100) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** p50, p95, min, max and mean of `values`, rounded to 0.1 ms. */
export function summarise(values: readonly number[]): Summary {
  const round = (n: number): number => Math.round(n * 10) / 10;
  const mean = values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
  return {
    runs: values.length,
    p50Ms: round(percentile(values, 50)),
    p95Ms: round(percentile(values, 95)),
    minMs: round(values.length ? Math.min(...values) : Number.NaN),
    maxMs: round(values.length ? Math.max(...values) : Number.NaN),
    meanMs: round(mean),
  };
}

/** One line of a benchmark's table: a figure, its target (if any), and whether it met it (printed "met" / "MISSED"). */
export interface Row {
  figure: string;
  value: string;
  target?: string;
  /** true = pass, false = miss, undefined = informational. */
  pass?: boolean;
}

/** Prints a benchmark's table to stdout. */
export function printTable(title: string, rows: readonly Row[]): void {
  const header: Row = { figure: 'figure', value: 'value', target: 'target' };
  const verdict = (row: Row): string => (row.pass === undefined ? '' : row.pass ? 'met' : 'MISSED');
  const widths = [
    Math.max(header.figure.length, ...rows.map((r) => r.figure.length)),
    Math.max(header.value.length, ...rows.map((r) => r.value.length)),
    Math.max(header.target!.length, ...rows.map((r) => (r.target ?? '').length)),
  ];
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, i) => (i < widths.length ? cell.padEnd(widths[i]!) : cell)).join(' | ')} |`;
  const out = [
    '',
    `## ${title}`,
    line(['figure', 'value', 'target', 'result']),
    line(widths.map((w) => '-'.repeat(w)).concat('------')),
    ...rows.map((r) => line([r.figure, r.value, r.target ?? '', verdict(r)])),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

/** Milliseconds with one decimal, for tables. */
export function ms(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a';
}

/** Sleeps `ms` milliseconds. */
export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Resolves after `ms` without keeping the process alive (for bounding a wait with Promise.race). */
export function unrefSleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds).unref());
}
