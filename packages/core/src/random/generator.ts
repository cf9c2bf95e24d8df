import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { fnv1a32, philox4x32 } from './philox';

/** The generator's algorithm tag, stored in its state so a checkpoint says how to replay it. */
export const GENERATOR_ALGORITHM = 'philox4x32-10';

/**
 * Everything needed to continue a generator's stream exactly (JSON-serialisable).
 * `key` and `counter` define the stream; `seed` and `path` record where it came from
 * (the root seed and the `fork` labels leading here).
 */
export type GeneratorState = {
  algorithm: typeof GENERATOR_ALGORITHM;
  /** The root seed this stream descends from. */
  seed: number;
  /** The `fork` labels from the root generator to this one (empty for a root). */
  path: string[];
  /** The 2×32-bit Philox key, as unsigned integers. */
  key: [number, number];
  /** How many 4-word Philox blocks the stream has consumed. */
  counter: number;
};

export interface UniformOptions {
  /** Inclusive lower bound (default 0). */
  low?: number;
  /** Exclusive upper bound (default 1). */
  high?: number;
}

export interface NormalOptions {
  /** Mean of the distribution (default 0). */
  mean?: number;
  /** Standard deviation, ≥ 0 (default 1). */
  std?: number;
}

export interface TruncatedNormalOptions extends NormalOptions {
  /** Draws further than `bound` standard deviations from the mean are redrawn (default 2, as `tf.truncatedNormal`). */
  bound?: number;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_MINUS_24 = 1 / 16777216;
const TWO_POW_MINUS_32 = 1 / TWO_POW_32;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
// Counter words c2/c3 of key derivation blocks; stream blocks always use c2 = c3 = 0.
const FORK_TAG = 0x666f726b; // 'fork'

/**
 * A seedable, counter-based random number generator (Philox4x32-10). Numbers are made
 * in JS and uploaded with `tf.tensor`, so the same seed gives bit-identical noise on
 * cpu, wasm, webgl and tfjs-node. The whole state is `{ key, counter }`: `getState()`
 * after any draw and `Generator.fromState()` later continue the same stream exactly.
 *
 * Each call consumes whole 4-word blocks, so how far a call advances the stream depends
 * only on its size (and, for rejection samplers, on the values drawn).
 *
 * ```ts
 * const generator = new Generator(42);
 * const noise = generator.normal([8, 32, 32, 3]);
 * const dropout = generator.fork('dropout'); // independent stream, same for every run with seed 42
 * ```
 */
export class Generator {
  private readonly rootSeed: number;
  private readonly forkPath: readonly string[];
  private readonly key0: number;
  private readonly key1: number;
  private blockCounter = 0;
  private readonly block = new Uint32Array(4);

  /** @param seed a non-negative safe integer (0 ≤ seed ≤ 2^53 − 1). */
  constructor(seed: number) {
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
      throw new InvalidArgumentError('seed', seed, 'must be a non-negative safe integer (0 to 2^53 - 1)');
    }
    this.rootSeed = seed;
    this.forkPath = [];
    this.key0 = seed >>> 0;
    this.key1 = Math.floor(seed / TWO_POW_32) >>> 0;
  }

  /** Restores a generator saved with `getState()`; it continues exactly where that one was. */
  static fromState(state: GeneratorState): Generator {
    validateState(state);
    const generator = new Generator(state.seed);
    generator.restore(state);
    return generator;
  }

  /** The root seed this stream descends from. */
  get seed(): number {
    return this.rootSeed;
  }

  /** Blocks consumed so far (each block is 4 uint32 words). */
  get counter(): number {
    return this.blockCounter;
  }

  /** The state as JSON: save it with a checkpoint and pass it to `setState` / `fromState` to resume. */
  getState(): GeneratorState {
    return {
      algorithm: GENERATOR_ALGORITHM,
      seed: this.rootSeed,
      path: [...this.forkPath],
      key: [this.key0, this.key1],
      counter: this.blockCounter,
    };
  }

  /** Replaces this generator's stream with a saved one (key and counter). */
  setState(state: GeneratorState): void {
    validateState(state);
    this.restore(state);
  }

  /**
   * An independent stream derived from this generator's key and `label` only (not from
   * how much has been drawn), so `fork('dropout')` is the same stream in every run with
   * the same seed. Different labels give statistically independent streams; the same
   * label twice gives the same stream.
   */
  fork(label: string): Generator {
    if (typeof label !== 'string' || label.length === 0) {
      throw new InvalidArgumentError('label', label, 'must be a non-empty string');
    }
    const derived = new Uint32Array(4);
    philox4x32(fnv1a32(label), fnv1a32(label, 0x01000193), FORK_TAG, 1, this.key0, this.key1, derived);
    const child = new Generator(this.rootSeed);
    child.restore({
      algorithm: GENERATOR_ALGORITHM,
      seed: this.rootSeed,
      path: [...this.forkPath, label],
      key: [derived[0], derived[1]],
      counter: 0,
    });
    return child;
  }

