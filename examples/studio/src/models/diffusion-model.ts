// The diffusion family in the studio: a UNet (untrained, or from a checkpoint written by
// trainDiffusion / the CLI: config `{ family: 'diffusion', model, scheduler }`, tensors
// `model/…` and, when trained with EMA, `ema/shadow/…`), sampled by @gen/diffusion's pipelines
// with any of its schedulers and a live per-step preview. Latent diffusion checkpoints (config
// `autoencoder`, `scalingFactor`) bring their @gen/vae AutoencoderKL, which decodes the samples
// and the previews.
import * as tf from '@tensorflow/tfjs-core';
import { GenError, Generator, loadCheckpoint, type NamedTensors, type SchedulerConfig } from '@gen/core';
import {
  DDPM_DEFAULT_CONFIG,
  SCHEDULERS,
  UNet2DModel,
  classConditionalPipeline,
  unconditionalPipeline,
  unet2dConfig,
  type SchedulerName,
  type StepCallback,
  type UNet2DConfig,
} from '@gen/diffusion';
import { AutoencoderKL, loadVaeModel } from '@gen/vae';
import { countParameters, type SampleRequest, type StepPreview, type StudioModel } from './family';

export const SCHEDULER_NAMES = Object.keys(SCHEDULERS) as SchedulerName[];

/** The "untrained" UNet: 28×28×1, class-conditional (10 classes), two small levels. */
export function untrainedUnetConfig(): UNet2DConfig {
  return unet2dConfig({
    height: 28,
    width: 28,
    inChannels: 1,
    blockOutChannels: [8, 16],
    layersPerBlock: 1,
    attentionLevels: [false, false],
    normNumGroups: 4,
    timeEmbeddingDim: 32,
    numClasses: 10,
  });
}

/** Latent diffusion: the autoencoder whose latents the UNet models, and the latents' scale. */
export interface StudioLatent {
  autoencoder: AutoencoderKL;
  scalingFactor: number;
}

/** Where a checkpoint's `autoencoder` (a path relative to the checkpoint) is read from. */
export type AutoencoderSource = (relativePath: string) => tf.io.IOHandler | string;

export class DiffusionStudioModel implements StudioModel {
  readonly family = 'diffusion' as const;
  readonly imageShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly parameterCount: number;

  constructor(
    readonly model: UNet2DModel,
    /** The noise process the model was trained with (every scheduler is built from it). */
    readonly schedulerConfig: Partial<SchedulerConfig>,
    readonly source: string,
    readonly latent: StudioLatent | null = null,
    /** The checkpoint's config (a text-conditioned one's `textEncoder` record…); `{}` when untrained. */
    readonly checkpointConfig: Record<string, unknown> = {},
  ) {
    const { height, width, inChannels } = model.config;
    this.imageShape = latent ? latent.autoencoder.imageShape : [height, width, inChannels];
    this.numClasses = model.config.numClasses ?? 0;
    this.parameterCount = countParameters(model) + (latent ? countParameters(latent.autoencoder) : 0);
  }

  static untrained(seed = 0): DiffusionStudioModel {
    return new DiffusionStudioModel(new UNet2DModel({ ...untrainedUnetConfig(), generator: new Generator(seed) }), { ...DDPM_DEFAULT_CONFIG }, 'untrained');
  }

