// CI check of the Electron shell with Doyensec's electronegativity: prints a summary of every finding
// and exits 1 on any HIGH one (the tool itself always exits 0). It runs the tool's own runner
// in-process, offline: its two network look-ups (translations, Electron release notes) are answered
// "unavailable" at once, because on machines without internet the HTTP library's retry crashes the
// process after the check has already given up.
//
//   node scripts/electronegativity.ts [directory]   (default: electron/)
import Module, { createRequire } from 'node:module';
import { resolve } from 'node:path';

interface Finding {
  id: string;
  file: string;
  location: { line: number; column: number };
  severity: { name: string; value: number };
  confidence: { name: string };
  manualReview?: boolean;
  description?: string;
}

interface RunResult {
  globalChecks: number;
  atomicChecks: number;
  errors: Array<{ file: string; message: string; tolerable: boolean }>;
  issues: Finding[];
}

const ELECTRON_VERSION = '45.4.1';
const input = resolve(process.argv[2] ?? 'electron');
const require = createRequire(import.meta.url);

// Offline stand-in for `got`: every request fails at once, as with no network, and the tool's own
// fallbacks (bundled translations, no release data) take over.
const offline = Object.assign(() => Promise.reject(new Error('offline')), {
  head: () => Promise.reject(new Error('offline')),
  get: () => Promise.reject(new Error('offline')),
});
const moduleWithLoad = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const originalLoad = moduleWithLoad._load;
moduleWithLoad._load = function load(request: string, ...rest: unknown[]) {
  if (request === 'got') return { __esModule: true, default: offline };
  return originalLoad.call(this, request, ...rest);
};

const quietLog = console.log;
// The tool reports its offline fallbacks on stdout; the summary below says what matters.
console.log = (...args: unknown[]) => {
  const text = args.map(String).join(' ');
  if (/translations|releases|connectivity/i.test(text)) return;
  quietLog(...args);
};

const run = require('@doyensec/electronegativity/dist/runner.js') as (
  options: Record<string, unknown>,
  forCli: boolean,
) => Promise<RunResult>;

const result = await run(
  {
    input,
    isRelative: true,
    isVerbose: false,
    electronVersionOverride: ELECTRON_VERSION,
    customScan: [],
    excludeFromScan: [],
    parserPlugins: [],
  },
  false,
);
console.log = quietLog;

const bySeverity = new Map<string, number>();
for (const issue of result.issues) bySeverity.set(issue.severity.name, (bySeverity.get(issue.severity.name) ?? 0) + 1);

console.log(
  `electronegativity on ${input}: ${result.atomicChecks} atomic + ${result.globalChecks} global checks, ` +
    `${result.issues.length} finding(s)` +
    (result.issues.length ? ` (${[...bySeverity].map(([k, v]) => `${k} ${v}`).join(', ')})` : ''),
);
const order = (f: Finding) => -f.severity.value;
for (const f of [...result.issues].sort((a, b) => order(a) - order(b))) {
  const review = f.manualReview ? ' [review]' : '';
  console.log(`  ${f.severity.name.padEnd(13)} ${f.confidence.name.padEnd(9)} ${f.id}${review}  ${f.file}:${f.location.line}:${f.location.column}`);
}
for (const e of result.errors) {
  console.log(`  ${e.tolerable ? 'parse warning' : 'PARSE ERROR  '} ${e.file}: ${e.message}`);
}

const high = result.issues.filter((f) => f.severity.name === 'HIGH');
const fatalParse = result.errors.filter((e) => !e.tolerable);
if (high.length || fatalParse.length) {
  console.log(
    `FAIL: ${high.length} HIGH finding(s)${fatalParse.length ? ` and ${fatalParse.length} file(s) that could not be parsed` : ''}.`,
  );
  process.exit(1);
}
console.log('OK: no HIGH findings.');
