// gen train | sample | eval diffusion: @gen/diffusion's trainDiffusion, UNet2DModel, schedulers
// and pipelines behind the command line.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as core from '@gen/core';
import * as coreNode from '@gen/core/node';
import {
  DEFAULT_UNET_CONFIG,
  SCHEDULERS,
  UNet2DModel,
  classConditionalPipeline,
  img2imgPipeline,
  loadDiffusion,
  trainDiffusion,
  unconditionalPipeline,
  type GuidanceFunction,
  type LoadedDiffusion,
  type SchedulerName,
  type UNet2DConfig,
  type UNet2DConfigInput,
} from '@gen/diffusion';
import { autoencoderDirOf, PRETRAINED_DIFFUSION_MODELS, pretrainedDiffusionDir, type PretrainedDiffusionName } from '@gen/diffusion/node';
import { AutoencoderKL, estimateScalingFactor, loadVaeModel } from '@gen/vae';
import { latentEncoderRecipe } from '@gen/vae/node';
import {
  ATTRIBUTE_PAIRS,
  canonicalPhrase,
  checkClipMatchesRecord,
  checkPrompt,
  clipGuidance,
  evaluateClipGuidance,
  evaluateTextToImage,
  generateFromPrompts,
  IMAGE_ENCODER_CONFIG_KEY,
  loadClip,
  textEncoderRecordOf,
  trainTextToImage,
  type AttributePairKind,
  type Clip,
  type LoadedClip,
  type TextEncoderRecord,
} from '@gen/clip-guidance';
import { choiceOption, integerOption, nonEmptyOption } from '../options';
import type { CommandContext, FamilyCommands } from '../registry';
import { setupBackend } from '../setup-backend';
import { UsageError } from '../usage-error';
import { PRETRAINED_CLIP_CHECKPOINTS } from './clip';
import {
  checkClipEvalFlags,
  clipEvalOption,
  clipEvaluationLine,
  clipLocation,
  clipOnlyOptions,
  clipOptionValue,
  loadPromptClip,
  withCpuTime,
  imageOption,
  promptOptions,
  promptRequest,
  referenceRequest,
  reportPrompt,
  reportReference,
  viewOptions,
  type ReferenceRequest,
} from './prompt';
import {
  appendJsonLine,
  checkConfigKeys,
  checkEvalN,
  checkLabel,
  checkpointConfig,
  configOption,
  evalDataset,
  evalOptions,
  gcd,
  gridColumns,
  interruptSignal,
  loadCheckpointOrFail,
  loadClassifier,
  loadTrainingData,
  nonNegativeNumberOption,
  positiveNumberOption,
  prepareRun,
  readReferenceImage,
  realTestImages,
  reportTrainingEnd,
  resolveCheckpoint,
  sampleGridPath,
  sampleLabels,
  sampleOptions,
  sampleSeed,
  scoreSamples,
  tenth,
  trainOptions,
  TrainingProgress,
  writeFrames,
  writeMetrics,
  writeRunRecord,
  writeSampleSet,
  type DatasetChoice,
  type PretrainedLookup,
  type SampleMetrics,
  formatSampleMetrics,
  PRETRAINED_PREFIX,
  RUN_FILE,
  workersOption,
} from './shared';
import { recordedGuidance } from './recorded-guidance';

const UNET_CONFIG_FIELDS = ['blockOutChannels', 'layersPerBlock', 'attentionLevels', 'midBlockAttention', 'attentionHeadDim', 'normNumGroups', 'timeEmbeddingDim'] as const;
const SCHEDULER_NAMES = Object.keys(SCHEDULERS) as SchedulerName[];
const PREDICTION_TYPES = { epsilon: 'epsilon', sample: 'sample', v: 'v_prediction', v_prediction: 'v_prediction' } as const;

/** `--scheduler`, `--steps` (inference steps) and `--guidance-scale` of sample and eval. */
export function samplerOptions(defaultSteps: number) {
  return {
    scheduler: { type: 'string' as const, valueName: 'name', description: `sampler: ${SCHEDULER_NAMES.join(', ')}`, default: 'ddim', parse: choiceOption(SCHEDULER_NAMES) },
    steps: { type: 'string' as const, valueName: 'n', description: 'denoising steps', default: defaultSteps, parse: integerOption(1, 100000) },
    'guidance-scale': {
      type: 'string' as const,
      valueName: 'w',
      description: 'classifier-free guidance weight of conditional checkpoints (1: plain conditional, 0: unconditional)',
      defaultLabel: '3',
      parse: nonNegativeNumberOption,
    },
    guidance: { type: 'string' as const, valueName: 'w', description: 'the same as --guidance-scale', defaultLabel: '3', parse: nonNegativeNumberOption },
  };
}

/** img2img strength of `gen sample diffusion --image` without --clip: on the shipped MNIST model 0.4 keeps the class 84% of the time, 0.6 only 34% (docs/guides/reference-images.md). */
const DEFAULT_IMG2IMG_STRENGTH = 0.4;

/** A number in [0, 1]. */
function unitIntervalOption(raw: string, flag: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !(value >= 0 && value <= 1)) throw new UsageError(flag, raw, 'must be a number in [0, 1]');
  return value;
}

/** `--clip-scale` of CLIP guidance (sample --prompt, eval --clip). */
const CLIP_SCALE_OPTION = {
  'clip-scale': { type: 'string' as const, valueName: 'x', description: 'scale of the CLIP guidance gradient (added to x̂₀ at every step)', default: 100, parse: positiveNumberOption('') },
};

/** The CLIP guidance options of `gen eval diffusion --clip` (defaults as `gen sample diffusion --prompt`). */
const CLIP_EVAL_OPTIONS = { ...CLIP_SCALE_OPTION, ...viewOptions() };

/**
 * The x̂₀-space CLIP guidance of one pipeline run: toward `target` — a prompt (one, or one per
 * image) or a reference image `[H, W, C]` in [0, 1] — its view shifts drawn from `generator`;
 * through the autoencoder's decoder for latent checkpoints.
 */
function clipGuidanceFor(clip: Clip, target: string | string[] | tf.Tensor, latent: Latent | null, settings: { scale: number; cutouts: number; maxShift: number }, generator: core.Generator) {
  const goal = target instanceof tf.Tensor ? { image: target } : { prompt: target };
  return clipGuidance({ clip, ...goal, ...settings, generator, ...(latent ? { vae: latent.autoencoder, vaeScalingFactor: latent.scalingFactor } : {}) });
}

/** `--text-encoder` of sample and eval: where a text-conditioned checkpoint's CLIP is now. */
function textEncoderOverrideOption() {
  return {
    'text-encoder': {
      type: 'string' as const,
      valueName: 'dir',
      description: "text-conditioned checkpoints: their CLIP, when it is no longer where the checkpoint says (a gen train clip folder or pretrained:<name>)",
      defaultLabel: 'recorded',
      parse: nonEmptyOption,
    },
  };
}

/** Latent diffusion: the AutoencoderKL whose latents the UNet models, and the latents' scaling factor. */
export interface Latent {
  autoencoder: AutoencoderKL;
  scalingFactor: number;
}

/**
 * `--autoencoder <dir>` (before the backend starts): the checkpoint folder of an AutoencoderKL
 * trained with @gen/vae (a run folder, its checkpoints/ folder or one checkpoint folder).
 */
