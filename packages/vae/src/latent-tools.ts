// Latent-space tools: encode, decode, reconstruct, interpolation strips, attribute vectors
// (latent arithmetic) and the latent grid of a 2-D latent. Every function returns tensors
// the caller owns; images are decoder means in the model's range. Functions that read images
// are async: they check the pixel range first (one small read-back).
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, interpolateLatents, type Generator } from '@gen/core';
import { checkModel } from './samplers';
import type { VariationalModel } from './types';
import { checkBatch, checkLabels, checkOneOf, checkPositiveInteger, checkRange } from './validate';

async function checkImages(model: VariationalModel, images: unknown, argument = 'images'): Promise<void> {
  checkBatch(argument, images, model.imageShape);
  if (model.likelihood === 'bernoulli' || model.likelihood === 'logistic') {
    await checkRange(argument, images, model.range[0], model.range[1], `for a ${model.likelihood} decoder`);
  }
}

function checkGenerator(generator: unknown, why: string): asserts generator is Generator {
  if (typeof (generator as Generator)?.normal !== 'function') {
    throw new InvalidArgumentError('generator', generator, `must be a Generator from @gen/core ${why}`);
  }
}

export interface EncodeOptions {
  model: VariationalModel;
  /** `[N, ...imageShape]` in the model's range. */
  images: tf.Tensor;
  /** int32 `[N]` labels for a conditional model. */
  labels?: tf.Tensor;
  /** `'mean'` (default): the posterior mean; `'sample'`: one draw of q(z|x) (needs `generator`). */
  mode?: 'mean' | 'sample';
  generator?: Generator;
}

/** Latents `[N, ...latentShape]` of `images`. */
export async function encode(options: EncodeOptions): Promise<tf.Tensor> {
  const { model, images, labels, mode = 'mean', generator } = options ?? ({} as EncodeOptions);
  checkModel(model);
  checkOneOf('mode', mode, ['mean', 'sample'] as const);
  if (mode === 'sample') checkGenerator(generator, "for mode 'sample'");
  await checkImages(model, images);
  checkLabels(model.constructor.name, labels, model.numClasses, images.shape[0]);
  return tf.tidy(() => {
    const { latentDist } = model.encode(images, { labels });
    return mode === 'mean' ? latentDist.mode() : latentDist.sample({ generator: generator! });
  });
}

export interface DecodeOptions {
  model: VariationalModel;
  /** `[N, ...latentShape]`. */
  latents: tf.Tensor;
  labels?: tf.Tensor;
}

/** Images `[N, ...imageShape]` (decoder means) of `latents`. */
export function decode(options: DecodeOptions): tf.Tensor {
  const { model, latents, labels } = options ?? ({} as DecodeOptions);
  checkModel(model);
  checkBatch('latents', latents, model.latentShape, 'latents');
  checkLabels(model.constructor.name, labels, model.numClasses, latents.shape[0]);
  return tf.tidy(() => model.decode(latents, { labels }).sample);
}

/** decode(encode(images)): reconstructions `[N, ...imageShape]`. */
export async function reconstruct(options: EncodeOptions): Promise<tf.Tensor> {
  const latents = await encode(options);
  try {
    return decode({ model: options.model, latents, labels: options.labels });
  } finally {
    latents.dispose();
  }
}

export interface InterpolateOptions {
  model: VariationalModel;
  /** Start images `[N, ...imageShape]` (encoded to their posterior means), or give `fromLatents`. */
  from?: tf.Tensor;
  /** End images `[N, ...imageShape]`, or give `toLatents`. */
  to?: tf.Tensor;
  /** Start latents `[N, ...latentShape]` instead of images. */
  fromLatents?: tf.Tensor;
  toLatents?: tf.Tensor;
  /** int32 `[N]` labels for a conditional model (each strip keeps its label). */
  labels?: tf.Tensor;
  /** Frames per strip including both ends. Default 8. */
  steps?: number;
  /** `'linear'` (lerp) or `'slerp'` (spherical, keeps Gaussian latents at a typical norm). Default 'slerp'. */
  method?: 'linear' | 'slerp';
}

/**
 * N interpolation strips, `[N·steps, ...imageShape]` strip after strip: tile them with
 * `makeGrid(frames, { columns: steps })` (one strip per row).
 */
