// The unCLIP prior: CLIP text embedding → CLIP image embedding (Ramesh et al. 2022, §2.1). Two
// variants behind one interface, so they can be measured against each other:
//   - 'regression': an MLP from the text embedding to the image embedding (residual, so it starts
//     at the text embedding itself), trained with the cosine loss 1 − cos(ŷ, y). Deterministic.
//   - 'diffusion': a Gaussian diffusion over the (√D-scaled) image embedding whose MLP denoiser
//     reads x_t, the text embedding and the timestep and predicts x₀ (the paper's choice of
//     target), with condition dropout and classifier-free guidance; sampled with
//     @gen/diffusion's DDIM scheduler, which steps any tensor shape ([B, D] here).
// Both return L2-normalised embeddings, like Clip.encodeImage. The diffusion prior can draw k
// candidates per text and keep the one closest to the text embedding (the paper's recipe).
import * as tf from '@tensorflow/tfjs-core';
import { checkOneOf, checkPositiveInteger, Generator, InvalidArgumentError, nn, type JsonValue } from '@gen/core';
import { DDIMScheduler, timestepEmbedding } from '@gen/diffusion';
import { l2Normalize } from '../model/clip-model';

export const PRIOR_KINDS = ['regression', 'diffusion'] as const;
export type PriorKind = (typeof PRIOR_KINDS)[number];

/** A prior's architecture. */
export interface PriorConfig {
  kind: PriorKind;
  /** CLIP embedding width D (input and output). */
  embedDim: number;
  /** Hidden width of the MLP (default 512). */
  hidden: number;
  /** Hidden layers of the MLP (default 3). */
  layers: number;
  /** Diffusion prior: training timesteps of its linear-beta schedule (default 1000). */
  numTrainTimesteps: number;
  /** Diffusion prior: width of the sinusoidal timestep embedding (default 64). */
  timeEmbeddingDim: number;
}

/** Fills defaults and checks a config (one-line errors). */
export function priorConfig(partial: Partial<PriorConfig> & Pick<PriorConfig, 'embedDim'>): PriorConfig {
  if (typeof partial !== 'object' || partial === null) throw new InvalidArgumentError('config', partial, 'must be an object ({ kind, embedDim, … })');
  const config: PriorConfig = { kind: 'regression', hidden: 512, layers: 3, numTrainTimesteps: 1000, timeEmbeddingDim: 64, ...partial };
  checkOneOf('config.kind', config.kind, PRIOR_KINDS);
  checkPositiveInteger('config.embedDim', config.embedDim);
  checkPositiveInteger('config.hidden', config.hidden);
  checkPositiveInteger('config.layers', config.layers);
  checkPositiveInteger('config.numTrainTimesteps', config.numTrainTimesteps);
  checkPositiveInteger('config.timeEmbeddingDim', config.timeEmbeddingDim);
  if (config.timeEmbeddingDim < 2) throw new InvalidArgumentError('config.timeEmbeddingDim', config.timeEmbeddingDim, 'must be at least 2');
  return config;
}

/** Options of {@link EmbeddingPrior.predict}. */
export interface PriorSampleOptions {
  /** Diffusion prior: source of x_T (default `new Generator(0)`). */
  generator?: Generator;
  /** Diffusion prior: DDIM steps (default 25). */
  numInferenceSteps?: number;
  /** Diffusion prior: classifier-free guidance weight (default 1: plain conditional). */
  guidanceScale?: number;
  /**
   * Diffusion prior: embeddings drawn per text, of which the one with the highest cosine to the
   * text embedding is kept (DALL·E 2 §2.2 draws 2; default 1: the single draw, as without it).
   */
  candidates?: number;
}

/** An MLP: Linear → SiLU, `layers` times, then Linear to `outFeatures`. */
class Mlp extends nn.Module {
  readonly hiddenLayers: nn.Linear[];
  readonly out: nn.Linear;

  constructor(inFeatures: number, hidden: number, layers: number, outFeatures: number, generator: Generator) {
    super();
    this.hiddenLayers = Array.from({ length: layers }, (_, i) =>
      this.registerModule(`hidden${i}`, new nn.Linear({ inFeatures: i === 0 ? inFeatures : hidden, outFeatures: hidden, generator: generator.fork(`hidden${i}`) })),
    );
    this.out = this.registerModule('out', new nn.Linear({ inFeatures: hidden, outFeatures, generator: generator.fork('out') }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.out.forward(this.hiddenLayers.reduce((h, layer) => nn.silu(layer.forward(h)), x)));
  }
}

/**
 * The interface both priors share. `loss` builds (inside the caller's `tf.tidy`) the function to
 * differentiate for one batch; `predict` maps text embeddings to normalised image embeddings.
 */
export abstract class EmbeddingPrior extends nn.Module {
  readonly config: PriorConfig;

