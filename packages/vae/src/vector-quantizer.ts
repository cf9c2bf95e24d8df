// VectorQuantizer: the discrete bottleneck of VQ-VAE (van den Oord et al. 2017, "Neural
// Discrete Representation Learning"; Razavi et al. 2019, VQ-VAE-2). Each D-vector z of the
// encoder output is replaced by its nearest codebook entry e_k (k = argmin ‖z − e_j‖²),
// gradients pass straight through (z_q = z + sg(e − z)), and the codebook is kept close to
// the encoder outputs either by an exponential moving average of the vectors assigned to
// each code (default; appendix A.1 of the paper) or by the codebook loss ‖sg(z) − e‖².
// Codes no vector has chosen for `deadCodeSteps` steps are restarted at random encoder
// outputs of the current batch (Dhariwal et al. 2020, Jukebox §2.3).
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, nn, type Generator } from '@gen/core';
import { checkNonNegativeInteger, checkNonNegativeNumber, checkOneOf, checkPositiveInteger, checkPositiveNumber } from './validate';

/** How the codebook learns: EMA of assigned encoder outputs (default) or the codebook loss with the optimizer. */
export const CODEBOOK_UPDATES = ['ema', 'gradient'] as const;
export type CodebookUpdate = (typeof CODEBOOK_UPDATES)[number];

/** Serialisable configuration of {@link VectorQuantizer} (every default filled in). */
export interface VectorQuantizerConfig {
  /** K: number of codes. */
  codebookSize: number;
  /** D: size of each code (the encoder's output channels). */
  codeDim: number;
  /** β, weight of the commitment loss ‖z − sg(e)‖². Default 0.25 (the paper's value). */
  beta: number;
  /** 'ema' (default): exponential moving averages; 'gradient': the codebook loss trained by the optimizer. */
  codebookUpdate: CodebookUpdate;
  /** γ of the EMA updates, in (0, 1). Default 0.99. */
  decay: number;
  /** ε of the Laplace smoothing of the EMA cluster sizes, > 0. Default 1e-5. */
  epsilon: number;
  /** Restart a code unused for this many consecutive update steps (0: never). Default 100. */
  deadCodeSteps: number;
}

export type VectorQuantizerOptions = Partial<VectorQuantizerConfig> & Pick<VectorQuantizerConfig, 'codebookSize' | 'codeDim'> & { generator: Generator };

/** Fills the defaults of a quantizer config and validates it (one-line errors naming `owner`). */
export function vectorQuantizerConfig(options: Partial<VectorQuantizerConfig>, owner = 'VectorQuantizer'): VectorQuantizerConfig {
  const { codebookSize, codeDim, beta = 0.25, codebookUpdate = 'ema', decay = 0.99, epsilon = 1e-5, deadCodeSteps = 100 } = options ?? {};
  checkPositiveInteger(`${owner} codebookSize`, codebookSize);
  checkPositiveInteger(`${owner} codeDim`, codeDim);
  checkNonNegativeNumber(`${owner} beta`, beta);
  checkOneOf(`${owner} codebookUpdate`, codebookUpdate, CODEBOOK_UPDATES);
  if (typeof decay !== 'number' || !(decay > 0 && decay < 1)) throw new InvalidArgumentError(`${owner} decay`, decay, 'must lie in (0, 1)');
  checkPositiveNumber(`${owner} epsilon`, epsilon);
  checkNonNegativeInteger(`${owner} deadCodeSteps`, deadCodeSteps);
  return { codebookSize: codebookSize!, codeDim: codeDim!, beta, codebookUpdate, decay, epsilon, deadCodeSteps };
}

/** What {@link VectorQuantizer.forward} returns; the caller owns (and disposes) every tensor. */
export interface QuantizerOutput {
  /** z + sg(e_k − z): the codes in the forward pass, the identity for gradients to z. Shape of z. */
  quantized: tf.Tensor;
  /** int32 code indices, z's shape without the last axis. */
  indices: tf.Tensor;
  /** mean((z − sg(e))²) over every entry (gradient to the encoder only). */
  commitmentLoss: tf.Scalar;
  /** mean((sg(z) − e)²) over every entry (gradient to the codebook only); same value as commitmentLoss. */
  codebookLoss: tf.Scalar;
  /** β · commitmentLoss, plus codebookLoss for a 'gradient' codebook: what the model adds to its loss. */
  loss: tf.Scalar;
  /** exp(entropy) of the batch's code frequencies: K for uniform use, 1 for one code. */
  perplexity: tf.Scalar;
  /** Codes chosen at least once in the batch. */
  usedCodes: tf.Scalar;
}

/** What {@link VectorQuantizer.update} returns (scalars the caller owns). */
export interface QuantizerUpdate {
  /** Codes restarted at encoder outputs in this update. */
  restartedCodes: tf.Scalar;
}

