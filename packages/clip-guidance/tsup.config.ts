import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  // Shared chunks in the CJS build too: index.cjs and node.cjs must share one Clip class, or a
  // Clip from loadPretrainedClip (./node) fails the `instanceof Clip` checks of saveClip,
  // clipGuidance and steerLatents (.).
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
