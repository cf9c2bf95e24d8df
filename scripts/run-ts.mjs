#!/usr/bin/env node
// Runs a TypeScript entry against the workspace *sources* (no build needed): esbuild
// bundles the entry with `@gen/*` mapped to packages/*/src, leaves node_modules external,
// and runs the result with the given arguments.
//   node scripts/run-ts.mjs packages/core/scripts/train-feature-classifier.ts --dataset mnist
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <entry.ts> [args…]');
  process.exit(2);
}

const workspaceSources = {
  name: 'workspace-sources',
  setup(b) {
    b.onResolve({ filter: /^@gen\/[a-z-]+(\/(node|testing))?$/ }, (a) => {
      const [, pkg, sub] = a.path.match(/^@gen\/([a-z-]+)(?:\/(node|testing))?$/);
      const file = path.join(root, 'packages', pkg, 'src', `${sub ?? 'index'}.ts`);
      return existsSync(file) ? { path: file } : undefined;
    });
  },
};

// Bundle into the entry's package (node_modules/.cache) so external imports resolve from
// that package's dependencies, as they would for its own code (ESM ignores NODE_PATH).
let packageDir = path.dirname(path.resolve(entry));
while (!existsSync(path.join(packageDir, 'package.json')) && packageDir !== root) packageDir = path.dirname(packageDir);
const cacheDir = path.join(packageDir, 'node_modules', '.cache');
mkdirSync(cacheDir, { recursive: true });
const outdir = mkdtempSync(path.join(cacheDir, 'gen-run-ts-'));
const outfile = path.join(outdir, 'entry.mjs');
await build({
  entryPoints: [path.resolve(entry)],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  plugins: [workspaceSources],
  // Our package.json sideEffects lists dist files; sources bundled here must keep theirs
  // (@gen/core/node registers the folder checkpoint handlers on import).
  ignoreAnnotations: true,
  sourcemap: 'inline',
  // ESM output still meets CJS-style code in our sources and deps.
  banner: {
    js: "import { createRequire as __genCreateRequire } from 'node:module'; const require = __genCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
const result = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...args], {
  stdio: 'inherit',
});
rmSync(outdir, { recursive: true, force: true });
process.exit(result.status ?? 1);