/** exp(−Σ p log p) of the frequencies `counts / Σ counts` (0 log 0 = 0). */
export function codePerplexity(counts: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.div(counts, tf.maximum(tf.sum(counts), 1));
    const plogp = tf.where(tf.greater(p, 0), tf.mul(p, tf.log(tf.maximum(p, 1e-30))), tf.zerosLike(p));
    return tf.exp(tf.neg(tf.sum(plogp))) as tf.Scalar;
  });
}

/**
 * The vector-quantization bottleneck. `forward(z)` quantizes `[..., D]` encoder outputs;
 * `update(z, indices, { generator })`, called once per training step after the optimizer,
 * applies the EMA codebook update and the dead-code restarts. State (codebook, EMA
 * statistics, steps since each code was last used) lives in buffers, so `stateDict()` and
 * checkpoints hold all of it and a resumed run continues exactly.
 *
 * EMA statistics start at N_k = 1, m_k = e_k (each code counts as one observation of its
 * initial value), so e = m / N holds from the start and unused codes do not blow up.
 */
export class VectorQuantizer extends nn.Module {
  readonly config: Readonly<VectorQuantizerConfig>;
  /** The codebook, shape `[K, D]`: a parameter for a 'gradient' codebook, a buffer for 'ema'. */
  readonly codebook: tf.Variable;
  /** [K] EMA cluster sizes N_k ('ema' only). */
  readonly emaClusterSize: tf.Variable | null;
  /** [K, D] EMA sums m_k of the vectors assigned to each code ('ema' only). */
  readonly emaEmbedSum: tf.Variable | null;
  /** [K] consecutive update steps in which each code was not chosen. */
  readonly unusedSteps: tf.Variable;

  constructor(options: VectorQuantizerOptions) {
    super();
    const { generator, ...rest } = options ?? ({} as VectorQuantizerOptions);
    this.config = Object.freeze(vectorQuantizerConfig(rest));
    const { codebookSize: k, codeDim: d, codebookUpdate } = this.config;
    // Uniform in ±1/K, as the reference implementations; restarts move unused codes to the data.
    const initial = generator.uniform([k, d], { low: -1 / k, high: 1 / k });
    if (codebookUpdate === 'ema') {
      this.codebook = this.registerBuffer('codebook', tf.clone(initial));
      this.emaClusterSize = this.registerBuffer('emaClusterSize', tf.ones([k]));
      this.emaEmbedSum = this.registerBuffer('emaEmbedSum', initial);
    } else {
      this.codebook = this.registerParameter('codebook', initial);
      this.emaClusterSize = null;
      this.emaEmbedSum = null;
    }
    this.unusedSteps = this.registerBuffer('unusedSteps', tf.zeros([k]));
  }

  get codebookSize(): number {
    return this.config.codebookSize;
  }

  get codeDim(): number {
    return this.config.codeDim;
  }

  /** int32 index of the nearest code of each `[..., D]` vector (squared Euclidean distance). */
  nearest(z: tf.Tensor): tf.Tensor {
    this.checkVectors('z', z);
    return tf.tidy(() => {
      const flat = tf.reshape(z, [-1, this.codeDim]) as tf.Tensor2D;
      // ‖z − e‖² = ‖z‖² − 2 z·e + ‖e‖²: an [N, K] matrix, never an [N, K, D] broadcast.
      const e = this.param('codebook') as tf.Tensor2D;
      const distances = tf.add(tf.sub(tf.sum(tf.square(flat), 1, true), tf.mul(tf.matMul(flat, e, false, true), 2)), tf.sum(tf.square(e), 1));
      return tf.reshape(tf.argMin(distances, 1), z.shape.slice(0, -1));
    });
  }

