// The studio is built against the workspace *sources* of @gen/* (as jest and scripts/run-ts.mjs
// are), so it needs no package build first.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { shippedCheckpoints } from './shipped-checkpoints';

const packages = fileURLToPath(new URL('../../packages/', import.meta.url));

export default defineConfig({
  base: './',
  resolve: {
    alias: [{ find: /^@gen\/(core|gan|vae|diffusion|clip-guidance|transformer)$/, replacement: `${packages}$1/src/index.ts` }],
  },
  plugins: [shippedCheckpoints(packages)],
  build: { target: 'es2022', chunkSizeWarningLimit: 4096, sourcemap: true },
  server: { port: 5173 },
});
