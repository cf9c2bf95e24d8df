import { defineConfig } from 'tsup';

export default defineConfig({
  // parallel-worker: the worker_threads entry DataParallelTrainer spawns (found beside node.js).
  entry: { index: 'src/index.ts', node: 'src/node.ts', testing: 'src/testing.ts', 'parallel-worker': 'src/parallel/worker.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  // Without the source `paths` of tsconfig.json: declarations import @gen/* from their dist.
  tsconfig: 'tsconfig.build.json',
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // import.meta.url in the CJS build and __dirname in the ESM build (asset and dataset lookup).
  shims: true,
  esbuildOptions(options) {
    // worker-scripts.ts reads import.meta only where __filename is missing (the ESM build).
    options.logOverride = { 'empty-import-meta': 'silent' };
  },
});