export function findAutoencoder(given: string, commandPath: string, flag: string): string {
  if (!existsSync(resolve(given)) || !statSync(resolve(given)).isDirectory()) throw new UsageError(flag, given, 'is not a folder');
  const { location } = resolveCheckpoint(given, commandPath);
  const kind = (checkpointConfig('vae', location).model as { kind?: unknown } | undefined)?.kind;
  if (kind !== 'autoencoder-kl') {
    throw new core.GenError(`${location} is a vae checkpoint of kind ${JSON.stringify(kind)}, not an AutoencoderKL ('autoencoder-kl'): latent diffusion needs one`);
  }
  return location;
}

/** Loads the AutoencoderKL of `findAutoencoder` with @gen/vae's loader. */
export async function loadAutoencoder(location: string): Promise<AutoencoderKL> {
  return loadCheckpointOrFail('vae', location, async () => {
    const { model } = await loadVaeModel({ source: location });
    if (!(model instanceof AutoencoderKL)) {
      model.dispose();
      throw new core.GenError('its model is not an AutoencoderKL');
    }
    return model;
  });
}

/**
 * `--autoencoder` of a training command: the AutoencoderKL at `location`, checked against the
 * dataset's image shape, with its config's scalingFactor or (left at its default 1) 1 / std of
 * the latents of ≤ 256 training images. The caller disposes `latent.autoencoder`.
 */
export async function loadTrainingLatent(location: string, given: string, data: core.ImageDataset, seed: number): Promise<Latent> {
  const autoencoder = await loadAutoencoder(location);
  const latent: Latent = { autoencoder, scalingFactor: autoencoder.scalingFactor };
  const [height, width, channels] = autoencoder.imageShape;
  if (height !== data.height || width !== data.width || channels !== data.channels) {
    autoencoder.dispose();
    throw new UsageError('--autoencoder', given, `encodes ${height}×${width}×${channels} images, not the dataset's ${data.height}×${data.width}×${data.channels}`);
  }
  if (latent.scalingFactor === 1) {
    const count = Math.min(256, data.size);
    const images = tf.tidy(() => tf.sub(tf.mul(tf.tensor4d(data.images.subarray(0, count * height * width * channels), [count, height, width, channels]), 2), 1));
    try {
      latent.scalingFactor = await estimateScalingFactor({ model: autoencoder, images, generator: new core.Generator(seed).fork('scaling-factor') });
    } finally {
      images.dispose();
    }
  }
  return latent;
}

/** The latent setup a diffusion checkpoint's config records (`autoencoder`, `scalingFactor`), loaded; null for pixel-space models. */
export async function latentOf(config: Record<string, unknown>, location: string): Promise<Latent | null> {
  const { autoencoder, scalingFactor } = config as { autoencoder?: unknown; scalingFactor?: unknown };
  if (autoencoder === undefined) return null;
  if (typeof autoencoder !== 'string' || autoencoder === '' || typeof scalingFactor !== 'number' || !(scalingFactor > 0)) {
    throw new core.GenError(`${location} is not a readable diffusion checkpoint: its config's autoencoder / scalingFactor are not a path and a number > 0`);
  }
  // Relative paths (shipped models: autoencoder/ beside the UNet) are relative to the checkpoint.
  const folder = autoencoderDirOf(config, location) as string;
  if (!existsSync(folder)) throw new core.GenError(`${location} was trained on the latents of ${folder}, which no longer exists`);
  return { autoencoder: await loadAutoencoder(findAutoencoder(folder, 'gen', 'autoencoder')), scalingFactor };
}

/** A text encoder (CLIP) found before the backend starts: its checkpoint folder, and what a diffusion checkpoint records. */
interface TextEncoderLocation {
  location: string;
  /** `pretrained:<name>` as given, else the checkpoint folder. */
  record: string;
}

/**
 * Where a text encoder is: `pretrained:<name>` (a CLIP @gen/clip-guidance ships) or a folder of
 * `gen train clip` (a run, its checkpoints/ folder or one checkpoint). The one place text-to-image
 * resolves CLIP locations, for --text-encoder and for the location a checkpoint records.
 */
export function resolveTextEncoder(given: string, commandPath: string, flag: string): TextEncoderLocation {
  let location: string;
  try {
    location = resolveCheckpoint(given, commandPath, PRETRAINED_CLIP_CHECKPOINTS).location;
  } catch (error) {
    if (UsageError.isInstance(error)) throw new UsageError(flag, given, error.message.replace(/^--checkpoint (\([^)]*\) )?/, ''));
    throw error;
  }
  checkpointConfig('clip', location);
  return { location, record: given.startsWith(PRETRAINED_PREFIX) ? given : location };
}

/** The text encoder record of a diffusion checkpoint's config (one line naming the checkpoint when it is malformed), or null. */
function textRecordOf(config: Record<string, unknown>, location: string): TextEncoderRecord | null {
  try {
    return textEncoderRecordOf(config);
  } catch (error) {
    throw new core.GenError(`${location} is not a readable diffusion checkpoint: ${(error as Error).message}`);
  }
}

/**
 * The CLIP of a text-conditioned checkpoint: `--text-encoder` when given, else the location its
 * config records (a moved or deleted CLIP is one line asking for --text-encoder).
 */
function findCheckpointTextEncoder(record: TextEncoderRecord, given: string | undefined, checkpointLocation: string, commandPath: string): TextEncoderLocation {
  if (given !== undefined) return resolveTextEncoder(given, commandPath, '--text-encoder');
  if (record.clip === null) throw new UsageError('--text-encoder', undefined, `is required: ${checkpointLocation} does not record where its CLIP is`);
  try {
    return resolveTextEncoder(record.clip, commandPath, 'text encoder');
  } catch (error) {
    const message = (error as Error).message.replace(/^text encoder \([^)]*\) /, '');
    throw new core.GenError(`${checkpointLocation} was trained with the text encoder ${record.clip}, which cannot be read (${message}); give --text-encoder <dir>`);
  }
}

/** Loads the CLIP of a text-conditioned checkpoint and checks it is the kind it was trained with. */
async function loadTextEncoder(found: TextEncoderLocation, record: TextEncoderRecord | null): Promise<LoadedClip> {
  const clip = await loadCheckpointOrFail('clip', found.location, () => loadClip(found.location));
  if (record) {
    try {
      checkClipMatchesRecord(clip, record);
    } catch (error) {
      clip.dispose();
      throw new core.GenError(`${found.location}: ${(error as Error).message}`);
    }
  }
  return clip;
}

/** A class-conditional UNet's classes (the null class excluded), or 0. */
function classesOf(config: Pick<UNet2DConfig, 'numClasses'>): number {
  return config.numClasses ?? 0;
}

/**
 * Images `[count, H, W, C]` in [0, 1] from one pipeline run: text-conditioned (one image per
 * prompt) or class-conditional with classifier-free guidance, unconditional otherwise.
 */