  /** The codes of int32 `indices` (any shape): `[...indices.shape, D]`. Indices are not range-checked here. */
  lookup(indices: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.reshape(tf.gather(this.param('codebook'), tf.reshape(indices, [-1])), [...indices.shape, this.codeDim]));
  }

  /** Quantizes `z` `[..., D]`: straight-through codes, indices, the two losses and the batch's code usage. */
  forward(z: tf.Tensor): QuantizerOutput {
    this.checkVectors('z', z);
    const out = tf.tidy(() => {
      const indices = this.nearest(z);
      // e = onehot · codebook rather than a gather: tfjs's gather gradient fails on int32
      // indices that descend from z (argmin), and this form differentiates to the codebook too.
      // (int32 one-hot, then cast: tfjs-backend-wasm 4.22's OneHot writes zeros for float32.)
      const oneHot = tf.cast(tf.oneHot(tf.reshape(indices, [-1]), this.codebookSize), 'float32');
      const e = tf.reshape(tf.matMul(oneHot, this.param('codebook')), z.shape);
      const quantized = tf.add(z, nn.stopGradient(tf.sub(e, z)));
      const commitmentLoss = tf.mean(tf.square(tf.sub(z, nn.stopGradient(e)))) as tf.Scalar;
      const codebookLoss = tf.mean(tf.square(tf.sub(nn.stopGradient(z), e))) as tf.Scalar;
      const weighted = tf.mul(commitmentLoss, this.config.beta);
      const loss = (this.config.codebookUpdate === 'gradient' ? tf.add(weighted, codebookLoss) : weighted) as tf.Scalar;
      const counts = tf.sum(oneHot, 0);
      const perplexity = codePerplexity(counts);
      const usedCodes = tf.sum(tf.cast(tf.greater(counts, 0), 'float32')) as tf.Scalar;
      return { quantized, indices, commitmentLoss, codebookLoss, loss, perplexity, usedCodes };
    });
    return out;
  }

  /**
   * One training-step update of the quantizer state from this step's (detached) encoder
   * outputs `z` `[..., D]` and their `indices`:
   * - EMA ('ema' codebooks), with n_k the vectors assigned to code k and s_k their sum:
   *   N_k ← γ N_k + (1 − γ) n_k,  m_k ← γ m_k + (1 − γ) s_k,
   *   Ñ_k = (N_k + ε) / (Σ_j N_j + K ε) · Σ_j N_j (Laplace smoothing),  e_k ← m_k / Ñ_k;
   * - dead codes: a code unused for `deadCodeSteps` consecutive updates is set to a random
   *   row of `z` drawn with `generator` (and, for 'ema', N_k ← 1, m_k ← that row).
   * Runs on the device without reading anything back.
   */
  update(z: tf.Tensor, indices: tf.Tensor, { generator }: { generator?: Generator } = {}): QuantizerUpdate {
    this.checkVectors('z', z);
    if (!(indices instanceof tf.Tensor) || indices.dtype !== 'int32' || !tf.util.arraysEqual(indices.shape, z.shape.slice(0, -1))) {
      throw new InvalidArgumentError('indices', indices, `must be an int32 tensor [${z.shape.slice(0, -1).join(', ')}] (z's shape without the code axis)`);
    }
    const { codebookSize: k, codeDim: d, decay, epsilon, deadCodeSteps } = this.config;
    if (deadCodeSteps > 0 && generator === undefined) throw new InvalidArgumentError('generator', generator, 'is required when deadCodeSteps > 0 (it draws the restarted codes)');
    const rows = deadCodeSteps > 0 ? generator!.randint([k], 0, z.size / d) : null;
    const restartedCodes = tf.tidy(() => {
      const flat = tf.reshape(z, [-1, d]) as tf.Tensor2D;
      const oneHot = tf.cast(tf.oneHot(tf.reshape(indices, [-1]), k), 'float32') as tf.Tensor2D;
      const counts = tf.sum(oneHot, 0);
      let codebook = this.codebook as tf.Tensor;
      let clusterSize: tf.Tensor | null = null;
      let embedSum: tf.Tensor | null = null;
      if (this.emaClusterSize && this.emaEmbedSum) {
        clusterSize = tf.add(tf.mul(this.emaClusterSize, decay), tf.mul(counts, 1 - decay));
        embedSum = tf.add(tf.mul(this.emaEmbedSum, decay), tf.mul(tf.matMul(oneHot, flat, true, false), 1 - decay));
        const total = tf.sum(clusterSize);
        const smoothed = tf.mul(tf.div(tf.add(clusterSize, epsilon), tf.add(total, k * epsilon)), total);
        codebook = tf.div(embedSum, tf.reshape(smoothed, [k, 1]));
      }
      let unused = tf.where(tf.greater(counts, 0), tf.zerosLike(counts), tf.add(this.unusedSteps, 1));
      let restarted: tf.Tensor = tf.scalar(0);
      if (rows) {
        const dead = tf.greaterEqual(unused, deadCodeSteps);
        const deadRows = tf.reshape(dead, [k, 1]); // broadcast over the code axis
        const candidates = tf.gather(flat, rows);
        codebook = tf.where(deadRows, candidates, codebook);
        if (clusterSize && embedSum) {
          clusterSize = tf.where(dead, tf.onesLike(clusterSize), clusterSize);
          embedSum = tf.where(deadRows, candidates, embedSum);
        }
        unused = tf.where(dead, tf.zerosLike(unused), unused);
        restarted = tf.sum(tf.cast(dead, 'float32'));
      }
      if (codebook !== this.codebook) this.codebook.assign(codebook);
      if (clusterSize) this.emaClusterSize!.assign(clusterSize);
      if (embedSum) this.emaEmbedSum!.assign(embedSum);
      this.unusedSteps.assign(unused);
      return restarted as tf.Scalar;
    });
    rows?.dispose();
    return { restartedCodes };
  }

  /** [K] float32 number of vectors assigned to each code. */
  counts(indices: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => tf.sum(tf.cast(tf.oneHot(tf.reshape(indices, [-1]), this.codebookSize), 'float32'), 0) as tf.Tensor1D);
  }

  private checkVectors(argument: string, z: unknown): asserts z is tf.Tensor {
    const d = this.codeDim;
    if (!(z instanceof tf.Tensor) || z.isDisposed || z.dtype !== 'float32' || z.rank < 2 || z.shape[z.rank - 1] !== d || z.size === 0) {
      throw new InvalidArgumentError(argument, z, `must be a float32 tensor [..., ${d}] of encoder outputs (the last axis is the code size)`);
    }
  }
}