  /** `n` raw uint32 words of the stream (consumes ⌈n/4⌉ blocks). */
  uint32Array(n: number): Uint32Array {
    checkCount('n', n);
    const words = new Uint32Array(Math.ceil(n / 4) * 4);
    for (let offset = 0; offset < words.length; offset += 4) this.nextBlock(words, offset);
    return n === words.length ? words : words.slice(0, n);
  }

  /** `n` float32 draws from U[0, 1), each with 24 random bits (exactly representable). */
  uniformArray(n: number): Float32Array {
    const words = this.uint32Array(n);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (words[i] >>> 8) * TWO_POW_MINUS_24;
    return out;
  }

  /** `n` float32 draws from N(0, 1) by the Box–Muller transform on 32-bit uniforms. */
  normalArray(n: number): Float32Array {
    checkCount('n', n);
    const out = new Float32Array(n);
    const words = this.uint32Array(Math.ceil(n / 2) * 2);
    for (let i = 0; i < n; i += 2) {
      const [first, second] = boxMuller(words[i], words[i + 1]);
      out[i] = first;
      if (i + 1 < n) out[i + 1] = second;
    }
    return out;
  }

  /** A float32 tensor of draws from U[low, high). */
  uniform(shape: number[], options: UniformOptions = {}): tf.Tensor {
    const { low = 0, high = 1 } = options;
    const size = checkShape(shape);
    checkFinite('low', low);
    checkFinite('high', high);
    if (!(low < high)) throw new InvalidArgumentError('high', high, `must be greater than low (${low})`);
    const values = this.uniformArray(size);
    const range = high - low;
    for (let i = 0; i < size; i++) values[i] = low + range * values[i];
    return tf.tensor(values, shape, 'float32');
  }

  /** A float32 tensor of draws from N(mean, std²). */
  normal(shape: number[], options: NormalOptions = {}): tf.Tensor {
    const { mean = 0, std = 1 } = options;
    const size = checkShape(shape);
    checkFinite('mean', mean);
    checkStd(std);
    const values = this.normalArray(size);
    if (mean !== 0 || std !== 1) for (let i = 0; i < size; i++) values[i] = mean + std * values[i];
    return tf.tensor(values, shape, 'float32');
  }

  /**
   * A float32 tensor of draws from N(mean, std²) conditioned on lying within `bound`
   * standard deviations of the mean (rejection: out-of-range draws are redrawn).
   */
  truncatedNormal(shape: number[], options: TruncatedNormalOptions = {}): tf.Tensor {
    const { mean = 0, std = 1, bound = 2 } = options;
    const size = checkShape(shape);
    checkFinite('mean', mean);
    checkStd(std);
    if (typeof bound !== 'number' || !(bound > 0) || !Number.isFinite(bound)) {
      throw new InvalidArgumentError('bound', bound, 'must be a positive finite number of standard deviations');
    }
    const values = new Float32Array(size);
    const words = this.block;
    let filled = 0;
    while (filled < size) {
      this.nextBlock(words, 0);
      const pairs = [boxMuller(words[0], words[1]), boxMuller(words[2], words[3])];
      for (const pair of pairs) {
        for (const z of pair) {
          if (filled < size && Math.abs(z) <= bound) values[filled++] = mean + std * z;
        }
      }
    }
    return tf.tensor(values, shape, 'float32');
  }

  /** An int32 tensor of integers drawn uniformly from [low, high) (unbiased, by rejection). */
  randint(shape: number[], low: number, high: number): tf.Tensor {
    const size = checkShape(shape);
    checkInt32('low', low);
    checkInt32('high', high);
    if (!(low < high)) throw new InvalidArgumentError('high', high, `must be greater than low (${low})`);
    const below = this.integerSampler();
    const range = high - low;
    const values = new Int32Array(size);
    for (let i = 0; i < size; i++) values[i] = low + below(range);
    return tf.tensor(values, shape, 'int32');
  }

  /**
   * A float32 tensor of 0/1 draws, 1 with probability `probs`. `probs` is a number in
   * [0, 1] or a tensor broadcastable to `shape` (default: the tensor's shape, or a scalar
   * for a number). Tensor probabilities are not range-checked (that would read them back).
   */
  bernoulli(probs: tf.Tensor | number, shape?: number[]): tf.Tensor {
    if (typeof probs === 'number') {
      if (!(probs >= 0 && probs <= 1)) throw new InvalidArgumentError('probs', probs, 'must be in [0, 1]');
      const outShape = shape ?? [];
      const size = checkShape(outShape);
      const uniforms = this.uniformArray(size);
      const values = new Float32Array(size);
      for (let i = 0; i < size; i++) values[i] = uniforms[i] < probs ? 1 : 0;
      return tf.tensor(values, outShape, 'float32');
    }
    if (!(probs instanceof tf.Tensor)) {
      throw new InvalidArgumentError('probs', probs, 'must be a number in [0, 1] or a tensor of probabilities');
    }
    const outShape = shape ?? probs.shape;
    const size = checkShape(outShape);
    if (!broadcastsTo(probs.shape, outShape)) {
      throw new InvalidArgumentError('probs', probs, `must broadcast to shape [${outShape.join(', ')}]`);
    }
    const uniforms = this.uniformArray(size);
    // step(p − u) is 1 exactly when u < p (float32 subtraction of distinct values is never 0),
    // and unlike cast(less(…)) it gives a float32 tensor backed by float32 data on every backend.
    return tf.tidy(() => tf.step(tf.sub(probs, tf.tensor(uniforms, outShape, 'float32'))));
  }