async function runPipeline(options: {
  model: UNet2DModel;
  schedulerName: SchedulerName;
  schedulerConfig: core.SchedulerConfig;
  steps: number;
  count: number;
  labels: ArrayLike<number> | null;
  guidanceScale: number;
  generator: core.Generator;
  /** Latent diffusion: decode the final latents with this autoencoder. */
  latent: Latent | null;
  /** A guidance hook (CLIP guidance of --prompt). */
  guidance?: GuidanceFunction;
  /** Text-conditioned checkpoints: the prompts (one image each) and the CLIP that encodes them. */
  text?: { clip: Clip; prompts: string[] };
  /** img2img (--image with --strength): redraw `image` (`[count, H, W, C]` in [0, 1], pixels) from the last `strength` of the schedule. */
  img2img?: { image: tf.Tensor; strength: number };
}): Promise<tf.Tensor4D> {
  const { model, schedulerName, schedulerConfig, steps, count, labels, guidanceScale, generator, latent, guidance, text, img2img } = options;
  // Latents are unbounded: never clip x̂₀ (checkpoints trained before trainDiffusion set this recorded clipSample: true).
  const config = latent ? { ...schedulerConfig, clipSample: false } : schedulerConfig;
  const scheduler = SCHEDULERS[schedulerName].fromConfig(config as never);
  const decoder = latent ? { vae: latent.autoencoder, vaeScalingFactor: latent.scalingFactor } : {};
  if (text) {
    const output = await generateFromPrompts({ model, scheduler, clip: text.clip, prompts: text.prompts, guidanceScale, numInferenceSteps: steps, generator, ...decoder });
    return output.images;
  }
  if (img2img) {
    // Latent checkpoints: the pipeline encodes the reference with the autoencoder (posterior mean × scaling factor).
    const output = await img2imgPipeline({
      model,
      scheduler,
      numInferenceSteps: steps,
      image: img2img.image,
      strength: img2img.strength,
      generator,
      ...decoder,
      ...(labels ? { classLabels: Array.from(labels), guidanceScale } : {}),
      ...(guidance ? { guidance } : {}),
    });
    return output.images;
  }
  const output = labels
    ? await classConditionalPipeline({ model, scheduler, numInferenceSteps: steps, classLabels: Array.from(labels), guidanceScale, generator, ...decoder, ...(guidance ? { guidance } : {}) })
    : await unconditionalPipeline({ model, scheduler, numInferenceSteps: steps, batchSize: count, generator, ...decoder, ...(guidance ? { guidance } : {}) });
  return output.images;
}

/**
 * `[n, H, W, C]` in [0, 1]: one pipeline run per image, each from its own seed (`run(i, generator)`
 * draws image i with `new Generator(seeds[i])`), so `--n 1 --seed <seed>` redraws it. The
 * one-image parts are freed once joined, or when a run fails.
 */
async function samplePerSeed(seeds: readonly number[], run: (i: number, generator: core.Generator) => Promise<tf.Tensor4D>): Promise<tf.Tensor4D> {
  const parts: tf.Tensor4D[] = [];
  try {
    for (let i = 0; i < seeds.length; i++) parts.push(await run(i, new core.Generator(seeds[i])));
    return tf.concat(parts) as tf.Tensor4D;
  } finally {
    tf.dispose(parts);
  }
}

async function trainDiffusionCommand({ options, io, verbose, argv, commandPath }: CommandContext): Promise<number> {
  const steps = options.steps as number;
  const dataset = options.dataset as DatasetChoice;
  const conditional = options.conditional as boolean;
  const overrides = checkConfigKeys(options.config as Record<string, unknown> | undefined, UNET_CONFIG_FIELDS);
  const predictionType = PREDICTION_TYPES[options['prediction-type'] as keyof typeof PREDICTION_TYPES];
  const every = (options.every as number | undefined) ?? tenth(steps);
  const checkpointEvery = (options['checkpoint-every'] as number | undefined) ?? tenth(steps);
  const textEncoderGiven = options['text-encoder'] as string | undefined;
  if (textEncoderGiven !== undefined && conditional) {
    throw new UsageError('--text-encoder', textEncoderGiven, 'cannot be combined with --conditional: the text replaces the class labels (prompts name the class)');
  }
  const workers = options.workers as number | 'auto';
  const textEncoder = textEncoderGiven === undefined ? null : resolveTextEncoder(textEncoderGiven, commandPath, '--text-encoder');
  const autoencoderLocation = options.autoencoder === undefined ? null : findAutoencoder(options.autoencoder as string, commandPath, '--autoencoder');
  const folders = prepareRun(options.out as string, options.resume as boolean, steps);
  checkResumedTextEncoder(folders.out, options.resume as boolean, textEncoder);

  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const data = await loadTrainingData(dataset, options['limit-data'] as number | undefined);
  const seed = options.seed as number;
  let latent: Latent | null = null;
  let clip: LoadedClip | null = null;
  let result: Awaited<ReturnType<typeof trainDiffusion>> | null = null;
  try {
    if (textEncoder) clip = await loadTextEncoder(textEncoder, null);
    if (autoencoderLocation !== null) latent = await loadTrainingLatent(autoencoderLocation, options.autoencoder as string, data, seed);
    const [inputHeight, inputWidth, inputChannels] = latent ? latent.autoencoder.latentShape : [data.height, data.width, data.channels];
    const numClasses = conditional ? data.classNames.length : 0;
    const config: UNet2DConfigInput = {
      ...DEFAULT_UNET_CONFIG,
      height: inputHeight,
      width: inputWidth,
      inChannels: inputChannels,
      outChannels: inputChannels,
      ...(overrides as Partial<UNet2DConfigInput>),
      numClasses: conditional ? numClasses : null,
      crossAttentionDim: clip ? clip.textWidth : null,
      selfConditioning: options['self-conditioning'] as boolean,
    };
    // Validate the UNet config up front (a bad --config is exit 2, not a failed run).
    try {
      new UNet2DModel({ ...config, generator: new core.Generator(0) }).dispose();
    } catch (error) {
      if (core.InvalidArgumentError.isInstance(error)) throw new UsageError('--config', JSON.stringify(overrides), `is not a valid UNet config: ${error.message}`);
      throw error;
    }
    // Latent diffusion: where the latents come from, in run.json and in every checkpoint's config.
    const latentRecord: Record<string, core.JsonValue> = latent ? { autoencoder: autoencoderLocation as string, scalingFactor: latent.scalingFactor } : {};
    writeRunRecord(
      folders,
      {
        family: 'diffusion',
        dataset,
        conditional,
        numClasses,
        classNames: data.classNames,
        argv: ['train', 'diffusion', ...argv],
        predictionType,
        config: config as unknown as Record<string, unknown>,
        ...latentRecord,
        ...(textEncoder ? { textEncoder: textEncoder.record } : {}),
      },
      options.resume as boolean,
    );
    io.stdout.write(
      `data: ${data.name}, ${data.size} images; ${latent ? `latents ${config.height}×${config.width}×${config.inChannels} of ${autoencoderLocation} (scaling factor ${latent.scalingFactor.toPrecision(4)}); ` : ''}UNet ${JSON.stringify(config.blockOutChannels)}${conditional ? `, ${numClasses} classes (CFG dropout)` : ''}${clip && textEncoder ? `, text-conditioned on ${textEncoder.record} (token states ${clip.textWidth} wide, CFG dropout)` : ''}, prediction ${predictionType}\n`,
    );
    if (folders.startStep > 0) io.stdout.write(`resuming from step ${folders.startStep}\n`);

    const progress = new TrainingProgress(io, 'train diffusion', folders.startStep, steps);
    const interrupt = interruptSignal(io, options['max-minutes']);
    const sessionStarted = performance.now();
    const folderStore = coreNode.folderStore(folders.checkpoints);
    const checkpointStore: core.CheckpointStore = latent
      ? {
          location: folderStore.location,
          save: (step, contents) => folderStore.save(step, { ...contents, config: { ...(contents.config as Record<string, core.JsonValue>), ...latentRecord } }),
          loadLatest: (loadOptions) => folderStore.loadLatest(loadOptions),
          prune: (keep) => folderStore.prune(keep),
        }
      : folderStore;
    const sampleScheduler = options['sample-scheduler'] as SchedulerName;
    const sampleSteps = options['sample-steps'] as number;
    // Sample grids: a row per class (class labels, or each class's plain phrase for text models).
    const gridClasses = clip ? data.classNames.length : numClasses;
    const gridCount = gridClasses > 0 ? gridClasses * Math.max(1, Math.floor(64 / gridClasses)) : 64;
    const gridPrompts = Array.from({ length: gridCount }, (_, i) => canonicalPhrase(data.classNames[i % data.classNames.length]));
    const training = {
      dataset: data,
      steps,
      batchSize: options['batch-size'] as number,
      predictionType,
      ...(options['snr-gamma'] !== undefined ? { snrGamma: options['snr-gamma'] as number } : {}),
      offsetNoise: options['offset-noise'] as number,
      ...((conditional || clip) && options['cond-drop'] !== undefined ? { conditionDropProb: options['cond-drop'] as number } : {}),
      ema: (options.ema as number) > 0 ? { decay: options.ema as number, warmup: 'power' as const } : (false as const),
      lr: options.lr as number,
      ...(options['train-timesteps'] !== undefined ? { noiseSchedule: { numTrainTimesteps: options['train-timesteps'] as number } } : {}),
      seed,
      workers,
      // Latent diffusion: a recipe, so that every worker thread loads the autoencoder itself.
      ...(latent && autoencoderLocation !== null ? { encodeImages: latentEncoderRecipe({ autoencoder: autoencoderLocation, scalingFactor: latent.scalingFactor }) } : {}),
      checkpointStore,
      checkpointEvery,
      checkpointKeep: options.keep as number,
      resume: options.resume as boolean,
      signal: interrupt.signal,
      logEvery: every > 0 ? gcd(10, every) : 10,
      onProgress: (event: core.ProgressEvent) => {
        progress.update(event);
        // elapsed: seconds since this session started, as trainLoop's metricsFile records it (training time of a resumed run = sum over sessions).
        appendJsonLine(folders.metricsFile, { step: event.step, losses: event.losses, stepsPerSecond: event.stepsPerSecond, eta: event.eta, elapsed: (performance.now() - sessionStarted) / 1000 });
      },
      ...(every > 0
        ? {
            sampleEvery: every,
            onSample: async ({ step, model, schedulerConfig }: { step: number; model: UNet2DModel; schedulerConfig: core.SchedulerConfig }) => {
              const images = await runPipeline({
                model,
                schedulerName: sampleScheduler,
                schedulerConfig,
                steps: sampleSteps,
                count: gridCount,
                labels: sampleLabels(gridCount, numClasses, undefined),
                guidanceScale: 3,
                generator: new core.Generator(seed).fork('samples'),
                latent,
                ...(clip ? { text: { clip, prompts: gridPrompts } } : {}),
              });
              try {
                await writeFrames(sampleGridPath(folders, step), images, gridColumns(gridCount, gridClasses, true));
              } finally {
                images.dispose();
              }
            },
          }
        : {}),
    };
    try {
      result =
        clip && textEncoder
          ? await trainTextToImage({ ...training, clip, clipLocation: textEncoder.record, config })
          : await trainDiffusion({ ...training, config });
      progress.done(result.summary);
      if (result.workers > 1) io.stdout.write(`trained data-parallel on ${result.workers} worker threads (--workers 1: one thread)\n`);
      return reportTrainingEnd(io, commandPath, result.summary, folders.out, interrupt);
    } finally {
      interrupt.dispose();
    }
  } finally {
    result?.dispose();
    latent?.autoencoder.dispose();
    clip?.dispose();
  }
}

