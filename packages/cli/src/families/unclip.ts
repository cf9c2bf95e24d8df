// gen train | sample | eval unclip and gen train | eval unclip-prior: @gen/clip-guidance's unCLIP
// route (docs/models/unclip.md) behind the command line — a diffusion decoder conditioned on CLIP
// image embeddings (its checkpoints are diffusion checkpoints with an `imageEncoder` record), a
// prior from CLIP text to image embeddings, text-to-image through both, and image variations.
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as core from '@gen/core';
import * as coreNode from '@gen/core/node';
import { DEFAULT_UNET_CONFIG, SCHEDULERS, UNet2DModel, type SchedulerName, type UNet2DConfigInput } from '@gen/diffusion';
import {
  checkClipMatchesImageRecord,
  checkImageTokens,
  checkPrompt,
  clipImageShape,
  DEFAULT_COPY_THRESHOLD,
  DEFAULT_MAX_REDRAWS,
  evaluateUnclip,
  evaluateUnclipPrior,
  generateFromImageEmbeddings,
  imageEncoderRecordOf,
  imageVariations,
  loadClip,
  loadPrior,
  PRIOR_FAMILY,
  PRIOR_KINDS,
  trainUnclipDecoder,
  trainUnclipPrior,
  unclipPipeline,
  type Clip,
  type ImageEncoderRecord,
  type LoadedClip,
  type LoadedPrior,
  type PriorKind,
} from '@gen/clip-guidance';
import { choiceOption, integerOption, nonEmptyOption } from '../options';
import type { CommandContext, FamilyCommands } from '../registry';
import { setupBackend } from '../setup-backend';
import { PRETRAINED_UNCLIP_DECODER_CHECKPOINTS, PRETRAINED_UNCLIP_PRIOR_CHECKPOINTS } from './unclip-pretrained';
import { UsageError } from '../usage-error';
import { encoderOf, findAutoencoder, guidanceOf, latentOf, loadDiffusionAt, loadTrainingLatent, resolveTextEncoder, samplerOptions, type Latent } from './diffusion';
import {
  checkConfigKeys,
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
  appendJsonLine,
  checkEvalN,
  resolveCheckpoint,
  sampleGridPath,
  sampleOptions,
  sampleSeed,
  tenth,
  trainingDatasetOf,
  trainOptions,
  TrainingProgress,
  writeFrames,
  writeMetrics,
  writeRunRecord,
  writeSampleSet,
  type DatasetChoice,
} from './shared';
import { recordedCandidates, recordedGuidance } from './recorded-guidance';

const UNET_CONFIG_FIELDS = ['blockOutChannels', 'layersPerBlock', 'attentionLevels', 'midBlockAttention', 'attentionHeadDim', 'normNumGroups', 'timeEmbeddingDim'] as const;
const PREDICTION_TYPES = { epsilon: 'epsilon', sample: 'sample', v: 'v_prediction', v_prediction: 'v_prediction' } as const;

/** `--clip <dir|pretrained:name>`: the CLIP a decoder or prior is trained with (checked before the backend starts). */
function clipOption(what: string) {
  return { type: 'string' as const, valueName: 'dir', description: `${what} (a gen train clip folder or pretrained:<name>)`, defaultLabel: 'required', parse: nonEmptyOption };
}

/** Where the CLIP of `--clip` is (required), as a location to load and the string to record. */
function requiredClip(options: Record<string, unknown>, commandPath: string) {
  const given = options.clip as string | undefined;
  if (given === undefined) throw new UsageError('--clip', undefined, `is required: ${commandPath} --clip pretrained:mnist (the CLIP whose embeddings are used)`);
  return resolveTextEncoder(given, commandPath, '--clip');
}

/** The CLIP a decoder or prior checkpoint records (or `--clip` when given: it moved). */
function recordedClip(recorded: string | null, given: string | undefined, location: string, commandPath: string) {
  if (given !== undefined) return resolveTextEncoder(given, commandPath, '--clip');
  if (recorded === null) throw new UsageError('--clip', undefined, `is required: ${location} does not record where its CLIP is`);
  try {
    return resolveTextEncoder(recorded, commandPath, 'clip');
  } catch (error) {
    throw new core.GenError(`${location} was trained with the CLIP ${recorded}, which cannot be read (${(error as Error).message.replace(/^clip \([^)]*\) /, '')}); give --clip <dir>`);
  }
}

async function loadClipAt(location: string): Promise<LoadedClip> {
  return loadCheckpointOrFail('clip', location, () => loadClip(location));
}

/** A decoder checkpoint (a diffusion checkpoint with an image encoder record), found before the backend starts. */
function findDecoder(given: string | undefined, commandPath: string) {
  const checkpoint = resolveCheckpoint(given, commandPath, PRETRAINED_UNCLIP_DECODER_CHECKPOINTS);
  const config = checkpointConfig('diffusion', checkpoint.location);
  let record: ImageEncoderRecord | null;
  try {
    record = imageEncoderRecordOf(config);
  } catch (error) {
    throw new core.GenError(`${checkpoint.location} is not a readable unCLIP decoder: ${(error as Error).message}`);
  }
  if (!record) throw new UsageError('--checkpoint', given, 'is not an unCLIP decoder (a diffusion checkpoint without config.imageEncoder): train one with gen train unclip --clip <clip>');
  return { checkpoint, config, record };
}