  /** Loads a diffusion checkpoint (the EMA weights when saved). Errors are one line. */
  static async load(source: tf.io.IOHandler | string, name: string, autoencoderSource?: AutoencoderSource): Promise<DiffusionStudioModel> {
    const { config, tensors } = await loadCheckpoint(source);
    let model: UNet2DModel | null = null;
    let latent: StudioLatent | null = null;
    try {
      const saved = config as { family?: unknown; model?: UNet2DConfig; scheduler?: SchedulerConfig; autoencoder?: unknown; scalingFactor?: unknown } | null;
      if (saved?.family !== 'diffusion' || typeof saved.model !== 'object' || saved.model === null || typeof saved.scheduler !== 'object' || saved.scheduler === null) {
        throw new GenError(`${name} is not a diffusion checkpoint (config.family "diffusion" with model and scheduler configs)`);
      }
      model = UNet2DModel.fromConfig(saved.model);
      const part = (prefix: string): NamedTensors =>
        Object.fromEntries(Object.entries(tensors).filter(([key]) => key.startsWith(prefix)).map(([key, t]) => [key.slice(prefix.length), t]));
      model.loadStateDict(part('model/'));
      const shadows = part('ema/shadow/');
      if (Object.keys(shadows).length > 0) model.loadStateDict(shadows, { strict: false });
      if (saved.autoencoder !== undefined) latent = await loadLatent(saved.autoencoder, saved.scalingFactor, name, autoencoderSource);
      return new DiffusionStudioModel(model, saved.scheduler, name, latent, saved as Record<string, unknown>);
    } catch (error) {
      model?.dispose();
      latent?.autoencoder.dispose();
      throw error;
    } finally {
      tf.dispose(Object.values(tensors));
    }
  }

  scheduler(name: string) {
    const Scheduler = SCHEDULERS[name as SchedulerName];
    if (!Scheduler) throw new GenError(`unknown scheduler "${name}" (one of ${SCHEDULER_NAMES.join(', ')})`);
    // Latents are unbounded: never clip x̂₀ there.
    return Scheduler.fromConfig(this.latent ? { ...this.schedulerConfig, clipSample: false } : this.schedulerConfig);
  }

  /** The pipelines' step callback that hands `onStep` the x̂₀ estimate as images in [0, 1] (decoded for latent models). */
  stepCallback(onStep: ((preview: StepPreview) => Promise<void> | void) | undefined): StepCallback | undefined {
    if (!onStep) return undefined;
    return async ({ step, totalSteps, predOriginalSample }) => {
      const images = tf.tidy(() => {
        const pixels = this.latent ? decodeLatents(this.latent, predOriginalSample) : predOriginalSample;
        return tf.clipByValue(tf.mul(tf.add(pixels, 1), 0.5), 0, 1) as tf.Tensor4D;
      });
      try {
        await onStep({ step, totalSteps, images });
      } finally {
        images.dispose();
      }
    };
  }

  /** The pipelines' decoder options: the autoencoder of a latent model, none otherwise. */
  decoderOptions(): { vae?: AutoencoderKL; vaeScalingFactor?: number } {
    return this.latent ? { vae: this.latent.autoencoder, vaeScalingFactor: this.latent.scalingFactor } : {};
  }

  async sample({ n, seed, label, steps, scheduler: schedulerName, guidanceScale, onStep, signal }: SampleRequest): Promise<tf.Tensor4D> {
    const scheduler = this.scheduler(schedulerName);
    const common = { model: this.model, scheduler, numInferenceSteps: steps, generator: new Generator(seed), callback: this.stepCallback(onStep), signal, ...this.decoderOptions() };
    const { images } =
      this.numClasses > 0
        ? await classConditionalPipeline({ ...common, classLabels: new Array<number>(n).fill(label ?? 0), guidanceScale })
        : await unconditionalPipeline({ ...common, batchSize: n });
    return images;
  }

  dispose(): void {
    this.model.dispose();
    this.latent?.autoencoder.dispose();
  }
}

function decodeLatents(latent: StudioLatent, latents: tf.Tensor): tf.Tensor {
  return latent.autoencoder.decode(tf.div(latents, latent.scalingFactor)).sample;
}

async function loadLatent(path: unknown, scalingFactor: unknown, name: string, autoencoderSource: AutoencoderSource | undefined): Promise<StudioLatent> {
  if (typeof path !== 'string' || path === '' || typeof scalingFactor !== 'number' || !(scalingFactor > 0)) {
    throw new GenError(`${name}: its config's autoencoder / scalingFactor are not a path and a number > 0`);
  }
  if (!autoencoderSource) throw new GenError(`${name} is a latent diffusion model; its autoencoder (${path}) can only be read from a shipped folder`);
  const { model } = await loadVaeModel({ source: autoencoderSource(path) });
  if (!(model instanceof AutoencoderKL)) {
    model.dispose();
    throw new GenError(`${name}: its autoencoder (${path}) is not an AutoencoderKL`);
  }
  return { autoencoder: model, scalingFactor };
}
