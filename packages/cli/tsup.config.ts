import { copyFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The package: API (index), the `gen` executable and the bench's per-backend worker.
    entry: ['src/index.ts', 'src/bin.ts', 'src/bench-worker.ts'],
    format: ['esm', 'cjs'],
    dts: { entry: 'src/index.ts' },
    // Without the source `paths` of tsconfig.json: declarations import @gen/* from their dist.
    tsconfig: 'tsconfig.build.json',
    // Keep the browser bundle the second config writes into the same folder.
    clean: ['!bench-browser.js'],
    sourcemap: true,
    target: 'es2022',
    // __dirname in the ESM build: the bench finds its worker, browser bundle and torch script beside it.
    shims: true,
    // Optional, for the webgl column only (a devDependency of the repo); never bundled.
    external: ['playwright-core'],
    async onSuccess() {
      copyFileSync('../../scripts/bench/torch_bench.py', 'dist/torch_bench.py');
    },
  },
  {
    // `gen bench --backends webgl` loads this into headless Chromium: tfjs-core + the webgl
    // backend + the bench suite in one classic script (window.genBench).
    entry: { 'bench-browser': 'src/bench/browser-entry.ts' },
    format: ['iife'],
    platform: 'browser',
    noExternal: [/.*/],
    clean: false,
    sourcemap: false,
    target: 'es2020',
    outExtension: () => ({ js: '.js' }),
  },
]);