/** `--resume` of a text-conditioned run needs the same --text-encoder (and a plain run none). */
function checkResumedTextEncoder(out: string, resume: boolean, textEncoder: TextEncoderLocation | null): void {
  const path = join(out, RUN_FILE);
  if (!resume || !existsSync(path)) return;
  let previous: unknown;
  try {
    previous = (JSON.parse(readFileSync(path, 'utf8')) as { textEncoder?: unknown }).textEncoder;
  } catch {
    return;
  }
  const given = textEncoder?.record;
  if (previous !== given) {
    throw new UsageError(
      '--text-encoder',
      given,
      previous === undefined ? `must be omitted: the run being resumed in ${out} is not text-conditioned` : `must be ${JSON.stringify(previous)}, the text encoder of the run being resumed in ${out}`,
    );
  }
}

/** Images in [−1, 1] → z ~ q(z | x) times the scaling factor (trainDiffusion's `encodeImages`). */
export function encoderOf({ autoencoder, scalingFactor }: Latent) {
  return (images: tf.Tensor4D, generator: core.Generator): tf.Tensor4D =>
    tf.tidy(() => tf.mul(autoencoder.encode(images).latentDist.sample({ generator }), scalingFactor) as tf.Tensor4D);
}

const PRETRAINED: PretrainedLookup = { names: PRETRAINED_DIFFUSION_MODELS, dir: (name) => pretrainedDiffusionDir(name as PretrainedDiffusionName) };

/** Finds and checks a diffusion checkpoint without touching tensors (before the backend starts). */
function findDiffusionCheckpoint(given: string | undefined, commandPath: string) {
  const checkpoint = resolveCheckpoint(given, commandPath, PRETRAINED);
  const config = checkpointConfig('diffusion', checkpoint.location);
  const model = config.model as UNet2DConfig | undefined;
  if (typeof model !== 'object' || model === null || typeof config.scheduler !== 'object' || config.scheduler === null) {
    throw new core.GenError(`${checkpoint.location} is not a readable diffusion checkpoint: its config has no model or scheduler`);
  }
  // An unCLIP decoder cross-attends to image embeddings, not text: gen sample | eval unclip runs it.
  if (config[IMAGE_ENCODER_CONFIG_KEY] !== undefined) {
    throw new UsageError('--checkpoint', given, 'is an unCLIP decoder (conditioned on CLIP image embeddings): use gen sample unclip / gen eval unclip');
  }
  return { checkpoint, config, numClasses: classesOf(model), text: textRecordOf(config, checkpoint.location) };
}

/** The dataset a checkpoint's config records (`training.dataset`, e.g. "mnist" or "mnist/train"), for shipped checkpoints without a run. */
function trainingDatasetOf(config: Record<string, unknown>): unknown {
  const training = config.training as { dataset?: unknown } | null | undefined;
  return typeof training === 'object' && training !== null ? training.dataset : undefined;
}

/** @gen/diffusion's loadDiffusion (the EMA weights when saved), with the CLI's one-line error. */
export async function loadDiffusionAt(location: string): Promise<LoadedDiffusion> {
  return loadCheckpointOrFail('diffusion', location, () => loadDiffusion(location));
}

