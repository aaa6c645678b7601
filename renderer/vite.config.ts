// Builds the TV renderer: root renderer/, output out/renderer/, relative asset URLs so the same build
// works from file:// (Electron) and under /tv/ (browser host).
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** A file: URL as a path (without node:url, which the renderer's lint rules keep out of renderer/). */
function pathOf(url: URL): string {
  // file:///C:/x -> C:/x on Windows; file:///home/x -> /home/x elsewhere.
  return decodeURIComponent(url.pathname).replace(/^\/([A-Za-z]:\/)/, '$1');
}

const rendererRoot = pathOf(new URL('.', import.meta.url));
const outDir = pathOf(new URL('../out/renderer', import.meta.url));

/**
 * The page's Content-Security-Policy, added to the built HTML only: Vite's dev server injects inline
 * scripts that a strict policy would block. Posters come from the catalogue's server (any http(s)
 * origin) or are data: URIs; everything else is same-origin.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: http: https:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function contentSecurityPolicy(): Plugin {
  return {
    name: 'tv-content-security-policy',
    apply: 'build',
    transformIndexHtml: (html) =>
      html.replace('<meta charset="utf-8" />', `<meta charset="utf-8" />\n    <meta http-equiv="Content-Security-Policy" content="${CSP}" />`),
  };
}

export default defineConfig({
  root: rendererRoot,
  base: './',
  plugins: [react(), contentSecurityPolicy()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // One CSS file and small JS chunks; no inline assets that a CSP would have to allow.
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
  preview: { host: '127.0.0.1' },
});
