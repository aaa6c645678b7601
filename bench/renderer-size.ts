// `renderer-size`: gzip size of the JavaScript the TV page must load before it can draw anything
// (its entry script and the chunks that entry imports statically or preloads), built with the
// renderer's own Vite config into a temporary directory (never out/, which `device-login web` may be
// building at the same time). Chunks loaded on demand (the design preview) are reported apart.
//
// Baseline, built in the same run with the same Vite and React plugin: the smallest React 19 app
// (createRoot + one element). It is the floor any React TV page pays, so the table shows how much of
// the budget is ours.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

import { ROOT } from './lib/processes.ts';
import type { Row } from './lib/stats.ts';
import type { BenchOptions, BenchResult } from './types.ts';

const TARGET_KB = 150;

/** Inside the project, so that the baseline app resolves react from its node_modules. */
const SCRATCH = join(ROOT, 'node_modules', '.cache', 'device-login-bench');

interface Sizes {
  /** Entry + static imports + modulepreloads, gzip kB. */
  initialJsGzipKb: number;
  initialJsRawKb: number;
  initialFiles: string[];
  /** JS chunks not needed to start (dynamic imports), gzip kB. */
  lazyJsGzipKb: number;
  cssGzipKb: number;
  buildSeconds: number;
}

const kb = (bytes: number): number => Math.round((bytes / 1024) * 10) / 10;
const gzipBytes = (data: Buffer): number => gzipSync(data, { level: 9 }).length;

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

/** Module scripts and modulepreloads named in the built index.html, then everything they import statically. */
function initialScripts(outDir: string): string[] {
  const html = readFileSync(join(outDir, 'index.html'), 'utf8');
  const named = [
    ...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
  ].map((m) => m[1]!.replace(/^\.\//, ''));
  const seen = new Set<string>();
  const queue = [...named];
  while (queue.length) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(join(outDir, file), 'utf8');
    // Static imports of sibling chunks (`import{a}from"./x.js"` or `import"./x.js"`), not import("...").
    for (const m of code.matchAll(/(?:^|[;\n}])\s*import\s*(?:[\w*{}\s,$]+from\s*)?["'](\.\/[^"']+\.js)["']/g)) {
      queue.push(join(file, '..', m[1]!));
    }
  }
  return [...seen];
}

async function buildAndMeasure(configFile: string | false, root: string | undefined, outDir: string): Promise<Sizes> {
  const vite = await import('vite');
  const started = performance.now();
  if (configFile) {
    await vite.build({ configFile, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
  } else {
    const react = (await import('@vitejs/plugin-react')).default;
    await vite.build({ configFile: false, root: root!, base: './', logLevel: 'silent', plugins: [react()], build: { outDir, emptyOutDir: true, target: 'es2022' } });
  }
  const buildSeconds = Math.round((performance.now() - started) / 100) / 10;
  const initial = initialScripts(outDir);
  const all = filesUnder(outDir);
  const read = (file: string): Buffer => readFileSync(join(outDir, file));
  const sum = (files: string[], size: (data: Buffer) => number): number => files.reduce((total, f) => total + size(read(f)), 0);
  const lazy = all.filter((f) => f.endsWith('.js') && !initial.includes(f));
  const css = all.filter((f) => f.endsWith('.css'));
  return {
    initialJsGzipKb: kb(sum(initial, gzipBytes)),
    initialJsRawKb: kb(sum(initial, (d) => d.length)),
    initialFiles: initial,
    lazyJsGzipKb: kb(sum(lazy, gzipBytes)),
    cssGzipKb: kb(sum(css, gzipBytes)),
    buildSeconds,
  };
}

/** The smallest React app: what every React page pays before it shows anything. */
function writeBaselineApp(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8" /><title>baseline</title></head><body><div id="root"></div><script type="module" src="./main.jsx"></script></body></html>\n',
  );
  writeFileSync(
    join(dir, 'main.jsx'),
    "import { createRoot } from 'react-dom/client';\ncreateRoot(document.getElementById('root')).render(<p>Hello, TV</p>);\n",
  );
}

/** Builds the TV renderer and the baseline, and compares their initial JavaScript. */
export async function run(_options: BenchOptions): Promise<BenchResult> {
  rmSync(SCRATCH, { recursive: true, force: true });
  try {
    const tv = await buildAndMeasure(join(ROOT, 'renderer', 'vite.config.ts'), undefined, join(SCRATCH, 'tv'));
    const baselineRoot = join(SCRATCH, 'baseline-src');
    writeBaselineApp(baselineRoot);
    const baseline = await buildAndMeasure(false, baselineRoot, join(SCRATCH, 'baseline'));
    const ours = Math.round((tv.initialJsGzipKb - baseline.initialJsGzipKb) * 10) / 10;
    const rows: Row[] = [
      { figure: 'TV renderer: initial JS (gzip)', value: `${tv.initialJsGzipKb} kB`, target: `<= ${TARGET_KB} kB`, pass: tv.initialJsGzipKb <= TARGET_KB },
      { figure: 'TV renderer: initial JS (raw) / files', value: `${tv.initialJsRawKb} kB / ${tv.initialFiles.length}` },
      { figure: 'baseline: minimal React 19 app, initial JS (gzip)', value: `${baseline.initialJsGzipKb} kB` },
      { figure: 'ours on top of React (gzip)', value: `${ours} kB` },
      { figure: 'TV renderer: on-demand JS (gzip, not loaded at start)', value: `${tv.lazyJsGzipKb} kB` },
      { figure: 'TV renderer: CSS (gzip)', value: `${tv.cssGzipKb} kB` },
      { figure: 'build time: TV / baseline', value: `${tv.buildSeconds} s / ${baseline.buildSeconds} s` },
    ];
    return {
      title: 'renderer size (Vite production build, gzip level 9)',
      rows,
      json: {
        renderer: {
          initialJsGzipKb: tv.initialJsGzipKb,
          initialJsRawKb: tv.initialJsRawKb,
          initialFiles: tv.initialFiles,
          lazyJsGzipKb: tv.lazyJsGzipKb,
          cssGzipKb: tv.cssGzipKb,
          baselineReactInitialJsGzipKb: baseline.initialJsGzipKb,
          oursOnTopOfReactGzipKb: ours,
          targetKb: TARGET_KB,
        },
      },
    };
  } finally {
    rmSync(SCRATCH, { recursive: true, force: true });
  }
}