/** `--guidance-scale` (or its shorthand `--guidance`): the CFG weight of conditional checkpoints (default: the checkpoint's recommended scale, else 3). */
export function guidanceOf(options: Record<string, unknown>, conditional: boolean, config: Record<string, unknown>): number {
  const scale = options['guidance-scale'] as number | undefined;
  const short = options.guidance as number | undefined;
  if (scale !== undefined && short !== undefined) throw new UsageError('--guidance', String(short), 'is --guidance-scale: give one of them');
  const given = scale ?? short;
  if (given !== undefined && !conditional) {
    throw new UsageError(scale !== undefined ? '--guidance-scale' : '--guidance', String(given), 'must be omitted: the checkpoint is unconditional');
  }
  // Else the checkpoint's measured best (ship-pretrained --sampling), else 3.
  return given ?? recordedGuidance(config, 3);
}

async function sampleDiffusionCommand(context: CommandContext): Promise<number> {
  const { options, io, verbose, commandPath } = context;
  const n = options.n as number;
  const label = options.label as number | undefined;
  const seed = options.seed as number;
  const out = resolve(options.out as string);
  const found = findDiffusionCheckpoint(options.checkpoint as string | undefined, commandPath);
  if (found.text && options.image !== undefined) {
    throw new UsageError('--image', options.image as string, 'must be omitted: the checkpoint is text-conditioned (its --prompt is the condition); reference images work with unconditional and class-conditional checkpoints');
  }
  if (found.text) return sampleTextToImageCommand(context, found, found.text);
  const { checkpoint, config, numClasses } = found;
  if (options['text-encoder'] !== undefined) {
    throw new UsageError('--text-encoder', options['text-encoder'] as string, 'must be omitted: the checkpoint is not text-conditioned (train one with gen train diffusion --text-encoder <clip>)');
  }
  checkLabel(label, numClasses);
  const guidanceScale = guidanceOf(options, numClasses > 0, config);
  if (options.prompt !== undefined && options.clip === undefined) {
    throw new UsageError(
      '--clip',
      undefined,
      `is required with --prompt: the checkpoint is ${numClasses > 0 ? 'class-conditional' : 'unconditional'}, not text-conditioned, so --prompt means CLIP guidance: ${commandPath} --prompt "${options.prompt as string}" --clip <dir> (or train a text-conditioned UNet with gen train diffusion --text-encoder <clip>)`,
    );
  }
  // --image ref.png: img2img from it (--strength), CLIP guidance toward its image embedding (--clip), or both.
  const referenced = referenceRequest(options, commandPath, null);
  const strength = options.strength as number | undefined;
  if (strength !== undefined && !referenced) throw new UsageError('--strength', String(strength), 'needs --image ref.png (img2img redraws the reference)');
  const img2imgStrength = referenced ? (strength ?? (referenced.location === null ? DEFAULT_IMG2IMG_STRENGTH : null)) : null;
  const request = referenced ? null : promptRequest(options, commandPath);
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const { model, schedulerConfig, usedEma } = await loadDiffusionAt(checkpoint.location);
  let latent: Latent | null = null;
  const clipAt = request ?? (referenced?.location ? { location: referenced.location } : null);
  const clip = clipAt ? await loadPromptClip(clipAt) : null;
  let reference: tf.Tensor3D | null = null;
  try {
    latent = await latentOf(config, checkpoint.location);
    if (referenced) reference = await readReferenceImage(referenced.image, latent ? latent.autoencoder.imageShape : [model.config.height, model.config.width, model.config.inChannels], "the model's");
    const img2img = reference && img2imgStrength !== null ? { image: tf.expandDims(reference, 0), strength: img2imgStrength } : undefined;
    // --prompt / --image without --label: the target says what to draw, so a class-conditional checkpoint samples its null class (the unconditional model of CFG training).
    const labels = (request || referenced) && label === undefined ? null : sampleLabels(n, numClasses, label);
    const seeds = Array.from({ length: n }, (_, i) => sampleSeed(seed, i));
    const columns = gridColumns(n, labels ? numClasses : 0, label === undefined);
    const promptedParts: tf.Tensor4D[] = [];
    let prompted: tf.Tensor4D | null = null;
    const schedulerName = options.scheduler as SchedulerName;
    let images: tf.Tensor4D | null = null;
    try {
      images = await samplePerSeed(seeds, (i, generator) =>
        runPipeline({ model, schedulerName, schedulerConfig, steps: options.steps as number, count: 1, labels: labels ? [labels[i]] : null, guidanceScale, generator, latent, img2img }),
      );
      // --prompt / --image with --clip: the same seeds again, with CLIP guidance (its view shifts drawn from a fork of each seed).
      let prompt: Awaited<ReturnType<typeof reportPrompt>> | null = null;
      let referenceReport: Awaited<ReturnType<typeof reportReference>> | null = null;
      if (clip && (request || reference)) {
        const scale = options['clip-scale'] as number;
        const cutouts = options.cutouts as number;
        const maxShift = options['max-shift'] as number;
        for (let i = 0; i < n; i++) {
          const guidance = clipGuidanceFor(clip, request ? request.prompt : (reference as tf.Tensor3D), latent, { scale, cutouts, maxShift }, new core.Generator(seeds[i]).fork('prompt'));
          try {
            promptedParts.push(
              await runPipeline({
                model,
                schedulerName,
                schedulerConfig,
                steps: options.steps as number,
                count: 1,
                labels: labels ? [labels[i]] : null,
                guidanceScale,
                generator: new core.Generator(seeds[i]),
                latent,
                guidance,
                img2img,
              }),
            );
          } finally {
            guidance.dispose();
          }
        }
        prompted = tf.concat(promptedParts) as tf.Tensor4D;
        if (request) prompt = await reportPrompt({ out, clip, request, prompted, unprompted: images, columns, settings: { clipScale: scale, cutouts, maxShift } });
      }
      if (referenced && reference) {
        const settings = { ...(img2img ? { strength: img2img.strength } : {}), ...(clip ? { clipScale: options['clip-scale'], cutouts: options.cutouts, maxShift: options['max-shift'] } : {}) };
        referenceReport = await reportReference({ out, request: referenced, reference, clip, images: prompted ?? images, unguided: prompted ? images : null, columns, settings });
      }
      const written = await writeSampleSet({
        out,
        images: prompted ?? images,
        seeds,
        labels,
        columns,
        extra: {
          family: 'diffusion',
          checkpoint: checkpoint.location,
          step: checkpoint.step,
          scheduler: schedulerName,
          steps: options.steps,
          ...(labels ? { guidanceScale } : {}),
          ...(numClasses > 0 && !labels ? { nullClass: true } : {}),
          ema: usedEma,
          ...(latent ? { autoencoder: config.autoencoder, scalingFactor: latent.scalingFactor } : {}),
          ...(prompt ? { prompt: prompt.record } : {}),
          ...(referenceReport ? { image: (referenced as ReferenceRequest).image, reference: referenceReport.record } : {}),
        },
      });
      const toward = request
        ? `, CLIP-guided toward ${JSON.stringify(request.prompt)}`
        : referenced
          ? `, ${[img2img ? `img2img from ${referenced.image} at strength ${img2img.strength}` : '', clip ? `CLIP-guided toward ${img2img ? 'it' : referenced.image}` : ''].filter(Boolean).join(', ')}`
          : '';
      io.stdout.write(`sampled ${n} images from ${checkpoint.location} (${schedulerName}, ${String(options.steps)} steps${usedEma ? ', EMA weights' : ''}${toward})\n${written.grid}\n${written.json}\n`);
      if (prompt) io.stdout.write(`${prompt.line}\n`);
      if (referenceReport) io.stdout.write(`${referenceReport.line}\n`);
    } finally {
      tf.dispose(promptedParts);
      images?.dispose();
      prompted?.dispose();
      img2img?.image.dispose();
    }
    return 0;
  } finally {
    model.dispose();
    latent?.autoencoder.dispose();
    clip?.dispose();
    reference?.dispose();
  }
}

