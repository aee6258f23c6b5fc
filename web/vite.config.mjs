// The web console (docs/console.md): built by scripts/build.mjs into dist/web, served by the
// service at /console/ under a CSP without inline scripts or styles, so nothing may be inlined
// into index.html and every file comes from this origin.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // data: URLs would be fine under the CSP's img-src, but a script or style must be a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
