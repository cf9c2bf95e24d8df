// Shared by the examples: command-line flags, the backend, MNIST slices and PNG output.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend, subset } from '@gen/core';
import { loadDataset, loadNodeBackends, writePng } from '@gen/core/node';

/**
 * Parses `--quick` (a tiny run, seconds), `--out <dir>` (default ./gen-out/<name>),
 * `--backend <name>` (default: the fastest installed) and `--seed <n>`, registers the installed
 * tfjs backends and activates one. Returns the flags.
 */
export async function setup(name, extra = {}) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string', default: `gen-out/${name}` },
      backend: { type: 'string' },
      seed: { type: 'string', default: '0' },
      ...extra,
    },
  });
  await loadNodeBackends();
  const backend = await initBackend(values.backend ? { prefer: values.backend } : {});
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  console.log(`${name}: backend ${backend.name}${values.quick ? ' (--quick)' : ''}, writing to ${out}`);
  return { ...values, seed: Number(values.seed), out };
}

/** The first `count` images of an MNIST / Fashion-MNIST split (all of it when count is undefined). */
export async function mnistSlice(count, { dataset = 'mnist', split = 'train' } = {}) {
  const data = await loadDataset(dataset, { split });
  return count === undefined ? data : subset(data, Array.from({ length: Math.min(count, data.size) }, (_, i) => i));
}

/** Writes an [H, W, C] image in [0, 1] as PNG and prints where. */
export async function savePng(out, file, image) {
  const path = resolve(out, file);
  await writePng(path, image);
  console.log(`wrote ${path}`);
  return path;
}

/** The four-dimensional tensor [count, H, W, C] of a dataset's first `count` images, in [0, 1]. */
export function imagesOf(tf, dataset, count = dataset.size) {
  const { height, width, channels } = dataset;
  return tf.tensor4d(dataset.images.subarray(0, count * height * width * channels), [count, height, width, channels]);
}
