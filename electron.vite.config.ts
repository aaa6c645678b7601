// Builds the Electron app into out/: main (ESM, dependencies left to node_modules), the sandboxed
// preload (one CommonJS file, as sandboxed preloads require) and the TV renderer with the settings of
// renderer/vite.config.ts, so the browser host and Electron run the same build.
import { cp } from 'node:fs/promises';
import { defineConfig } from 'electron-vite';
import type { Plugin, UserConfig } from 'vite';
import renderer from './renderer/vite.config.ts';

const root = decodeURIComponent(new URL('.', import.meta.url).pathname);
// Tests build into a temp directory so they never race a developer's out/.
const out = (process.env.DEVICE_LOGIN_OUT_DIR ?? `${root}out`).replace(/\/+$/, '');

/**
 * server/catalog.ts finds the demo catalogue next to its own module (`<module>/../assets`). Bundled,
 * that module is out/main/index.js, so the assets are copied to out/assets.
 */
function copyServerAssets(): Plugin {
  return {
    name: 'device-login-copy-server-assets',
    apply: 'build',
    async closeBundle() {
      await cp(`${root}assets`, `${out}/assets`, { recursive: true });
    },
  };
}

// renderer/vite.config.ts exports a plain object (defineConfig without a function).
const rendererConfig = renderer as UserConfig;

export default defineConfig({
  main: {
    plugins: [copyServerAssets()],
    build: {
      outDir: `${out}/main`,
      // jsqr too, although a devDependency: the emulated phone imports it on demand (host/phone-camera.ts),
      // and a packaged app, which has no devDependencies, must start without it rather than carry it.
      externalizeDeps: { include: ['jsqr'] },
      rolldownOptions: {
        input: { index: `${root}electron/main.ts` },
        // node:sqlite exists only under its node: name, so the builtin list does not cover it.
        external: [/^node:/],
      },
    },
  },
  preload: {
    build: {
      outDir: `${out}/preload`,
      // The sandboxed preload gets Electron's renderer modules only: it must be one self-contained file.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: `${root}electron/preload.ts` },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    ...rendererConfig,
    build: {
      ...rendererConfig.build,
      outDir: `${out}/renderer`,
      rolldownOptions: { input: { index: `${root}renderer/index.html` } },
    },
  },
});
