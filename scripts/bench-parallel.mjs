#!/usr/bin/env node
// Data-parallel training benchmark: DCGAN step (critic + generator update, batch 64) on the
// wasm backend with 1 replica vs one per core (worker_threads), in alternating rounds.
//
//   node scripts/bench-parallel.mjs [--rounds 3] [--steps 5] [--warmup 1] [--batch 64]
//                                   [--workers 1,2,2:broadcast]
//
// Runs from sources: bundles packages/core/src/parallel/bench-parallel.ts, the worker entry
// and the DCGAN replica fixture with esbuild (one ES module graph, shared chunks) into
// packages/core/node_modules/.cache/gen-parallel/bench, the same layout as the built
// dist/ (coordinator chunk next to parallel-worker.mjs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'packages/core/src/parallel');
const outdir = path.join(root, 'packages/core/node_modules/.cache/gen-parallel/bench');
fs.rmSync(outdir, { recursive: true, force: true });

await esbuild.build({
  entryPoints: {
    'bench-parallel': path.join(src, 'bench-parallel.ts'),
    'parallel-worker': path.join(src, 'worker.ts'),
    'dcgan-replica': path.join(src, '__fixtures__/dcgan-replica.ts'),
  },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir,
  outExtension: { '.js': '.mjs' },
  tsconfig: path.join(root, 'packages/core/tsconfig.json'),
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

const bench = await import(pathToFileURL(path.join(outdir, 'bench-parallel.mjs')).href);
const argv = process.argv.slice(2);
if (!argv.includes('--module')) argv.push('--module', path.join(outdir, 'dcgan-replica.mjs'));
await bench.main(argv);