export async function interpolate(options: InterpolateOptions): Promise<tf.Tensor> {
  const { model, from, to, fromLatents, toLatents, labels, steps = 8, method = 'slerp' } = options ?? ({} as InterpolateOptions);
  checkModel(model);
  if (!Number.isSafeInteger(steps) || steps < 2) throw new InvalidArgumentError('steps', steps, 'must be an integer ≥ 2');
  checkOneOf('method', method, ['linear', 'slerp'] as const);
  const byImages = from !== undefined || to !== undefined;
  const byLatents = fromLatents !== undefined || toLatents !== undefined;
  if (byImages === byLatents) throw new InvalidArgumentError('from', from, 'give either from and to (images) or fromLatents and toLatents');
  let start: tf.Tensor;
  let end: tf.Tensor;
  if (byImages) {
    await checkImages(model, from, 'from');
    await checkImages(model, to, 'to');
    if (to!.shape[0] !== from!.shape[0]) throw new InvalidArgumentError('to', to, `must hold as many images as from (${from!.shape[0]})`);
    checkLabels(model.constructor.name, labels, model.numClasses, from!.shape[0]);
    start = await encode({ model, images: from!, labels });
    end = await encode({ model, images: to!, labels });
  } else {
    checkBatch('fromLatents', fromLatents, model.latentShape, 'latents');
    checkBatch('toLatents', toLatents, model.latentShape, 'latents');
    if (toLatents.shape[0] !== fromLatents.shape[0]) throw new InvalidArgumentError('toLatents', toLatents, `must hold as many latents as fromLatents (${fromLatents.shape[0]})`);
    checkLabels(model.constructor.name, labels, model.numClasses, fromLatents.shape[0]);
    start = fromLatents;
    end = toLatents;
  }
  try {
    return tf.tidy(() => {
      const count = start.shape[0];
      const strips: tf.Tensor[] = [];
      for (let i = 0; i < count; i++) {
        strips.push(interpolateLatents(tf.gather(start, i), tf.gather(end, i), { steps, method: method === 'linear' ? 'linear' : 'slerp' }));
      }
      const latents = tf.concat(strips, 0);
      const stripLabels = labels ? tf.reshape(tf.tile(tf.reshape(labels, [count, 1]), [1, steps]), [count * steps]) : undefined;
      return model.decode(latents, { labels: stripLabels }).sample;
    });
  } finally {
    if (byImages) tf.dispose([start, end]);
  }
}

export interface AttributeVectorOptions {
  model: VariationalModel;
  /** Labelled images `[N, ...imageShape]`. */
  images: tf.Tensor;
  /** int32 `[N]` class of each image. */
  labels: tf.Tensor;
  /** The class the vector points to (a). */
  positive: number;
  /** The class it points away from (b). */
  negative: number;
  /** Images encoded together. Default 500. */
  batchSize?: number;
}

/**
 * Latent arithmetic (Larsen et al. 2016; White 2016): mean posterior mean of the images of
 * class `positive` minus that of class `negative`, `[...latentShape]`. For a conditional
 * model the images are encoded with their own labels.
 */
export async function attributeVector(options: AttributeVectorOptions): Promise<tf.Tensor> {
  const { model, images, labels, positive, negative, batchSize = 500 } = options ?? ({} as AttributeVectorOptions);
  checkModel(model);
  await checkImages(model, images);
  const count = images.shape[0];
  if (!(labels instanceof tf.Tensor) || labels.dtype !== 'int32' || labels.rank !== 1 || labels.shape[0] !== count) {
    throw new InvalidArgumentError('labels', labels, `must be an int32 tensor [${count}] of classes`);
  }
  checkPositiveInteger('batchSize', batchSize);
  const classes = await labels.data();
  for (const [name, value] of [['positive', positive], ['negative', negative]] as const) {
    if (!Number.isSafeInteger(value) || !classes.includes(value)) throw new InvalidArgumentError(name, value, 'must be a class present in labels');
  }
  const dim = model.latentShape.reduce((a, b) => a * b, 1);
  const sums = { positive: new Float64Array(dim), negative: new Float64Array(dim) };
  const counts = { positive: 0, negative: 0 };
  for (let begin = 0; begin < count; begin += batchSize) {
    const size = Math.min(batchSize, count - begin);
    const means = tf.tidy(() => {
      const y = tf.slice(labels, begin, size);
      return model.encode(tf.slice(images, begin, size), { labels: model.numClasses > 0 ? y : undefined }).latentDist.mode();
    });
    const values = await means.data();
    means.dispose();
    for (let i = 0; i < size; i++) {
      const label = classes[begin + i];
      const which = label === positive ? 'positive' : label === negative ? 'negative' : null;
      if (which === null) continue;
      counts[which] += 1;
      for (let d = 0; d < dim; d++) sums[which][d] += values[i * dim + d];
    }
  }
  const vector = new Float32Array(dim);
  for (let d = 0; d < dim; d++) vector[d] = sums.positive[d] / counts.positive - sums.negative[d] / counts.negative;
  return tf.tensor(vector, [...model.latentShape]);
}

export interface ApplyAttributeOptions {
  model: VariationalModel;
  /** Images to edit `[N, ...imageShape]`. */
  images: tf.Tensor;
  labels?: tf.Tensor;
  /** A latent direction `[...latentShape]` (e.g. from attributeVector). */
  vector: tf.Tensor;
  /** Multiples of the vector added to each image's latent. Default [0, 0.5, 1, 1.5, 2]. */
  scales?: number[];
}