async function evalDiffusionCommand(context: CommandContext): Promise<number> {
  const { options, io, verbose, commandPath } = context;
  const n = options.n as number;
  const seed = options.seed as number;
  checkClipEvalFlags(options, Object.keys(CLIP_EVAL_OPTIONS), ['guidance-scale', 'guidance', 'pairs', 'text-encoder']);
  const found = findDiffusionCheckpoint(options.checkpoint as string | undefined, commandPath);
  if (options.clip !== undefined && found.text) {
    throw new UsageError('--clip', options.clip as string, 'must be omitted: the checkpoint is text-conditioned, so gen eval diffusion already measures how its prompts are followed (through the CLIP it was trained with)');
  }
  if (options.clip !== undefined) return evalClipGuidedDiffusion(context, found);
  if (found.text) return evalTextToImageCommand(context, found, found.text);
  const { checkpoint, config, numClasses } = found;
  for (const flag of ['text-encoder', 'pairs'] as const) {
    if (options[flag] !== undefined) throw new UsageError(`--${flag}`, String(options[flag]), 'must be omitted: the checkpoint is not text-conditioned');
  }
  const guidanceScale = guidanceOf(options, numClasses > 0, config);
  const dataset = evalDataset(options.dataset as DatasetChoice | undefined, checkpoint, trainingDatasetOf(config));
  const real = await realTestImages(dataset);
  checkEvalN(n, dataset, real.size, '--n');
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const { model, schedulerConfig, usedEma } = await loadDiffusionAt(checkpoint.location);
  const parts: tf.Tensor4D[] = [];
  let samples: tf.Tensor4D | null = null;
  let latent: Latent | null = null;
  try {
    latent = await latentOf(config, checkpoint.location);
    const classifier = await loadClassifier(dataset);
    if (!classifier) throw new core.GenError(`the feature classifier for ${dataset} was not found (@gen/core's assets/feature-classifiers/${dataset})`);
    const labels = sampleLabels(n, numClasses, undefined);
    const batch = options['batch-size'] as number;
    try {
      for (let start = 0, chunk = 0; start < n; start += batch, chunk++) {
        const count = Math.min(batch, n - start);
        parts.push(
          await runPipeline({
            model,
            schedulerName: options.scheduler as SchedulerName,
            schedulerConfig,
            steps: options.steps as number,
            count,
            labels: labels ? labels.subarray(start, start + count) : null,
            guidanceScale,
            generator: new core.Generator(seed).fork(`eval/${chunk}`),
            latent,
          }),
        );
      }
      samples = tf.concat(parts) as tf.Tensor4D;
      const metrics = await scoreSamples({ samples, labels, classifier, real, n, seed });
      const path = writeMetrics(io, resolve(options.out as string), {
        family: 'diffusion',
        checkpoint: checkpoint.location,
        step: checkpoint.step,
        dataset,
        conditional: numClasses > 0,
        scheduler: options.scheduler,
        steps: options.steps,
        ...(numClasses > 0 ? { guidanceScale } : {}),
        ema: usedEma,
        ...(latent ? { autoencoder: config.autoencoder, scalingFactor: latent.scalingFactor } : {}),
        seed,
        ...metrics,
      });
      io.stdout.write(
        `${formatSampleMetrics(metrics)} (n ${n}, ${dataset} test)\n${path}\n`,
      );
    } finally {
      classifier.dispose();
    }
    return 0;
  } finally {
    tf.dispose(parts);
    samples?.dispose();
    model.dispose();
    latent?.autoencoder.dispose();
  }
}

type FoundCheckpoint = ReturnType<typeof findDiffusionCheckpoint>;

/**
 * `gen eval diffusion --clip <dir>`: prompted-class accuracy of CLIP-guided sampling
 * (evaluateClipGuidance). The UNet samples unconditionally — a class-conditional checkpoint its
 * null class, the unconditional model its CFG training learned — so the prompt alone, through
 * CLIP guidance of x̂₀ (decoded by the autoencoder for latent checkpoints), decides the class.
 */
async function evalClipGuidedDiffusion({ options, io, verbose, commandPath }: CommandContext, found: FoundCheckpoint): Promise<number> {
  const { checkpoint, config, numClasses } = found;
  const n = options.n as number;
  const seed = options.seed as number;
  const value = <T>(name: string) => clipOptionValue<T>(options, CLIP_EVAL_OPTIONS, name);
  const guidance = { scale: value<number>('clip-scale'), cutouts: value<number>('cutouts'), maxShift: value<number>('max-shift') };
  const clipAt = clipLocation(options.clip as string, commandPath);
  const dataset = evalDataset(options.dataset as DatasetChoice | undefined, checkpoint, trainingDatasetOf(config));
  const schedulerName = options.scheduler as SchedulerName;
  const steps = options.steps as number;
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const real = await realTestImages(dataset);
  checkEvalN(n, dataset, real.size, '--n');
  const { model, schedulerConfig, usedEma } = await loadDiffusionAt(checkpoint.location);
  let latent: Latent | null = null;
  let clip: LoadedClip | null = null;
  let classifier: core.metrics.FeatureClassifier | null = null;
  try {
    latent = await latentOf(config, checkpoint.location);
    clip = await loadPromptClip({ location: clipAt });
    classifier = await loadClassifier(dataset);
    if (!classifier) throw new core.GenError(`the feature classifier for ${dataset} was not found (@gen/core's assets/feature-classifiers/${dataset})`);
    const loaded = clip;
    const batchSize = options['batch-size'] as number;
    const features = classifier;
    const evaluation = await withCpuTime(n, () =>
      evaluateClipGuidance({
        classifier: features,
        classNames: real.classNames,
        n,
        real: real.images,
        batchSize,
        seed,
        settings: { clipScale: guidance.scale, cutouts: guidance.cutouts, maxShift: guidance.maxShift, scheduler: schedulerName, steps, batchSize, ...(numClasses > 0 ? { nullClass: true } : {}) },
        generate: async ({ prompts, rng }) => {
          const hook = clipGuidanceFor(loaded, prompts, latent, guidance, rng.fork('views'));
          try {
            return await runPipeline({ model, schedulerName, schedulerConfig, steps, count: prompts.length, labels: null, guidanceScale: 1, generator: rng.fork('noise'), latent, guidance: hook });
          } finally {
            hook.dispose();
          }
        },
      }),
    );
    const path = writeMetrics(io, resolve(options.out as string), {
      family: 'diffusion',
      checkpoint: checkpoint.location,
      step: checkpoint.step,
      dataset,
      conditional: numClasses > 0,
      ema: usedEma,
      ...(latent ? { autoencoder: config.autoencoder, scalingFactor: latent.scalingFactor } : {}),
      clipGuided: true,
      clip: options.clip,
      prompts: 'held-out templates',
      seed,
      ...evaluation,
    });
    const what = `CLIP guidance scale ${guidance.scale}, ${guidance.cutouts} cutouts, ${schedulerName} ${steps} steps${numClasses > 0 ? ', null class' : ''}${latent ? ', through the autoencoder' : ''}`;
    io.stdout.write(`${clipEvaluationLine(evaluation, dataset, what)}\n${path}\n`);
    return 0;
  } finally {
    model.dispose();
    latent?.autoencoder.dispose();
    clip?.dispose();
    classifier?.dispose();
  }
}

