import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  // Shared chunks in the CJS build too (the ESM build always splits): index.cjs and node.cjs
  // must share one copy of this package's classes and state, or a model from ./node fails the
  // `instanceof` checks of (.). (@gen/core splits its entries the same way, so ./node's
  // loadCheckpoint sees the file-path handler @gen/core/node registers.)
  splitting: true,
  // …and CJS chunks are converted from ESM, so import.meta.url (src/node.ts) needs tsup's shim.
  shims: true,
  dts: true,
  // Without the source `paths` of tsconfig.json: declarations import @gen/* from their dist.
  tsconfig: 'tsconfig.build.json',
  clean: true,
  sourcemap: true,
  target: 'es2022',
});