  protected constructor(config: PriorConfig) {
    super();
    this.config = config;
  }

  /** The config as JSON (for checkpoints). */
  toJSON(): JsonValue {
    return this.config as unknown as JsonValue;
  }

  /**
   * The training loss of a batch of `[B, D]` normalised text and image embeddings; `generator`
   * draws the batch's randomness (diffusion: timesteps, noise, condition dropout with probability
   * `conditionDropProb`).
   */
  abstract loss(text: tf.Tensor2D, image: tf.Tensor2D, generator: Generator, conditionDropProb: number): () => tf.Scalar;

  /** `[B, D]` L2-normalised image embeddings for `[B, D]` text embeddings. The caller disposes the result. */
  abstract predict(text: tf.Tensor2D, options?: PriorSampleOptions): tf.Tensor2D;

  protected checkEmbeddings(embeddings: tf.Tensor, argument: string): void {
    if (!(embeddings instanceof tf.Tensor) || embeddings.rank !== 2 || embeddings.shape[1] !== this.config.embedDim) {
      throw new InvalidArgumentError(argument, embeddings instanceof tf.Tensor ? `shape [${embeddings.shape.join(', ')}]` : embeddings, `must be [batch, ${this.config.embedDim}] CLIP embeddings`);
    }
  }
}

/** The regression prior: ŷ = normalise(text + MLP(text)), trained with 1 − cos(ŷ, y). */
export class RegressionPrior extends EmbeddingPrior {
  readonly mlp: Mlp;

  constructor(config: PriorConfig, generator: Generator = new Generator(0)) {
    super(priorConfig({ ...config, kind: 'regression' }));
    this.mlp = this.registerModule('mlp', new Mlp(config.embedDim, this.config.hidden, this.config.layers, config.embedDim, generator.fork('mlp')));
  }

  loss(text: tf.Tensor2D, image: tf.Tensor2D): () => tf.Scalar {
    this.checkEmbeddings(text, 'text');
    this.checkEmbeddings(image, 'image');
    return () => tf.sub(1, tf.mean(tf.sum(tf.mul(this.forwardRaw(text), image), -1))) as tf.Scalar;
  }

  predict(text: tf.Tensor2D): tf.Tensor2D {
    this.checkEmbeddings(text, 'text');
    return tf.tidy(() => this.forwardRaw(text));
  }

  private forwardRaw(text: tf.Tensor): tf.Tensor2D {
    return l2Normalize(tf.add(text, this.mlp.forward(text))) as tf.Tensor2D;
  }
}

/**
 * The diffusion prior: x₀ = √D·y (unit-scale entries), x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε with DDPM's
 * linear betas, denoiser x̂₀ = MLP([x_t, √D·c·keep, emb(t)]) trained with ‖x̂₀ − x₀‖²; keep = 0
 * (the null condition) with probability conditionDropProb.
 */
export class DiffusionPrior extends EmbeddingPrior {
  readonly mlp: Mlp;
  private readonly alphaBar: Float64Array;

  constructor(config: PriorConfig, generator: Generator = new Generator(0)) {
    super(priorConfig({ ...config, kind: 'diffusion' }));
    const { embedDim, hidden, layers, timeEmbeddingDim } = this.config;
    this.mlp = this.registerModule('mlp', new Mlp(2 * embedDim + timeEmbeddingDim, hidden, layers, embedDim, generator.fork('mlp')));
    this.alphaBar = this.scheduler().alphasCumprod;
  }

  /** A DDIM scheduler of the training process (x₀-prediction, no clipping). */
  scheduler(): DDIMScheduler {
    return new DDIMScheduler({ numTrainTimesteps: this.config.numTrainTimesteps, predictionType: 'sample', clipSample: false });
  }

  /** x̂₀ `[B, D]` at x_t for timesteps `[B]` and conditions `[B, D]` (already scaled and masked). */
  denoise(noisy: tf.Tensor, timesteps: tf.Tensor1D, condition: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.mlp.forward(tf.concat([noisy, condition, timestepEmbedding(timesteps, this.config.timeEmbeddingDim)], 1)) as tf.Tensor2D);
  }