/**
 * `gen sample diffusion` on a text-conditioned checkpoint: --prompt is the text condition (with
 * classifier-free guidance), not CLIP guidance; without it, each class's plain phrase in turn.
 */
async function sampleTextToImageCommand({ options, io, verbose, commandPath }: CommandContext, found: FoundCheckpoint, record: TextEncoderRecord): Promise<number> {
  const { checkpoint, config } = found;
  const n = options.n as number;
  const label = options.label as number | undefined;
  const seed = options.seed as number;
  const out = resolve(options.out as string);
  const prompt = options.prompt as string | undefined;
  const classNames = record.captions.classNames;
  if (options.clip !== undefined) {
    throw new UsageError(
      '--clip',
      options.clip as string,
      'must be omitted: the checkpoint is text-conditioned, so --prompt conditions it through the CLIP it was trained with (--text-encoder <dir> if that one moved)',
    );
  }
  if (prompt !== undefined && label !== undefined) throw new UsageError('--label', String(label), 'cannot be combined with --prompt: the prompt says what to draw');
  checkLabel(label, classNames.length);
  const guidanceScale = guidanceOf(options, true, config);
  const textEncoder = findCheckpointTextEncoder(record, options['text-encoder'] as string | undefined, checkpoint.location, commandPath);
  const labels = prompt === undefined ? sampleLabels(n, classNames.length, label) : null;
  const prompts = labels ? Array.from(labels, (k) => canonicalPhrase(classNames[k])) : Array.from({ length: n }, () => prompt as string);

  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const { model, schedulerConfig, usedEma } = await loadDiffusionAt(checkpoint.location);
  let clip: LoadedClip | null = null;
  let latent: Latent | null = null;
  let images: tf.Tensor4D | null = null;
  try {
    const encoder = await loadTextEncoder(textEncoder, record);
    clip = encoder;
    // The pipeline would keep an over-long prompt's first tokens; the CLI says so instead.
    if (prompt !== undefined) checkPrompt(encoder, prompt, '--prompt');
    latent = await latentOf(config, checkpoint.location);
    const seeds = Array.from({ length: n }, (_, i) => sampleSeed(seed, i));
    const schedulerName = options.scheduler as SchedulerName;
    images = await samplePerSeed(seeds, (i, generator) =>
      runPipeline({ model, schedulerName, schedulerConfig, steps: options.steps as number, count: 1, labels: null, guidanceScale, generator, latent, text: { clip: encoder, prompts: [prompts[i]] } }),
    );
    const written = await writeSampleSet({
      out,
      images,
      seeds,
      labels,
      columns: gridColumns(n, classNames.length, labels !== null && label === undefined),
      extra: {
        family: 'diffusion',
        checkpoint: checkpoint.location,
        step: checkpoint.step,
        scheduler: schedulerName,
        steps: options.steps,
        ...(prompt !== undefined ? { prompt } : { prompts }),
        guidanceScale,
        textEncoder: textEncoder.record,
        ema: usedEma,
        ...(latent ? { autoencoder: config.autoencoder, scalingFactor: latent.scalingFactor } : {}),
      },
    });
    const what = prompt !== undefined ? JSON.stringify(prompt) : label !== undefined ? JSON.stringify(prompts[0]) : "each class's phrase in turn";
    io.stdout.write(
      `sampled ${n} images from ${checkpoint.location} (${schedulerName}, ${String(options.steps)} steps${usedEma ? ', EMA weights' : ''}, text-conditioned on ${what}, guidance ${guidanceScale})\n${written.grid}\n${written.json}\n`,
    );
    return 0;
  } finally {
    images?.dispose();
    model.dispose();
    latent?.autoencoder.dispose();
    clip?.dispose();
  }
}

/**
 * `gen eval diffusion` on a text-conditioned checkpoint: prompted-class accuracy (held-out
 * templates) with FID / KID of those samples, and the attribute pairs of evaluateTextToImage.
 */
async function evalTextToImageCommand({ options, io, verbose, commandPath }: CommandContext, found: FoundCheckpoint, record: TextEncoderRecord): Promise<number> {
  const { checkpoint, config } = found;
  const n = options.n as number;
  const seed = options.seed as number;
  const pairs = (options.pairs as number | undefined) ?? 100;
  const guidanceScale = guidanceOf(options, true, config);
  const textEncoder = findCheckpointTextEncoder(record, options['text-encoder'] as string | undefined, checkpoint.location, commandPath);
  const dataset = evalDataset(options.dataset as DatasetChoice | undefined, checkpoint, trainingDatasetOf(config));
  const real = await realTestImages(dataset);
  checkEvalN(n, dataset, real.size, '--n');
  // The attribute pairs the training captions could mention (weight, size, slant for digits; size for clothes).
  const attributes = (Object.keys(ATTRIBUTE_PAIRS) as AttributePairKind[]).filter((kind) => (record.captions.attributes as string[]).includes(kind));
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const { model, schedulerConfig, usedEma } = await loadDiffusionAt(checkpoint.location);
  let clip: LoadedClip | null = null;
  let latent: Latent | null = null;
  let classifier: core.metrics.FeatureClassifier | null = null;
  try {
    clip = await loadTextEncoder(textEncoder, record);
    latent = await latentOf(config, checkpoint.location);
    classifier = await loadClassifier(dataset);
    if (!classifier) throw new core.GenError(`the feature classifier for ${dataset} was not found (@gen/core's assets/feature-classifiers/${dataset})`);
    const schedulerName = options.scheduler as SchedulerName;
    // Latents are unbounded: never clip x̂₀ (as runPipeline).
    const scheduler = SCHEDULERS[schedulerName].fromConfig((latent ? { ...schedulerConfig, clipSample: false } : schedulerConfig) as never);
    const evaluation = await evaluateTextToImage({
      model,
      scheduler,
      numInferenceSteps: options.steps as number,
      ...(latent ? { vae: latent.autoencoder, vaeScalingFactor: latent.scalingFactor } : {}),
      clip,
      classifier,
      classNames: record.captions.classNames,
      n,
      pairs,
      attributes,
      guidanceScale,
      batchSize: options['batch-size'] as number,
      seed,
      real: real.images,
    });
    const path = writeMetrics(io, resolve(options.out as string), {
      family: 'diffusion',
      checkpoint: checkpoint.location,
      step: checkpoint.step,
      dataset,
      conditional: false,
      textConditioned: true,
      textEncoder: textEncoder.record,
      scheduler: schedulerName,
      steps: options.steps,
      ema: usedEma,
      ...(latent ? { autoencoder: config.autoencoder, scalingFactor: latent.scalingFactor } : {}),
      seed,
      prompts: 'held-out templates',
      ...evaluation,
    });
    const moved = Object.entries(evaluation.attributes)
      .map(([kind, result]) => `${kind} ${(100 * result.moved).toFixed(1)}% (${result.low} → ${result.high})`)
      .join(', ');
    io.stdout.write(
      `${formatSampleMetrics(evaluation as SampleMetrics)} (n ${n}, ${dataset} test, held-out prompts, guidance ${guidanceScale})\n` +
        (moved ? `attribute pairs whose measure moved as prompted: ${moved}; ${pairs} pairs each\n` : '') +
        `${path}\n`,
    );
    return 0;
  } finally {
    model.dispose();
    latent?.autoencoder.dispose();
    clip?.dispose();
    classifier?.dispose();
  }
}

