import * as tf from '@tensorflow/tfjs-core';
import { Adam, Generator } from '@gen/core';
import { DPMSolverMultistepScheduler, UNet2DModel, classConditionalPipeline } from '@gen/diffusion';
import { SHIPPED_SCHEDULER_CONFIG, SHIPPED_UNET_BLOCKS, type BenchConfig } from './config';

/**
 * The shipped diffusion UNet in the bench: @gen/diffusion's own UNet2DModel with the blocks of
 * pretrained:mnist (`SHIPPED_UNET_BLOCKS` in bench/config.ts) at `config.unet2dShape`, fresh weights (the
 * bench times arithmetic). Mirrored in scripts/bench/torch_bench.py (`ShippedUNet`).
 *
 * - `trainStep`: one Adam update on the v-prediction MSE at `unet2dBatch` (noisy inputs, targets,
 *   timesteps and class labels drawn once: the step itself is timed), with @gen/core's `Adam` —
 *   the optimizer `trainDiffusion` trains the shipped model with (AdamW, weight decay 0) —
 *   at lr 1e-4, β (0.9, 0.999), ε 1e-8 as torch_bench.py's `torch.optim.Adam`;
 * - `sample`: the real class-conditional pipeline with the shipped scheduler config and
 *   DPM-Solver++ 2M, `samplingSteps` steps, classifier-free guidance `guidanceScale`, at
 *   `samplingBatch` images (pixels in [0, 1] out; no autoencoder decode for a latent shape).
 */
export class BenchShippedUnet {
  readonly model: UNet2DModel;
  private readonly optimizer: Adam;
  private readonly params: Record<string, tf.Variable>;
  private readonly scheduler: DPMSolverMultistepScheduler;
  private readonly config: BenchConfig;

  constructor(config: BenchConfig) {
    const [height, width, inChannels] = config.unet2dShape;
    this.config = config;
    this.model = new UNet2DModel({
      height,
      width,
      inChannels,
      ...SHIPPED_UNET_BLOCKS,
      blockOutChannels: [...SHIPPED_UNET_BLOCKS.blockOutChannels],
      layersPerBlock: [...SHIPPED_UNET_BLOCKS.layersPerBlock],
      attentionLevels: [...SHIPPED_UNET_BLOCKS.attentionLevels],
      generator: new Generator(config.seed),
    });
    this.optimizer = new Adam({ learningRate: 1e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    this.params = Object.fromEntries(this.model.trainableVariables().map((v) => [v.name, v]));
    this.scheduler = DPMSolverMultistepScheduler.fromConfig({ ...SHIPPED_SCHEDULER_CONFIG });
  }

  /** Inputs of one training step at `batch`: x_t, the v target, t and labels (0…10, 10 = null class). */
  trainingInputs(batch: number): { noisy: tf.Tensor4D; target: tf.Tensor4D; timesteps: tf.Tensor1D; labels: tf.Tensor1D } {
    const [height, width, channels] = this.config.unet2dShape;
    const seed = this.config.seed;
    return tf.tidy(() => ({
      noisy: tf.randomNormal([batch, height, width, channels], 0, 1, 'float32', seed + 7) as tf.Tensor4D,
      target: tf.randomNormal([batch, height, width, channels], 0, 1, 'float32', seed + 8) as tf.Tensor4D,
      timesteps: tf.floor(tf.randomUniform([batch], 0, 1000, 'float32', seed + 9)) as tf.Tensor1D,
      labels: tf.cast(tf.floor(tf.randomUniform([batch], 0, 11, 'float32', seed + 10)), 'int32') as tf.Tensor1D,
    }));
  }

  /** One Adam step on mean((v̂(x_t, t, c) − v)²), as trainDiffusion takes it. Returns the loss (unread). */
  trainStep(inputs: { noisy: tf.Tensor4D; target: tf.Tensor4D; timesteps: tf.Tensor1D; labels: tf.Tensor1D }): tf.Scalar {
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.squaredDifference(this.model.forward(inputs.noisy, inputs.timesteps, { classLabels: inputs.labels }).sample, inputs.target)) as tf.Scalar,
        Object.values(this.params),
      );
      this.optimizer.step(this.params, grads);
      return value;
    });
  }

  /** `samplingBatch` images (one per class label, cycling 0…9) in [0, 1], `[B, H, W, C]`. */
  async sample(): Promise<tf.Tensor4D> {
    const { samplingBatch, samplingSteps, guidanceScale, seed } = this.config;
    const classLabels = Array.from({ length: samplingBatch }, (_, i) => i % 10);
    const { images } = await classConditionalPipeline({
      model: this.model,
      scheduler: this.scheduler,
      classLabels,
      guidanceScale,
      numInferenceSteps: samplingSteps,
      generator: new Generator(seed + 11),
    });
    return images;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.scheduler.reset();
    this.model.dispose();
  }
}