/** decode(μ(x) + s·vector) for each image and scale: `[N·scales.length, ...imageShape]`, one row per image. */
export async function applyAttribute(options: ApplyAttributeOptions): Promise<tf.Tensor> {
  const { model, images, labels, vector, scales = [0, 0.5, 1, 1.5, 2] } = options ?? ({} as ApplyAttributeOptions);
  checkModel(model);
  if (!(vector instanceof tf.Tensor) || !tf.util.arraysEqual(vector.shape, [...model.latentShape])) {
    throw new InvalidArgumentError('vector', vector, `must have the latent shape [${model.latentShape.join(', ')}]`);
  }
  if (!Array.isArray(scales) || scales.length === 0 || !scales.every(Number.isFinite)) {
    throw new InvalidArgumentError('scales', scales, 'must be a non-empty array of finite numbers');
  }
  const latents = await encode({ model, images, labels });
  try {
    return tf.tidy(() => {
      const count = images.shape[0];
      const s = tf.reshape(tf.tensor1d(scales), [1, scales.length, ...model.latentShape.map(() => 1)]);
      const edited = tf.add(tf.expandDims(latents, 1), tf.mul(s, vector));
      const flat = tf.reshape(edited, [count * scales.length, ...model.latentShape]);
      const rowLabels = labels ? tf.reshape(tf.tile(tf.reshape(labels, [count, 1]), [1, scales.length]), [count * scales.length]) : undefined;
      return model.decode(flat, { labels: rowLabels }).sample;
    });
  } finally {
    latents.dispose();
  }
}

export interface LatentGridOptions {
  /** A model with a 2-D latent (`latentShape` [2]). */
  model: VariationalModel;
  /** Rows (second latent coordinate, top to bottom decreasing). Default 15. */
  rows?: number;
  /** Columns (first coordinate, left to right increasing). Default `rows`. */
  columns?: number;
  /**
   * `'quantile'` (default): coordinates Φ⁻¹((j + ½)/n), j = 0 … n−1 — equal prior mass per cell (Kingma & Welling 2014, fig. 4). `'linear'`: evenly
   * spaced in [−extent, extent].
   */
  spacing?: 'quantile' | 'linear';
  /** Half-width of the `'linear'` grid. Default 3. */
  extent?: number;
  /** int32 scalar class for a conditional model (the same for every cell). */
  label?: number;
}

/** The decoded 2-D latent plane, `[rows·columns, ...imageShape]` row-major: `makeGrid(images, { columns })`. */
export function latentGrid(options: LatentGridOptions): tf.Tensor {
  const { model, rows = 15, columns = rows, spacing = 'quantile', extent = 3, label } = options ?? ({} as LatentGridOptions);
  checkModel(model);
  if (model.latentShape.length !== 1 || model.latentShape[0] !== 2) {
    throw new InvalidArgumentError('model.latentShape', [...model.latentShape], 'must be [2] for a latent grid (a VAE with latentDim 2)');
  }
  checkPositiveInteger('rows', rows);
  checkPositiveInteger('columns', columns);
  checkOneOf('spacing', spacing, ['quantile', 'linear'] as const);
  if (!(extent > 0 && Number.isFinite(extent))) throw new InvalidArgumentError('extent', extent, 'must be a positive finite number');
  if (model.numClasses > 0 && !(Number.isSafeInteger(label) && label! >= 0 && label! < model.numClasses)) {
    throw new InvalidArgumentError('label', label, `must be a class in [0, ${model.numClasses}) for a conditional model`);
  }
  // Cell j of n: the quantile (j + ½)/n, or the evenly spaced point of [−extent, extent].
  const axis = (n: number, reverse: boolean) =>
    Array.from({ length: n }, (_, i) => {
      const j = reverse ? n - 1 - i : i;
      if (spacing === 'quantile') return inverseNormalCdf((j + 0.5) / n);
      return n === 1 ? 0 : -extent + (2 * extent * j) / (n - 1);
    });
  const xs = axis(columns, false);
  const ys = axis(rows, true);
  const values = new Float32Array(rows * columns * 2);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      values[(r * columns + c) * 2] = xs[c];
      values[(r * columns + c) * 2 + 1] = ys[r];
    }
  }
  return tf.tidy(() => {
    const z = tf.tensor2d(values, [rows * columns, 2]);
    const labels = model.numClasses > 0 ? tf.fill([rows * columns], label!, 'int32') : undefined;
    return model.decode(z, { labels }).sample;
  });
}

/** Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation (relative error < 1.2e-9). */
export function inverseNormalCdf(p: number): number {
  if (!(p > 0 && p < 1)) throw new InvalidArgumentError('p', p, 'must be in (0, 1)');
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -inverseNormalCdf(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