export const diffusionCommands: FamilyCommands = {
  family: 'diffusion',
  summary: 'Diffusion: DDPM-trained UNets (ε / x₀ / v), class-conditional with CFG, any scheduler',
  train: {
    summary: 'Train a diffusion UNet on MNIST or Fashion-MNIST',
    description: [
      'Runs @gen/diffusion trainDiffusion with checkpoints in <out>/checkpoints (--resume continues;',
      'Ctrl-C stops after the current step with a final checkpoint), sample grids (EMA weights) in',
      '<out>/samples and losses in <out>/metrics.jsonl. --workers auto (default) trains data-parallel on',
      'one worker thread per core when each gets >= 8 images of a batch (pixel-space, class-conditional,',
      '--autoencoder latent and --text-encoder UNets; each worker loads the autoencoder / CLIP itself);',
      '--workers 1: one thread.',
    ].join('\n'),
    options: {
      ...trainOptions('diffusion'),
      'prediction-type': { type: 'string', valueName: 'name', description: 'what the UNet predicts: epsilon, sample (x₀) or v', default: 'epsilon', parse: choiceOption(Object.keys(PREDICTION_TYPES)) },
      'snr-gamma': { type: 'string', valueName: 'γ', description: 'min-SNR-γ loss weighting (5 is usual)', defaultLabel: 'off', parse: positiveNumberOption('') },
      'offset-noise': { type: 'string', valueName: 'x', description: 'offset-noise strength (0.1 is usual)', default: 0, parse: nonNegativeNumberOption },
      'self-conditioning': { type: 'boolean', description: 'self-conditioning (the UNet also reads its previous x₀ estimate)', default: false },
      'cond-drop': { type: 'string', valueName: 'p', description: 'probability of dropping the class or the text (classifier-free guidance) with --conditional / --text-encoder', defaultLabel: '0.1', parse: nonNegativeNumberOption },
      ema: { type: 'string', valueName: 'decay', description: 'EMA decay of the weights (0: no EMA)', default: 0.999, parse: nonNegativeNumberOption },
      lr: { type: 'string', valueName: 'x', description: 'peak AdamW learning rate (linear warm-up)', default: 1e-3, parse: positiveNumberOption('') },
      'train-timesteps': { type: 'string', valueName: 'n', description: 'diffusion timesteps T of the forward process', defaultLabel: '1000', parse: integerOption(2, 100000) },
      'sample-scheduler': { type: 'string', valueName: 'name', description: 'sampler of the --every grids', default: 'ddim', parse: choiceOption(SCHEDULER_NAMES) },
      'sample-steps': { type: 'string', valueName: 'n', description: 'denoising steps of the --every grids', default: 20, parse: integerOption(1, 100000) },
      workers: workersOption(),
      autoencoder: {
        type: 'string',
        valueName: 'dir',
        description: "latent diffusion: an AutoencoderKL checkpoint of @gen/vae (the UNet models its latents × the config's scalingFactor, estimated when 1)",
      },
      'text-encoder': {
        type: 'string',
        valueName: 'dir',
        description:
          'text-to-image: a CLIP (gen train clip folder or pretrained:<name>) whose frozen token states the UNet cross-attends to, trained on its captions with condition dropout (sample with --prompt); not with --conditional',
        defaultLabel: 'none',
        parse: nonEmptyOption,
      },
      config: configOption(UNET_CONFIG_FIELDS.join(', ')),
    },
    examples: [
      'gen train diffusion --dataset mnist --steps 20000 --out runs/ddpm',
      'gen train diffusion --dataset fashion --conditional --prediction-type v --snr-gamma 5 --out runs/cfg',
      'gen train diffusion --dataset mnist --autoencoder runs/ae --config \'{"blockOutChannels":[64,128],"attentionLevels":[false,true]}\' --out runs/ldm',
      'gen train diffusion --dataset mnist --text-encoder runs/clip-mnist --out runs/text-to-image',
    ],
    run: trainDiffusionCommand,
  },
  sample: {
    summary: 'Sample images from a diffusion checkpoint with any scheduler',
    options: {
      ...sampleOptions('diffusion'),
      ...samplerOptions(20),
      ...promptOptions(
        'the same seeds are sampled again with CLIP guidance toward it (of the decoded x̂₀ for latent checkpoints; a class-conditional checkpoint without --label samples its null class); on a text-conditioned checkpoint it is the text condition itself (no --clip)',
      ),
      ...imageOption(
        `img2img: the reference is noised to --strength of the schedule and redrawn (latent checkpoints encode it with their autoencoder); with --clip, the same seeds are sampled again with CLIP guidance toward its image embedding (from noise unless --strength is given); a class-conditional checkpoint without --label samples its null class`,
      ),
      strength: {
        type: 'string',
        valueName: 'x',
        description: 'img2img strength with --image: the fraction of the schedule run from the noised reference (0: keep it, 1: from noise)',
        defaultLabel: `${DEFAULT_IMG2IMG_STRENGTH}; with --clip none (from noise)`,
        parse: unitIntervalOption,
      },
      ...textEncoderOverrideOption(),
      ...CLIP_SCALE_OPTION,
      ...viewOptions(),
    },
    examples: [
      'gen sample diffusion --checkpoint runs/cfg --label 3 --scheduler ddim --steps 20 --guidance-scale 3',
      'gen sample diffusion --checkpoint runs/ddpm --prompt "a thin, slanted seven" --clip runs/clip-mnist --n 16 --out out/seven',
      'gen sample diffusion --checkpoint runs/text-to-image --prompt "a thin, slanted seven" --guidance 4 --n 16 --out out/seven',
      'gen sample diffusion --checkpoint pretrained:mnist --image ref.png --strength 0.4 --n 8 --out out/img2img',
      'gen sample diffusion --checkpoint pretrained:mnist --image ref.png --clip pretrained:mnist --n 8 --out out/like-ref',
    ],
    run: sampleDiffusionCommand,
  },
  eval: {
    summary: 'FID, floor, ratio, KID (and class accuracy; prompt-following for text-conditioned checkpoints) of a diffusion checkpoint',
    options: {
      ...evalOptions('diffusion'),
      ...samplerOptions(20),
      'batch-size': { type: 'string', valueName: 'n', description: 'images per pipeline run', default: 100, parse: integerOption(1, 100000) },
      pairs: {
        type: 'string',
        valueName: 'n',
        description: 'text-conditioned checkpoints: same-seed prompt pairs per attribute (thin/bold, small/large, left/right-slanted) whose measured attribute should move as asked',
        defaultLabel: '100',
        parse: integerOption(0, 1000000),
      },
      ...textEncoderOverrideOption(),
      ...clipEvalOption('sampled unconditionally (a class-conditional checkpoint: its null class) with CLIP guidance toward it'),
      ...clipOnlyOptions(CLIP_EVAL_OPTIONS),
    },
    examples: [
      'gen eval diffusion --checkpoint runs/ddpm --n 1000 --scheduler ddim --steps 20',
      'gen eval diffusion --checkpoint runs/text-to-image --n 1000 --pairs 100 --guidance 4',
      'gen eval diffusion --checkpoint pretrained:mnist --clip pretrained:mnist --n 100 --clip-scale 100 --steps 20',
    ],
    run: evalDiffusionCommand,
  },
};
