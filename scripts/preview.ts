// One design preview of the TV (host/preview.ts: the real controller over a scripted sign-in service),
// served by the real browser host, so that the page talks to it through its normal bridge. For design
// work; scripts/renderer-shots.ts photographs every preview through startPreview. Needs the built
// renderer (npm run build:renderer).
//   node scripts/run.js scripts/preview.ts [<name>] [--lang en|zh-TW] [--port N]
// prints the TV's address on stdout and serves until Ctrl-C; without a name it lists the previews.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBrowserHost } from '../host/browser-host.ts';
import type { Language } from '../host/contract.ts';
import type { DeviceController } from '../host/device-controller.ts';
import { createStreamLogger, type LogLevel } from '../host/logger.ts';
import { createPreviewController, isPreviewName, PREVIEW_NAMES, type PreviewName } from '../host/preview.ts';
import { ASSETS_DIR, catalogFor } from '../server/catalog.ts';

const ROOT = join(import.meta.dirname, '..');
const RENDERER_DIR = join(ROOT, 'out', 'renderer');

/** A preview being served. */
export interface RunningPreview {
  /** The TV page. */
  tvUrl: string;
  /** The device behind the page, for what the TV should be showing. */
  controller: DeviceController;
  close(): Promise<void>;
}

/** What startPreview may be given besides the preview's name. */
export interface StartPreviewOptions {
  language?: Language;
  /** Default: a free port on loopback. */
  port?: number;
  /** Default `warn`: what the scripted service does wrong on purpose (503s, a refused refresh) is logged. */
  logLevel?: LogLevel;
}

/** Serves the named preview on loopback in `language`. */
export async function startPreview(name: PreviewName, options: StartPreviewOptions = {}): Promise<RunningPreview> {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    throw new Error('The TV app is not built: run `npm run build:renderer` first.');
  }
  const logger = createStreamLogger({ stream: process.stderr, level: options.logLevel ?? 'warn', prefix: 'preview: ' });
  // The catalogue names its posters by the host's address: it is given once the host listens (the
  // controller asks for it the moment the preview is signed in, before that).
  let listening: (origin: string) => void = () => undefined;
  const origin = new Promise<string>((resolve) => (listening = resolve));
  const localCatalog = async () => {
    const base = await origin;
    return catalogFor(controller.getState().profile?.sub ?? 'guest', base);
  };
  const controller = await createPreviewController(name, { ...(options.language ? { language: options.language } : {}), localCatalog, logger });
  const host = await startBrowserHost({
    controller,
    rendererDir: RENDERER_DIR,
    hostPageDir: join(ROOT, 'host', 'page'),
    assetsDir: ASSETS_DIR,
    phoneCanEmbed: false,
    ...(options.port !== undefined ? { port: options.port } : {}),
    logger,
  });
  listening(host.origin);
  return {
    tvUrl: host.tvUrl,
    controller,
    async close() {
      await host.close();
      await controller.close();
    },
  };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { lang: { type: 'string', default: 'en' }, port: { type: 'string' } },
  });
  const [name] = positionals;
  if (!isPreviewName(name)) {
    process.stderr.write(`${name === undefined ? '' : `No preview called "${name}". `}The previews: ${PREVIEW_NAMES.join(', ')}.\n`);
    process.exitCode = name === undefined ? 0 : 2;
    return;
  }
  if (values.lang !== 'en' && values.lang !== 'zh-TW') {
    process.stderr.write(`--lang is en or zh-TW (got "${values.lang}").\n`);
    process.exitCode = 2;
    return;
  }
  const preview = await startPreview(name, { language: values.lang, ...(values.port !== undefined ? { port: Number(values.port) } : {}) });
  process.stdout.write(`${preview.tvUrl}\n`);
  process.stderr.write(`  The TV shows the preview ${name}; Ctrl-C stops it.\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await preview.close();
}

if (import.meta.main) await main();
