// What every package's Node side needs to start data-parallel training: its replica module's
// path (sources under jest, dist when built) and the training set in shared memory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GenError } from '../errors';
import type { ImageDataset } from '../data';

/**
 * The replica module `<name>` beside the calling file, in the caller's format: `src/<folder>/<name>.ts`
 * from sources (jest; the trainer bundles it with esbuild for the workers), `dist/<name>.{js,cjs}`
 * when built (the same format as the caller, so the main thread shares its package's module
 * graph), `.mjs` for an esbuild bundle. Missing: a one-line error saying to rebuild `packageName`.
 */
export function replicaModulePath(options: { fromFile: string; name: string; folder: string; packageName: string; what: string }): string {
  const { fromFile, name, folder, packageName, what } = options;
  const dir = path.dirname(fromFile);
  const ext = path.extname(fromFile);
  const candidates = [path.join(dir, `${name}${ext}`), path.join(dir, folder, `${name}${ext}`)];
  const found = candidates.find((file) => fs.existsSync(file));
  if (found === undefined) throw new GenError(`${what}: the replica module is missing (looked for ${candidates.join(', ')}); rebuild ${packageName}`);
  return found;
}

/** The training set over SharedArrayBuffers (copied once; every thread reads the same memory). */
export function sharedDataset(dataset: ImageDataset): ImageDataset {
  const share = <T extends Float32Array | Int32Array>(values: T, make: (buffer: SharedArrayBuffer) => T): T => {
    if (values.buffer instanceof SharedArrayBuffer) return values;
    const out = make(new SharedArrayBuffer(values.byteLength));
    out.set(values);
    return out;
  };
  const pixels = dataset.size * dataset.height * dataset.width * dataset.channels;
  return {
    name: dataset.name,
    images: share(dataset.images.subarray(0, pixels), (b) => new Float32Array(b)),
    labels: share(dataset.labels.subarray(0, dataset.size), (b) => new Int32Array(b)),
    size: dataset.size,
    height: dataset.height,
    width: dataset.width,
    channels: dataset.channels,
    classNames: [...dataset.classNames],
    skipped: dataset.skipped,
  };
}