/** A prior checkpoint (`--prior <dir>`), found before the backend starts. */
function findPrior(given: string, commandPath: string, flag = '--prior') {
  let found;
  try {
    found = resolveCheckpoint(given, commandPath, PRETRAINED_UNCLIP_PRIOR_CHECKPOINTS);
  } catch (error) {
    if (UsageError.isInstance(error)) throw new UsageError(flag, given, error.message.replace(/^--checkpoint (\([^)]*\) )?/, ''));
    throw error;
  }
  const config = checkpointConfig(PRIOR_FAMILY, found.location);
  return { checkpoint: found, config, clip: typeof config.clip === 'string' ? config.clip : null };
}

async function loadPriorAt(location: string, clip: Clip): Promise<LoadedPrior> {
  const prior = await loadCheckpointOrFail(PRIOR_FAMILY, location, () => loadPrior(location));
  if (prior.config.embedDim !== clip.embedDim) {
    prior.dispose();
    throw new core.GenError(`${location} maps ${prior.config.embedDim}-wide embeddings, not the CLIP's ${clip.embedDim}: use the prior trained with the decoder's CLIP`);
  }
  return prior;
}

// ---- gen train unclip (the decoder) ----

async function trainDecoderCommand({ options, io, verbose, argv, commandPath }: CommandContext): Promise<number> {
  const steps = options.steps as number;
  const dataset = options.dataset as DatasetChoice;
  const overrides = checkConfigKeys(options.config as Record<string, unknown> | undefined, UNET_CONFIG_FIELDS);
  const predictionType = PREDICTION_TYPES[options['prediction-type'] as keyof typeof PREDICTION_TYPES];
  const every = (options.every as number | undefined) ?? tenth(steps);
  const checkpointEvery = (options['checkpoint-every'] as number | undefined) ?? tenth(steps);
  const tokens = options.tokens as number;
  const clipFound = requiredClip(options, commandPath);
  const autoencoderLocation = options.autoencoder === undefined ? null : findAutoencoder(options.autoencoder as string, commandPath, '--autoencoder');
  const folders = prepareRun(options.out as string, options.resume as boolean, steps);

  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const data = await loadTrainingData(dataset, options['limit-data'] as number | undefined);
  const seed = options.seed as number;
  let latent: Latent | null = null;
  let clip: LoadedClip | null = null;
  let result: Awaited<ReturnType<typeof trainUnclipDecoder>> | null = null;
  try {
    clip = await loadClipAt(clipFound.location);
    try {
      checkImageTokens(tokens, clip.embedDim, '--tokens');
    } catch (error) {
      throw new UsageError('--tokens', String(tokens), `must divide the CLIP's embedding width (${clip.embedDim})`);
    }
    const shape = clipImageShape(clip);
    if (shape[0] !== data.height || shape[1] !== data.width || shape[2] !== data.channels) {
      throw new UsageError('--clip', clipFound.record, `encodes ${shape.join('×')} images, not the dataset's ${data.height}×${data.width}×${data.channels}`);
    }
    if (autoencoderLocation !== null) latent = await loadTrainingLatent(autoencoderLocation, options.autoencoder as string, data, seed);
    const [inputHeight, inputWidth, inputChannels] = latent ? latent.autoencoder.latentShape : [data.height, data.width, data.channels];
    const config: UNet2DConfigInput = {
      ...DEFAULT_UNET_CONFIG,
      height: inputHeight,
      width: inputWidth,
      inChannels: inputChannels,
      outChannels: inputChannels,
      ...(overrides as Partial<UNet2DConfigInput>),
      numClasses: null,
      crossAttentionDim: clip.embedDim,
    };
    try {
      new UNet2DModel({ ...config, generator: new core.Generator(0) }).dispose();
    } catch (error) {
      if (core.InvalidArgumentError.isInstance(error)) throw new UsageError('--config', JSON.stringify(overrides), `is not a valid UNet config: ${error.message}`);
      throw error;
    }
    const latentRecord: Record<string, core.JsonValue> = latent ? { autoencoder: autoencoderLocation as string, scalingFactor: latent.scalingFactor } : {};
    writeRunRecord(
      folders,
      {
        family: 'diffusion',
        dataset,
        conditional: false,
        numClasses: 0,
        classNames: data.classNames,
        argv: ['train', 'unclip', ...argv],
        predictionType,
        config: config as unknown as Record<string, unknown>,
        ...latentRecord,
        imageEncoder: clipFound.record,
      },
      options.resume as boolean,
    );
    io.stdout.write(
      `data: ${data.name}, ${data.size} images; unCLIP decoder ${JSON.stringify(config.blockOutChannels)}${latent ? ` over latents ${config.height}×${config.width}×${config.inChannels} of ${autoencoderLocation}` : ''}, conditioned on ${clipFound.record} image embeddings (${tokens} tokens × ${clip.embedDim}, CFG dropout), prediction ${predictionType}\n`,
    );
    if (folders.startStep > 0) io.stdout.write(`resuming from step ${folders.startStep}\n`);

    const progress = new TrainingProgress(io, 'train unclip', folders.startStep, steps);
    const interrupt = interruptSignal(io, options['max-minutes']);
    const folderStore = coreNode.folderStore(folders.checkpoints);
    const checkpointStore: core.CheckpointStore = latent
      ? {
          location: folderStore.location,
          save: (step, contents) => folderStore.save(step, { ...contents, config: { ...(contents.config as Record<string, core.JsonValue>), ...latentRecord } }),
          loadLatest: (loadOptions) => folderStore.loadLatest(loadOptions),
          prune: (keep) => folderStore.prune(keep),
        }
      : folderStore;
    // Sample grids: a row per class, each image decoded from the embedding of a training image of that class.
    const classCount = data.classNames.length;
    const perClass = Math.max(1, Math.floor(64 / classCount));
    const gridIndices = Array.from({ length: classCount * perClass }, (_, i) => nthOfClass(data, i % classCount, Math.floor(i / classCount)));
    const encoder = clip;
    const sessionStarted = performance.now();
    try {
      result = await trainUnclipDecoder({
        dataset: data,
        clip,
        clipLocation: clipFound.record,
        tokens,
        config,
        steps,
        batchSize: options['batch-size'] as number,
        predictionType,
        ...(options['snr-gamma'] !== undefined ? { snrGamma: options['snr-gamma'] as number } : {}),
        ...(options['cond-drop'] !== undefined ? { conditionDropProb: options['cond-drop'] as number } : {}),
        ema: (options.ema as number) > 0 ? { decay: options.ema as number, warmup: 'power' as const } : (false as const),
        lr: options.lr as number,
        seed,
        ...(latent ? { encodeImages: encoderOf(latent) } : {}),
        checkpointStore,
        checkpointEvery,
        checkpointKeep: options.keep as number,
        resume: options.resume as boolean,
        signal: interrupt.signal,
        logEvery: every > 0 ? gcd(10, every) : 10,
        onProgress: (event) => {
          // elapsed: seconds since this session started (a resumed run's training time is the sum over sessions), as gen train diffusion writes it.
          appendJsonLine(folders.metricsFile, { step: event.step, losses: event.losses, stepsPerSecond: event.stepsPerSecond, eta: event.eta, elapsed: (performance.now() - sessionStarted) / 1000 });
          return progress.update(event);
        },
        ...(every > 0
          ? {
              sampleEvery: every,
              onSample: async ({ step, model, schedulerConfig }) => {
                const images = await decodeTrainingImages({ model, schedulerConfig, clip: encoder, data, indices: gridIndices, tokens, latent, steps: options['sample-steps'] as number, seed });
                try {
                  await writeFrames(sampleGridPath(folders, step), images, gridColumns(gridIndices.length, classCount, true));
                } finally {
                  images.dispose();
                }
              },
            }
          : {}),
      });
      progress.done(result.summary);
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

/** Index of the k-th image of class `label` (wrapping around when the class has fewer). */
function nthOfClass(data: core.ImageDataset, label: number, k: number): number {
  const members: number[] = [];
  for (let i = 0; i < data.size && members.length <= k; i++) if (data.labels[i] === label) members.push(i);
  return members.length === 0 ? 0 : members[k % members.length];
}

/** The training grid: the decoder's samples from the CLIP embeddings of `indices` (DDIM, guidance 3). */
async function decodeTrainingImages(options: {
  model: UNet2DModel;
  schedulerConfig: core.SchedulerConfig;
  clip: Clip;
  data: core.ImageDataset;
  indices: number[];
  tokens: number;
  latent: Latent | null;
  steps: number;
  seed: number;
}): Promise<tf.Tensor4D> {
  const { model, schedulerConfig, clip, data, indices, tokens, latent, steps, seed } = options;
  const pixels = data.height * data.width * data.channels;
  const images = new Float32Array(indices.length * pixels);
  indices.forEach((index, row) => images.set(data.images.subarray(index * pixels, (index + 1) * pixels), row * pixels));
  const embeddings = tf.tidy(() => clip.encodeImage(tf.tensor4d(images, [indices.length, data.height, data.width, data.channels])));
  try {
    const scheduler = SCHEDULERS.ddim.fromConfig((latent ? { ...schedulerConfig, clipSample: false } : schedulerConfig) as never);
    const output = await generateFromImageEmbeddings({
      model,
      scheduler,
      embeddings,
      tokens,
      guidanceScale: 3,
      numInferenceSteps: steps,
      generator: new core.Generator(seed).fork('samples'),
      ...(latent ? { vae: latent.autoencoder, vaeScalingFactor: latent.scalingFactor } : {}),
    });
    return output.images as tf.Tensor4D;
  } finally {
    embeddings.dispose();
  }
}

// ---- gen sample unclip ----

async function sampleUnclipCommand({ options, io, verbose, commandPath }: CommandContext): Promise<number> {
  const n = options.n as number;
  const seed = options.seed as number;
  const out = resolve(options.out as string);
  const image = options.image as string | undefined;
  const prompt = options.prompt as string | undefined;
  const priorGiven = options.prior as string | undefined;
  if ((image === undefined) === (prompt === undefined)) {
    throw new UsageError(image === undefined ? '--image' : '--prompt', image ?? prompt, image === undefined ? 'or --prompt is required: --image ref.png (variations) or --prompt "<text>" --prior <dir> (text-to-image)' : 'cannot be combined with --image: give one');
  }
  if (prompt !== undefined && priorGiven === undefined) throw new UsageError('--prior', undefined, `is required with --prompt: ${commandPath} --prompt "${prompt}" --prior <dir> (a gen train unclip-prior run)`);
  if (image !== undefined && priorGiven !== undefined) throw new UsageError('--prior', priorGiven, 'must be omitted with --image: variations decode the reference\'s own image embedding');
  const redraw = redrawOptionsOf(options);
  const { checkpoint, config, record } = findDecoder(options.checkpoint as string | undefined, commandPath);
  const clipFound = recordedClip(record.clip, options.clip as string | undefined, checkpoint.location, commandPath);
  const prior = priorGiven === undefined ? null : findPrior(priorGiven, commandPath);
  const guidanceScale = guidanceOf(options, true, config);
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const { model, schedulerConfig, usedEma } = await loadDiffusionAt(checkpoint.location);
  let clip: LoadedClip | null = null;
  let loadedPrior: LoadedPrior | null = null;
  let latent: Latent | null = null;
  let reference: tf.Tensor3D | null = null;
  let images: tf.Tensor | null = null;
  try {
    clip = await loadClipAt(clipFound.location);
    try {
      checkClipMatchesImageRecord(clip, record);
    } catch (error) {
      throw new core.GenError(`${clipFound.location}: ${(error as Error).message}`);
    }
    if (prompt !== undefined) checkPrompt(clip, prompt, '--prompt');
    if (image !== undefined) reference = await readReferenceImage(image, record.imageShape);
    if (prior) loadedPrior = await loadPriorAt(prior.checkpoint.location, clip);
    latent = await latentOf(config, checkpoint.location);
    const schedulerName = options.scheduler as SchedulerName;
    const scheduler = SCHEDULERS[schedulerName].fromConfig((latent ? { ...schedulerConfig, clipSample: false } : schedulerConfig) as never);
    const common = {
      model,
      scheduler,
      clip,
      tokens: record.tokens,
      guidanceScale,
      numInferenceSteps: options.steps as number,
      generator: new core.Generator(sampleSeed(seed, 0)),
      ...(latent ? { vae: latent.autoencoder, vaeScalingFactor: latent.scalingFactor } : {}),
    };
    const priorOptions = priorSamplingOf(options, loadedPrior);
    let extra: Record<string, unknown>;
    if (reference) {
      const { redrawBelow, maxRedraws } = redraw;
      const output = await imageVariations({ ...common, image: reference, n, redrawBelow, maxRedraws });
      images = output.images;
      const { distances } = output;
      extra = { image: resolve(image as string), meanDistance: mean(distances), minDistance: Math.min(...distances), redrawBelow, maxRedraws, redrawn: output.redrawn, copiesLeft: output.copiesLeft };
    } else {
      const output = await unclipPipeline({ ...common, prior: loadedPrior!, prompts: Array.from({ length: n }, () => prompt as string), priorOptions });
      output.embeddings.dispose();
      images = output.images;
      extra = { prompt, prior: prior!.checkpoint.location, priorKind: loadedPrior!.config.kind, ...priorRecord(loadedPrior!, priorOptions) };
    }
    const seeds = Array.from({ length: n }, () => sampleSeed(seed, 0));
    const written = await writeSampleSet({
      out,
      images: images as tf.Tensor4D,
      seeds,
      labels: null,
      columns: gridColumns(n, 0, false),
      extra: {
        family: 'unclip',
        checkpoint: checkpoint.location,
        step: checkpoint.step,
        scheduler: schedulerName,
        steps: options.steps,
        guidanceScale,
        clip: clipFound.record,
        ema: usedEma,
        ...(latent ? { autoencoder: config.autoencoder, scalingFactor: latent.scalingFactor } : {}),
        ...extra,
      },
    });
    const what = reference
      ? `${n} variations of ${image as string} (RMS pixel distance to it: mean ${(extra.meanDistance as number).toFixed(3)}, min ${(extra.minDistance as number).toFixed(3)}${redrawNote(extra)})`
      : `${n} images of ${JSON.stringify(prompt)} through the ${loadedPrior!.config.kind} prior`;
    io.stdout.write(`sampled ${what} from ${checkpoint.location} (${schedulerName}, ${String(options.steps)} steps, guidance ${guidanceScale})\n${written.grid}\n${written.json}\n`);
    return 0;
  } finally {
    tf.dispose([...(images ? [images] : []), ...(reference ? [reference] : [])]);
    model.dispose();
    latent?.autoencoder.dispose();
    clip?.dispose();
    loadedPrior?.dispose();
  }
}

/** ", 2 copies (< 0.1) drawn again" for --redraw-below; "" without it. */
function redrawNote(extra: Record<string, unknown>): string {
  const below = extra.redrawBelow as number;
  if (!(below > 0)) return '';
  const left = extra.copiesLeft as number;
  return `; ${String(extra.redrawn)} draws closer than ${below} redrawn${left > 0 ? `, ${left} still closer after ${String(extra.maxRedraws)} round${extra.maxRedraws === 1 ? '' : 's'} (more rounds: --max-redraws)` : ''}`;
}

function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

// ---- gen eval unclip ----

async function evalUnclipCommand({ options, io, verbose, commandPath }: CommandContext): Promise<number> {
  const seed = options.seed as number;
  const { checkpoint, config, record } = findDecoder(options.checkpoint as string | undefined, commandPath);
  const clipFound = recordedClip(record.clip, options.clip as string | undefined, checkpoint.location, commandPath);
  const prior = options.prior === undefined ? null : findPrior(options.prior as string, commandPath);
  const guidanceScale = guidanceOf(options, true, config);
  const dataset = evalDataset(options.dataset as DatasetChoice | undefined, checkpoint, trainingDatasetOf(config) ?? (config.training as { dataset?: unknown } | undefined)?.dataset);
  const references = options.references as number;
  if (prior === null && references === 0) throw new UsageError('--references', '0', 'must be at least 1 without --prior: there would be nothing to measure');
  const redraw = redrawOptionsOf(options);
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const test = await realTestImages(dataset);
  if (prior) checkEvalN(options.n as number, dataset, test.size);
  const { model, schedulerConfig, usedEma } = await loadDiffusionAt(checkpoint.location);
  let clip: LoadedClip | null = null;
  let loadedPrior: LoadedPrior | null = null;
  let latent: Latent | null = null;
  let classifier: core.metrics.FeatureClassifier | null = null;
  try {
    clip = await loadClipAt(clipFound.location);
    checkClipMatchesImageRecord(clip, record);
    if (prior) loadedPrior = await loadPriorAt(prior.checkpoint.location, clip);
    latent = await latentOf(config, checkpoint.location);
    classifier = await loadClassifier(dataset);
    if (!classifier) throw new core.GenError(`the feature classifier for ${dataset} was not found (@gen/core's assets/feature-classifiers/${dataset})`);
    const schedulerName = options.scheduler as SchedulerName;
    const scheduler = SCHEDULERS[schedulerName].fromConfig((latent ? { ...schedulerConfig, clipSample: false } : schedulerConfig) as never);
    const priorOptions = priorSamplingOf(options, loadedPrior);
    const evaluation = await evaluateUnclip({
      model,
      scheduler,
      numInferenceSteps: options.steps as number,
      ...(latent ? { vae: latent.autoencoder, vaeScalingFactor: latent.scalingFactor } : {}),
      clip,
      tokens: record.tokens,
      classifier,
      classNames: record.classNames,
      ...(loadedPrior ? { prior: loadedPrior, priorOptions } : {}),
      n: options.n as number,
      ...(references > 0 ? { references: test, neighbours: await loadTrainingData(dataset, undefined), referenceCount: references, perReference: options['per-reference'] as number } : {}),
      real: test.images,
      copyThreshold: options['copy-threshold'] as number,
      ...redraw,
      guidanceScale,
      batchSize: options['batch-size'] as number,
      seed,
    });
    const path = writeMetrics(io, resolve(options.out as string), {
      family: 'unclip',
      checkpoint: checkpoint.location,
      step: checkpoint.step,
      dataset,
      clip: clipFound.record,
      ...(prior ? { prior: prior.checkpoint.location, priorKind: loadedPrior!.config.kind, ...priorRecord(loadedPrior!, priorOptions) } : {}),
      scheduler: schedulerName,
      steps: options.steps,
      ema: usedEma,
      ...(latent ? { autoencoder: config.autoencoder, scalingFactor: latent.scalingFactor } : {}),
      seed,
      prompts: 'held-out templates',
      ...evaluation,
    });
    const lines: string[] = [];
    if (evaluation.prompted) {
      const { fid, floor, ratio } = evaluation.prompted;
      const fidPart = fid !== undefined ? `; FID ${fid.toFixed(3)}, floor ${floor!.toFixed(3)}, ratio ${ratio!.toFixed(2)}×` : '';
      lines.push(`prompted-class accuracy ${(100 * evaluation.prompted.classAccuracy).toFixed(1)}% (n ${evaluation.prompted.n}, held-out prompts, ${loadedPrior!.config.kind} prior${loadedPrior!.config.kind === 'diffusion' ? ` (guidance ${priorOptions.guidanceScale}${priorOptions.candidates > 1 ? `, best of ${priorOptions.candidates}` : ''})` : ''}, guidance ${guidanceScale})${fidPart}`);
    }
    if (evaluation.variations) {
      const v = evaluation.variations;
      lines.push(
        `variations keep the reference's class ${(100 * v.classAgreement).toFixed(1)}% (${v.references} references × ${v.perReference}); RMS pixel distance to the reference mean ${v.meanDistance.toFixed(3)}, min ${v.minDistance.toFixed(3)} (another test image of its class: ${v.sameClassDistance.toFixed(3)}, nearest training image: ${v.nearestNeighbourDistance!.toFixed(3)}); copies (< ${v.copyThreshold}) ${(100 * v.copies).toFixed(1)}%, closer than the nearest training image too ${(100 * v.copiesBelowNearest!).toFixed(1)}%${v.redrawBelow > 0 ? ` after redrawing those < ${v.redrawBelow} (up to ${v.maxRedraws} rounds; ${v.redrawn.toFixed(3)} redraws per variation)` : ''}`,
      );
    }
    io.stdout.write(`${lines.join('\n')}\n${path}\n`);
    return 0;
  } finally {
    model.dispose();
    latent?.autoencoder.dispose();
    clip?.dispose();
    loadedPrior?.dispose();
    classifier?.dispose();
  }
}

// ---- gen train | eval unclip-prior ----

async function trainPriorCommand({ options, io, verbose, argv, commandPath }: CommandContext): Promise<number> {
  const steps = options.steps as number;
  const dataset = options.dataset as DatasetChoice;
  const kind = options.kind as PriorKind;
  const checkpointEvery = (options['checkpoint-every'] as number | undefined) ?? tenth(steps);
  const clipFound = requiredClip(options, commandPath);
  const folders = prepareRun(options.out as string, options.resume as boolean, steps);
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const data = await loadTrainingData(dataset, options['limit-data'] as number | undefined);
  const batchSize = options['batch-size'] as number;
  if (batchSize > data.size) throw new UsageError('--batch-size', String(batchSize), `must be at most the number of training images (${data.size})`);
  let clip: LoadedClip | null = null;
  let result: Awaited<ReturnType<typeof trainUnclipPrior>> | null = null;
  try {
    clip = await loadClipAt(clipFound.location);
    writeRunRecord(
      folders,
      { family: PRIOR_FAMILY, dataset, conditional: false, numClasses: data.classNames.length, classNames: data.classNames, argv: ['train', 'unclip-prior', ...argv], kind, clip: clipFound.record },
      options.resume as boolean,
    );
    io.stdout.write(`data: ${data.name}, ${data.size} images; ${kind} prior from ${clipFound.record} text to image embeddings (${clip.embedDim} wide), MLP ${options.hidden as number} × ${options.layers as number}, batch ${batchSize}\n`);
    if (folders.startStep > 0) io.stdout.write(`resuming from step ${folders.startStep}\n`);
    const progress = new TrainingProgress(io, 'train unclip-prior', folders.startStep, steps);
    const interrupt = interruptSignal(io, options['max-minutes']);
    try {
      result = await trainUnclipPrior({
        dataset: data,
        clip,
        clipLocation: clipFound.record,
        config: { kind, hidden: options.hidden as number, layers: options.layers as number },
        steps,
        batchSize,
        lr: options.lr as number,
        ...(options['cond-drop'] !== undefined ? { conditionDropProb: options['cond-drop'] as number } : {}),
        seed: options.seed as number,
        checkpointDir: folders.checkpoints,
        checkpointEvery,
        keep: options.keep as number,
        resume: options.resume as boolean,
        signal: interrupt.signal,
        logEvery: gcd(10, checkpointEvery),
        metricsFile: folders.metricsFile,
        onProgress: (event) => progress.update(event),
      });
    } finally {
      interrupt.dispose();
    }
    progress.done(result.summary);
    return reportTrainingEnd(io, commandPath, result.summary, folders.out, interrupt);
  } finally {
    result?.dispose();
    clip?.dispose();
  }
}

async function evalPriorCommand({ options, io, verbose, commandPath }: CommandContext): Promise<number> {
  const found = findPrior(options.checkpoint as string, commandPath, '--checkpoint');
  const clipFound = recordedClip(found.clip, options.clip as string | undefined, found.checkpoint.location, commandPath);
  const dataset = evalDataset(options.dataset as DatasetChoice | undefined, found.checkpoint, trainingDatasetOf(found.config));
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const test = await coreNode.loadDataset(dataset, { split: 'test' });
  let clip: LoadedClip | null = null;
  let prior: LoadedPrior | null = null;
  try {
    clip = await loadClipAt(clipFound.location);
    prior = await loadPriorAt(found.checkpoint.location, clip);
    const priorOptions = priorSamplingOf(options, prior);
    const evaluation = await evaluateUnclipPrior({ prior, clip, dataset: test, n: options.n as number, seed: options.seed as number, priorOptions });
    const path = writeMetrics(io, resolve(options.out as string), {
      family: PRIOR_FAMILY,
      checkpoint: found.checkpoint.location,
      step: found.checkpoint.step,
      dataset,
      split: 'test',
      clip: clipFound.record,
      ...priorRecord(prior, priorOptions),
      ...evaluation,
    });
    io.stdout.write(
      `${evaluation.kind} prior: cos(predicted, true image embedding) ${evaluation.cosine.toFixed(3)} (text embedding itself: ${evaluation.textCosine.toFixed(3)}); zero-shot class of the prediction ${(100 * evaluation.zeroShotAccuracy).toFixed(1)}% (true embeddings: ${(100 * evaluation.imageZeroShotAccuracy).toFixed(1)}%); n ${evaluation.n}, held-out prompts\n${path}\n`,
    );
    return 0;
  } finally {
    prior?.dispose();
    clip?.dispose();
  }
}

// ---- the command specs ----

const { conditional: _conditional, ...decoderTrainOptions } = trainOptions('unclip');
const { conditional: _c, every: _every, ...priorTrainOptions } = trainOptions('unclip-prior');
const { label: _label, n: _n, ...sampleOptionsWithoutN } = sampleOptions('unclip');
const { n: _evalN, ...evalOptionsWithoutN } = evalOptions('unclip');
const PRIOR_SAMPLING_OPTIONS = {
  'prior-steps': { type: 'string' as const, valueName: 'n', description: 'diffusion prior: DDIM steps', default: 25, parse: integerOption(1, 10000) },
  'prior-guidance': { type: 'string' as const, valueName: 'w', description: 'diffusion prior: classifier-free guidance weight', defaultLabel: "the prior's recorded config.sampling.guidanceScale, else 1", parse: nonNegativeNumberOption },
  'prior-candidates': { type: 'string' as const, valueName: 'k', description: 'diffusion prior: embeddings drawn per prompt, the one closest to the text embedding kept (DALL·E 2 draws 2)', defaultLabel: "the prior's recorded config.sampling.candidates, else 1", parse: integerOption(1, 64) },
};

interface PriorSampling {
  numInferenceSteps: number;
  guidanceScale: number;
  candidates: number;
}

/**
 * The prior's sampling options: --prior-steps; --prior-guidance and --prior-candidates, or else
 * what the checkpoint records as measured best (`config.sampling.guidanceScale`, `.candidates`), else 1.
 */
function priorSamplingOf(options: Record<string, unknown>, prior: LoadedPrior | null): PriorSampling {
  const guidance = options['prior-guidance'] as number | undefined;
  const candidates = options['prior-candidates'] as number | undefined;
  return {
    numInferenceSteps: options['prior-steps'] as number,
    guidanceScale: guidance ?? recordedGuidance(prior?.checkpointConfig, 1),
    candidates: candidates ?? recordedCandidates(prior?.checkpointConfig, 1),
  };
}

/** How a diffusion prior was sampled, for samples.json / metrics.json (nothing for the deterministic regression prior). */
function priorRecord(prior: LoadedPrior, sampling: PriorSampling): Record<string, number> {
  return prior.config.kind === 'diffusion' ? { priorSteps: sampling.numInferenceSteps, priorGuidance: sampling.guidanceScale, priorCandidates: sampling.candidates } : {};
}
const REDRAW_OPTIONS = {
  'redraw-below': {
    type: 'string',
    valueName: 'x',
    description: 'draw again (up to --max-redraws rounds) any variation closer than this RMS pixel distance to the reference: no copies (0: keep every draw)',
    default: 0,
    parse: nonNegativeNumberOption,
  },
  'max-redraws': {
    type: 'string',
    valueName: 'n',
    description: 'with --redraw-below: rounds of redrawing at most; variations still closer after them are kept (and counted)',
    defaultLabel: String(DEFAULT_MAX_REDRAWS),
    parse: integerOption(0, 1000),
  },
} as const;

/** --redraw-below and --max-redraws (default DEFAULT_MAX_REDRAWS); --max-redraws alone would do nothing, so it is an error. */
function redrawOptionsOf(options: Record<string, unknown>): { redrawBelow: number; maxRedraws: number } {
  const redrawBelow = options['redraw-below'] as number;
  const maxRedraws = options['max-redraws'] as number | undefined;
  if (maxRedraws !== undefined && !(redrawBelow > 0)) throw new UsageError('--max-redraws', String(maxRedraws), 'needs --redraw-below <x> above 0 (the distance below which a variation is drawn again)');
  return { redrawBelow, maxRedraws: maxRedraws ?? DEFAULT_MAX_REDRAWS };
}
const CLIP_OVERRIDE = {
  clip: { type: 'string' as const, valueName: 'dir', description: 'the CLIP of the checkpoint, when it is no longer where the checkpoint says (a gen train clip folder or pretrained:<name>)', defaultLabel: 'recorded', parse: nonEmptyOption },
};

export const unclipCommands: FamilyCommands = {
  family: 'unclip',
  summary: 'unCLIP: a diffusion decoder of CLIP image embeddings; text-to-image through a prior, image variations',
  train: {
    summary: 'Train an unCLIP decoder: a UNet cross-attending to the CLIP image embedding of its image',
    description: [
      'Runs @gen/clip-guidance trainUnclipDecoder (trainDiffusion with the frozen CLIP image embedding of',
      'every training image as K cross-attention tokens, condition dropout for CFG). Checkpoints are',
      'diffusion checkpoints with config.imageEncoder, in <out>/checkpoints (--resume continues); grids of',
      "decoded training-image embeddings in <out>/samples. Train the prior with gen train unclip-prior.",
    ].join('\n'),
    options: {
      ...decoderTrainOptions,
      clip: clipOption('the frozen CLIP whose image embeddings condition the decoder'),
      tokens: { type: 'string', valueName: 'k', description: 'cross-attention tokens per image embedding (must divide its width)', default: 4, parse: integerOption(1, 4096) },
      autoencoder: { type: 'string', valueName: 'dir', description: 'latent diffusion: an AutoencoderKL checkpoint of @gen/vae (as gen train diffusion --autoencoder)' },
      'prediction-type': { type: 'string', valueName: 'name', description: 'what the UNet predicts: epsilon, sample (x₀) or v', default: 'epsilon', parse: choiceOption(Object.keys(PREDICTION_TYPES)) },
      'snr-gamma': { type: 'string', valueName: 'γ', description: 'min-SNR-γ loss weighting (5 is usual)', defaultLabel: 'off', parse: positiveNumberOption('') },
      'cond-drop': { type: 'string', valueName: 'p', description: 'probability of dropping the image embedding (classifier-free guidance)', defaultLabel: '0.1', parse: nonNegativeNumberOption },
      ema: { type: 'string', valueName: 'decay', description: 'EMA decay of the weights (0: no EMA)', default: 0.999, parse: nonNegativeNumberOption },
      lr: { type: 'string', valueName: 'x', description: 'peak AdamW learning rate (linear warm-up)', default: 1e-3, parse: positiveNumberOption('') },
      'sample-steps': { type: 'string', valueName: 'n', description: 'DDIM steps of the --every grids', default: 20, parse: integerOption(1, 100000) },
      config: configOption(UNET_CONFIG_FIELDS.join(', ')),
    },
    examples: [
      'gen train unclip --dataset mnist --clip pretrained:mnist --steps 5000 --out runs/unclip-decoder',
      'gen train unclip --dataset mnist --clip pretrained:mnist --autoencoder runs/ae-mnist --config \'{"blockOutChannels":[48,96],"attentionLevels":[false,true]}\' --out runs/unclip-ldm',
    ],
    run: trainDecoderCommand,
  },
  sample: {
    summary: 'Variations of a reference image (--image ref.png), or text-to-image through a prior (--prompt … --prior <dir>)',
    options: {
      ...sampleOptionsWithoutN,
      n: { type: 'string', valueName: 'n', description: 'images to sample', default: 8, parse: integerOption(1, 100000) },
      ...samplerOptions(20),
      image: { type: 'string', valueName: 'png', description: "variations: a reference PNG of the CLIP's image size (28×28 for MNIST)", parse: nonEmptyOption },
      ...REDRAW_OPTIONS,
      prompt: { type: 'string', valueName: 'text', description: 'text-to-image through --prior', parse: nonEmptyOption },
      prior: { type: 'string', valueName: 'dir', description: 'a gen train unclip-prior run, or pretrained:mnist-diffusion / pretrained:mnist-regression (with --prompt)', parse: nonEmptyOption },
      ...PRIOR_SAMPLING_OPTIONS,
      ...CLIP_OVERRIDE,
    },
    examples: [
      'gen sample unclip --checkpoint runs/unclip-decoder --image ref.png --n 8 --out out/variations',
      'gen sample unclip --checkpoint runs/unclip-decoder --prompt "a thin seven" --prior runs/unclip-prior --n 16',
    ],
    run: sampleUnclipCommand,
  },
  eval: {
    summary: 'Prompted-class accuracy through a prior, and variations: class agreement and pixel distance to the reference',
    options: {
      ...evalOptionsWithoutN,
      ...samplerOptions(20),
      n: { type: 'string', valueName: 'n', description: 'class-prompted samples (with --prior)', default: 100, parse: integerOption(1, 1e6) },
      prior: { type: 'string', valueName: 'dir', description: 'a gen train unclip-prior run, or pretrained:<name> for a shipped one: measures prompted-class accuracy (held-out phrasings)', defaultLabel: 'none', parse: nonEmptyOption },
      references: { type: 'string', valueName: 'n', description: 'test images whose variations are measured, classes in turn (0: none)', default: 20, parse: integerOption(0, 1e6) },
      'per-reference': { type: 'string', valueName: 'n', description: 'variations per reference', default: 8, parse: integerOption(1, 1e4) },
      'copy-threshold': { type: 'string', valueName: 'x', description: 'RMS pixel distance (pixels in [0, 1]) below which a variation counts as a copy', default: DEFAULT_COPY_THRESHOLD, parse: nonNegativeNumberOption },
      ...REDRAW_OPTIONS,
      'batch-size': { type: 'string', valueName: 'n', description: 'images per pipeline run', default: 50, parse: integerOption(1, 100000) },
      ...PRIOR_SAMPLING_OPTIONS,
      ...CLIP_OVERRIDE,
    },
    examples: ['gen eval unclip --checkpoint runs/unclip-decoder --prior runs/unclip-prior --n 200 --references 50'],
    run: evalUnclipCommand,
  },
};

export const unclipPriorCommands: FamilyCommands = {
  family: 'unclip-prior',
  summary: 'unCLIP prior: CLIP text embedding → CLIP image embedding (regression or diffusion)',
  train: {
    summary: 'Train an unCLIP prior on the captions of MNIST or Fashion-MNIST',
    description: [
      'Pairs the CLIP text embedding of each training caption with the CLIP image embedding of its image',
      'and fits @gen/clip-guidance trainUnclipPrior: --kind regression (MLP, cosine loss) or diffusion (an MLP',
      'denoiser over the embedding, x₀-prediction, condition dropout). Checkpoints in <out>/checkpoints.',
    ].join('\n'),
    options: {
      ...priorTrainOptions,
      'batch-size': { type: 'string', valueName: 'n', description: 'caption–image pairs per step', default: 256, parse: integerOption(1, 65536) },
      clip: clipOption('the frozen CLIP whose text and image embeddings are paired'),
      kind: { type: 'string', valueName: 'name', description: `prior: ${PRIOR_KINDS.join(' or ')}`, default: 'regression', parse: choiceOption([...PRIOR_KINDS]) },
      hidden: { type: 'string', valueName: 'n', description: 'hidden width of the MLP', default: 512, parse: integerOption(1, 65536) },
      layers: { type: 'string', valueName: 'n', description: 'hidden layers of the MLP', default: 3, parse: integerOption(1, 64) },
      lr: { type: 'string', valueName: 'x', description: 'Adam learning rate', default: 1e-3, parse: positiveNumberOption('') },
      'cond-drop': { type: 'string', valueName: 'p', description: 'diffusion prior: probability of dropping the text (classifier-free guidance)', defaultLabel: '0.1', parse: nonNegativeNumberOption },
    },
    examples: [
      'gen train unclip-prior --dataset mnist --clip pretrained:mnist --kind regression --steps 2000 --out runs/prior-regression',
      'gen train unclip-prior --dataset mnist --clip pretrained:mnist --kind diffusion --steps 4000 --out runs/prior-diffusion',
    ],
    run: trainPriorCommand,
  },
  eval: {
    summary: 'Cosine of predicted and true CLIP image embeddings, and their zero-shot class, on held-out phrasings',
    options: {
      ...evalOptionsWithoutN,
      n: { type: 'string', valueName: 'n', description: 'test images (and prompts) scored', default: 1000, parse: integerOption(1, 1e7) },
      ...PRIOR_SAMPLING_OPTIONS,
      ...CLIP_OVERRIDE,
    },
    examples: ['gen eval unclip-prior --checkpoint runs/prior-diffusion --n 1000'],
    run: evalPriorCommand,
  },
};
