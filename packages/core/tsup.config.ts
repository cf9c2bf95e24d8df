import { defineConfig } from 'tsup';

export default defineConfig({
  // parallel-worker: the worker_threads entry DataParallelTrainer spawns (found beside node.js).
  entry: { index: 'src/index.ts', node: 'src/node.ts', testing: 'src/testing.ts', 'parallel-worker': 'src/parallel/worker.ts' },
  format: ['esm', 'cjs'],
  // Shared chunks in the CJS build too (the ESM build always splits): index.cjs, node.cjs and
  // testing.cjs must share one module graph, or @gen/core/node registers its file-path
  // checkpoint handler in a second copy of the registry that @gen/core never reads, and
  // classes exist twice (`instanceof` fails across entries). The worker entry stays
  // dist/parallel-worker.{js,cjs}, beside node.{js,cjs} and the chunks worker-scripts.ts runs from.
  splitting: true,
  dts: true,
  // Without the source `paths` of tsconfig.json: declarations import @gen/* from their dist.
  tsconfig: 'tsconfig.build.json',
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // import.meta.url in the CJS build and __dirname in the ESM build (asset and dataset lookup);
  // CJS chunks are converted from ESM, so without it raw import.meta would reach the .cjs files.
  shims: true,
  esbuildOptions(options) {
    // worker-scripts.ts reads import.meta only where __filename is missing (the ESM build).
    options.logOverride = { 'empty-import-meta': 'silent' };
  },
});