  loss(text: tf.Tensor2D, image: tf.Tensor2D, generator: Generator, conditionDropProb: number): () => tf.Scalar {
    this.checkEmbeddings(text, 'text');
    this.checkEmbeddings(image, 'image');
    const [batch, dim] = image.shape;
    const scale = Math.sqrt(dim);
    const timesteps = generator.randint([batch], 0, this.config.numTrainTimesteps) as tf.Tensor1D;
    const noise = generator.normal([batch, dim]);
    const keep = Float32Array.from(generator.uniformArray(batch), (u) => (u < conditionDropProb ? 0 : 1));
    const alphaBar = tf.reshape(tf.gather(tf.tensor1d(Float32Array.from(this.alphaBar)), timesteps), [batch, 1]);
    const x0 = tf.mul(image, scale);
    const noisy = tf.add(tf.mul(tf.sqrt(alphaBar), x0), tf.mul(tf.sqrt(tf.sub(1, alphaBar)), noise));
    const condition = tf.mul(tf.mul(text, scale), tf.tensor2d(keep, [batch, 1]));
    return () => tf.mean(tf.square(tf.sub(this.denoise(noisy, timesteps, condition), x0))) as tf.Scalar;
  }

  predict(text: tf.Tensor2D, options: PriorSampleOptions = {}): tf.Tensor2D {
    this.checkEmbeddings(text, 'text');
    const { generator = new Generator(0), numInferenceSteps = 25, guidanceScale = 1, candidates = 1 } = options;
    checkPositiveInteger('numInferenceSteps', numInferenceSteps);
    if (typeof guidanceScale !== 'number' || !(guidanceScale >= 0) || !Number.isFinite(guidanceScale)) {
      throw new InvalidArgumentError('guidanceScale', guidanceScale, 'must be a finite number >= 0 (1: plain conditional, 0: unconditional)');
    }
    checkPositiveInteger('candidates', candidates);
    if (candidates === 1) return this.draw(text, generator, numInferenceSteps, guidanceScale);
    const [batch, dim] = text.shape;
    // Row i·k + j is candidate j of text i; keep, per text, the candidate of highest cosine to it.
    const repeated = tf.tidy(() => tf.reshape(tf.tile(tf.expandDims(text, 1), [1, candidates, 1]), [batch * candidates, dim]) as tf.Tensor2D);
    let drawn: tf.Tensor2D | null = null;
    try {
      drawn = this.draw(repeated, generator, numInferenceSteps, guidanceScale);
      const all = drawn;
      return tf.tidy(() => {
        const cosines = tf.reshape(tf.sum(tf.mul(all, repeated), -1), [batch, candidates]);
        const rows = tf.add(tf.range(0, batch * candidates, candidates, 'int32'), tf.cast(tf.argMax(cosines, 1), 'int32'));
        return tf.gather(all, rows) as tf.Tensor2D;
      });
    } finally {
      tf.dispose([repeated, ...(drawn ? [drawn] : [])]);
    }
  }

  /** One DDIM draw per row of `text`, L2-normalised. */
  private draw(text: tf.Tensor2D, generator: Generator, numInferenceSteps: number, guidanceScale: number): tf.Tensor2D {
    const [batch, dim] = text.shape;
    const scheduler = this.scheduler();
    scheduler.setTimesteps(numInferenceSteps);
    const condition = tf.mul(text, Math.sqrt(dim));
    const nullCondition = tf.zerosLike(condition);
    let sample = generator.normal([batch, dim]);
    try {
      for (const timestep of Array.from(scheduler.timesteps)) {
        const output = tf.tidy(() => {
          const timesteps = tf.fill([batch], timestep, 'int32') as tf.Tensor1D;
          const conditional = this.denoise(sample, timesteps, condition);
          // Classifier-free guidance in x₀: x̂₀ = x̂₀(∅) + w·(x̂₀(c) − x̂₀(∅)).
          const unconditional = guidanceScale === 1 ? null : this.denoise(sample, timesteps, nullCondition);
          const x0 = unconditional ? tf.add(unconditional, tf.mul(tf.sub(conditional, unconditional), guidanceScale)) : conditional;
          const { prevSample, predOriginalSample } = scheduler.step(x0, timestep, sample, { generator });
          predOriginalSample?.dispose();
          return prevSample;
        });
        sample.dispose();
        sample = output;
      }
      return tf.tidy(() => l2Normalize(sample) as tf.Tensor2D);
    } finally {
      tf.dispose([sample, condition, nullCondition]);
    }
  }
}

/** A prior of `config.kind` with fresh weights from `generator`. */
export function createPrior(config: Partial<PriorConfig> & Pick<PriorConfig, 'embedDim'>, generator: Generator = new Generator(0)): EmbeddingPrior {
  const full = priorConfig(config);
  return full.kind === 'diffusion' ? new DiffusionPrior(full, generator) : new RegressionPrior(full, generator);
}