  /** A uniformly random permutation of 0 … n−1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    checkCount('n', n);
    if (n > INT32_MAX) throw new InvalidArgumentError('n', n, `must be at most ${INT32_MAX}`);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    const below = this.integerSampler();
    for (let i = n - 1; i > 0; i--) {
      const j = below(i + 1);
      const swap = out[i];
      out[i] = out[j];
      out[j] = swap;
    }
    return out;
  }

  /** A sampler of integers in [0, range) that reads the stream word by word (whole blocks). */
  private integerSampler(): (range: number) => number {
    const words = new Uint32Array(4);
    let available = 0;
    const nextWord = (): number => {
      if (available === 0) {
        this.nextBlock(words, 0);
        available = 4;
      }
      return words[4 - available--];
    };
    return (range) => uniformBelow(range, nextWord);
  }

  private nextBlock(out: Uint32Array, offset: number): void {
    const counter = this.blockCounter;
    philox4x32(counter >>> 0, Math.floor(counter / TWO_POW_32) >>> 0, 0, 0, this.key0, this.key1, out, offset);
    this.blockCounter = counter + 1;
  }

  private restore(state: GeneratorState): void {
    // The fields are readonly for users; restore is the one place that rewrites them.
    const self = this as unknown as {
      rootSeed: number;
      forkPath: readonly string[];
      key0: number;
      key1: number;
      blockCounter: number;
    };
    self.rootSeed = state.seed;
    self.forkPath = [...state.path];
    self.key0 = state.key[0] >>> 0;
    self.key1 = state.key[1] >>> 0;
    self.blockCounter = state.counter;
  }
}

/** Unbiased integer in [0, range), range ≤ 2^32, by rejecting the words above the largest multiple of range. */
function uniformBelow(range: number, nextWord: () => number): number {
  const limit = TWO_POW_32 - (TWO_POW_32 % range);
  for (;;) {
    const word = nextWord();
    if (word < limit) return word % range;
  }
}

function boxMuller(word0: number, word1: number): [number, number] {
  const u1 = (word0 + 1) * TWO_POW_MINUS_32; // (0, 1]: log is finite
  const theta = 2 * Math.PI * word1 * TWO_POW_MINUS_32;
  const radius = Math.sqrt(-2 * Math.log(u1));
  return [radius * Math.cos(theta), radius * Math.sin(theta)];
}

function broadcastsTo(from: number[], to: number[]): boolean {
  if (from.length > to.length) return false;
  for (let i = 1; i <= from.length; i++) {
    const dim = from[from.length - i];
    if (dim !== 1 && dim !== to[to.length - i]) return false;
  }
  return true;
}

function checkCount(name: string, n: number): void {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new InvalidArgumentError(name, n, 'must be a non-negative integer');
  }
}

function checkShape(shape: number[]): number {
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new InvalidArgumentError('shape', shape, 'must be an array of non-negative integers');
  }
  return shape.reduce((a, b) => a * b, 1);
}

function checkFinite(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(name, value, 'must be a finite number');
  }
}

function checkStd(std: number): void {
  if (typeof std !== 'number' || !Number.isFinite(std) || std < 0) {
    throw new InvalidArgumentError('std', std, 'must be a finite number ≥ 0');
  }
}

function checkInt32(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX + 1) {
    throw new InvalidArgumentError(name, value, 'must be an integer in the int32 range');
  }
}

function validateState(state: GeneratorState): void {
  if (typeof state !== 'object' || state === null) {
    throw new InvalidArgumentError('state', state, 'must be an object from Generator.getState()');
  }
  if (state.algorithm !== GENERATOR_ALGORITHM) {
    throw new InvalidArgumentError('state.algorithm', state.algorithm, `must be '${GENERATOR_ALGORITHM}'`);
  }
  if (typeof state.seed !== 'number' || !Number.isSafeInteger(state.seed) || state.seed < 0) {
    throw new InvalidArgumentError('state.seed', state.seed, 'must be a non-negative safe integer');
  }
  if (!Array.isArray(state.path) || !state.path.every((label) => typeof label === 'string')) {
    throw new InvalidArgumentError('state.path', state.path, 'must be an array of fork labels (strings)');
  }
  const key = state.key;
  const isWord = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < TWO_POW_32;
  if (!Array.isArray(key) || key.length !== 2 || !key.every(isWord)) {
    throw new InvalidArgumentError('state.key', key, 'must be two unsigned 32-bit integers');
  }
  if (typeof state.counter !== 'number' || !Number.isSafeInteger(state.counter) || state.counter < 0) {
    throw new InvalidArgumentError('state.counter', state.counter, 'must be a non-negative safe integer');
  }
}
