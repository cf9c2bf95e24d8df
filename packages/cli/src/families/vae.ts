// gen train | sample | eval vae: @gen/vae's trainVae, samplers, latent tools and estimateNll
// behind the command line.
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as core from '@gen/core';
import * as coreNode from '@gen/core/node';
import {
  LIKELIHOODS,
  applyAttribute,
  attributeVector,
  createVaeModel,
  estimateNll,
  evaluateVqVae,
  fitPosteriorMixture,
  interpolate,
  latentGrid,
  loadVaeModel,
  loadVqVae,
  reconstruct,
  reconstructionError,
  sampleMixture,
  samplePrior,
  trainVae,
  trainVqVae,
  VQVAE,
  type PartialVaeFamilyConfig,
  type TrainableVae,
  type VaeFamilyModel,
  type VariationalModel,
} from '@gen/vae';
import { steerVaeLatents, type VaeSteeringResult } from '@gen/clip-guidance';
import { PRETRAINED_VAES, PRETRAINED_VQ_VAES, pretrainedVaeDir, pretrainedVqVaeDir, type PretrainedVaeName, type PretrainedVqVaeName } from '@gen/vae/node';
import { choiceOption, integerOption } from '../options';
import type { CommandContext, FamilyCommands } from '../registry';
import { setupBackend } from '../setup-backend';
import { UsageError } from '../usage-error';
import { imageOption, loadPromptClip, promptOptions, promptRequest, referenceRequest, reportPrompt, reportReference, steeringOptions } from './prompt';
import {
  checkConfigKeys,
  checkEvalN,
  checkLabel,
  checkpointConfig,
  configOption,
  datasetOption,
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
  toUnitRange,
  trainingDatasetOf,
  trainOptions,
  TrainingProgress,
  writeFrames,
  writeMetrics,
  writeRunRecord,
  writeSampleSet,
  type DatasetChoice,
  type ResolvedCheckpoint,
  formatSampleMetrics,
  type PretrainedLookup,
} from './shared';

const VAE_CONFIG_FIELDS = ['latentDim', 'widths', 'hiddenDim', 'activation', 'likelihood', 'embeddingDim'] as const;
/** `--model autoencoder-kl`: the spatial-latent autoencoder of latent diffusion. */
const AUTOENCODER_CONFIG_FIELDS = ['latentChannels', 'blockChannels', 'layersPerBlock', 'normGroups', 'likelihood', 'klWeight'] as const;
/** `--model vq-vae`: discrete tokens (VQ-VAE) for a token prior. */
const VQ_CONFIG_FIELDS = ['blockChannels', 'layersPerBlock', 'normGroups', 'codebookSize', 'codeDim', 'beta', 'codebookUpdate', 'decay', 'epsilon', 'deadCodeSteps'] as const;
const MODELS = ['vae', 'autoencoder-kl', 'vq-vae'] as const;

const temperatureOption = {
  type: 'string' as const,
  valueName: 't',
  description: "scale of the prior's standard deviation (< 1: cleaner, less varied)",
  default: 1,
  parse: positiveNumberOption(''),
};

/** Labels as an int32 tensor (or undefined when unconditional). */
function labelTensor(labels: Int32Array | null): tf.Tensor1D | undefined {
  return labels ? tf.tensor1d(labels, 'int32') : undefined;
}

async function trainVaeCommand({ options, io, verbose, argv, commandPath }: CommandContext): Promise<number> {
  const steps = options.steps as number;
  const dataset = options.dataset as DatasetChoice;
  const conditional = options.conditional as boolean;
  const objective = options.objective as 'elbo' | 'iwae';
  const k = (options.k as number | undefined) ?? (objective === 'iwae' ? 5 : 1);
  if (objective === 'elbo' && k !== 1) throw new UsageError('--k', String(k), 'must be 1 with --objective elbo (use --objective iwae for k > 1)');
  if (objective === 'iwae' && (options.beta !== undefined || options['beta-warmup'] !== undefined)) {
    throw new UsageError(options.beta !== undefined ? '--beta' : '--beta-warmup', String(options.beta ?? options['beta-warmup']), 'must be omitted with --objective iwae (the bound has no KL weight)');
  }
  if (options.model === 'vq-vae') return trainVqVaeCommand({ options, io, verbose, argv, commandPath } as CommandContext);
  for (const flag of ['codebook-size', 'code-dim']) {
    if (options[flag] !== undefined) throw new UsageError(`--${flag}`, String(options[flag]), 'applies to --model vq-vae only');
  }
  const autoencoder = options.model === 'autoencoder-kl';
  if (autoencoder && conditional) throw new UsageError('--conditional', undefined, 'is not available with --model autoencoder-kl (it is unconditional)');
  if (autoencoder && options['latent-dim'] !== undefined) {
    throw new UsageError('--latent-dim', String(options['latent-dim']), 'does not apply to --model autoencoder-kl (its latent is spatial: set --config \'{"latentChannels":4}\')');
  }
  const overrides = checkConfigKeys(options.config as Record<string, unknown> | undefined, autoencoder ? AUTOENCODER_CONFIG_FIELDS : VAE_CONFIG_FIELDS);
  if (!conditional && overrides.embeddingDim !== undefined) throw new UsageError('--config', JSON.stringify(overrides), 'has embeddingDim, which needs --conditional');
  const every = (options.every as number | undefined) ?? tenth(steps);
  const checkpointEvery = (options['checkpoint-every'] as number | undefined) ?? tenth(steps);
  const folders = prepareRun(options.out as string, options.resume as boolean, steps);

  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const data = await loadTrainingData(dataset, options['limit-data'] as number | undefined);
  const numClasses = conditional ? data.classNames.length : 0;
  const seed = options.seed as number;
  const config = {
    kind: autoencoder ? 'autoencoder-kl' : conditional ? 'conditional-vae' : 'vae',
    height: data.height,
    width: data.width,
    channels: data.channels,
    ...(options.likelihood !== undefined ? { likelihood: options.likelihood } : {}),
    ...(options['latent-dim'] !== undefined ? { latentDim: options['latent-dim'] } : {}),
    ...overrides,
    ...(conditional ? { numClasses } : {}),
  } as PartialVaeFamilyConfig;
  let model: TrainableVae;
  try {
    // The same weights trainVae({ config, seed }) would draw: Generator(seed).fork('init').
    model = createVaeModel(config, new core.Generator(seed).fork('init')) as TrainableVae;
  } catch (error) {
    if (core.InvalidArgumentError.isInstance(error)) throw new UsageError('--config', JSON.stringify(overrides), `is not a valid VAE config: ${error.message}`);
    throw error;
  }
  const interrupt = interruptSignal(io, options['max-minutes']);
  let optimizer: { dispose(): void } | null = null;
  try {
    writeRunRecord(
      folders,
      { family: 'vae', dataset, conditional, numClasses, classNames: data.classNames, argv: ['train', 'vae', ...argv], objective, k, config: model.config as unknown as Record<string, unknown> },
      options.resume as boolean,
    );
    io.stdout.write(
      `data: ${data.name}, ${data.size} images; ${autoencoder ? 'AutoencoderKL' : conditional ? `conditional VAE (${numClasses} classes)` : 'VAE'}, ${model.likelihood} decoder, latent ${model.latentShape.join('×')}, objective ${objective}${objective === 'iwae' ? ` (k ${k})` : ''}\n`,
    );
    if (folders.startStep > 0) io.stdout.write(`resuming from step ${folders.startStep}\n`);
    const progress = new TrainingProgress(io, 'train vae', folders.startStep, steps);
    const gridCount = numClasses > 0 ? numClasses * Math.max(1, Math.floor(64 / numClasses)) : 64;
    const beta =
      options['beta-warmup'] !== undefined
        ? { kind: 'linear' as const, warmupSteps: options['beta-warmup'] as number, ...(options.beta !== undefined ? { end: options.beta as number } : {}) }
        : (options.beta as number | undefined);
    const result = await trainVae({
      model,
      dataset: data,
      objective,
      k,
      ...(beta !== undefined ? { beta: beta as never } : {}),
      steps,
      batchSize: options['batch-size'] as number,
      lr: options.lr as number,
      seed,
      checkpointDir: folders.checkpoints,
      checkpointEvery,
      keep: options.keep as number,
      resume: options.resume as boolean,
      signal: interrupt.signal,
      logEvery: every > 0 ? gcd(10, every) : 10,
      metricsFile: folders.metricsFile,
      onProgress: async (event) => {
        progress.update(event);
        if (every > 0 && event.step % every === 0 && event.step > folders.startStep) {
          const labels = labelTensor(sampleLabels(gridCount, numClasses, undefined));
          const images = tf.tidy(() => toUnitRange(samplePrior({ model, count: gridCount, generator: new core.Generator(seed).fork('samples'), labels }), model.range));
          labels?.dispose();
          try {
            await writeFrames(sampleGridPath(folders, event.step), images, gridColumns(gridCount, numClasses, true));
          } finally {
            images.dispose();
          }
        }
      },
    });
    optimizer = result.optimizer;
    progress.done(result.summary);
    return reportTrainingEnd(io, commandPath, result.summary, folders.out, interrupt);
  } finally {
    interrupt.dispose();
    optimizer?.dispose();
    model.dispose();
  }
}

/** `gen train vae --model vq-vae`: trainVqVae, with reconstruction grids instead of prior samples. */
async function trainVqVaeCommand({ options, io, verbose, argv, commandPath }: CommandContext): Promise<number> {
  const steps = options.steps as number;
  const dataset = options.dataset as DatasetChoice;
  const notForVq: Array<[string, unknown, string]> = [
    ['--conditional', options.conditional ? true : undefined, 'is not available with --model vq-vae (it is unconditional)'],
    ['--latent-dim', options['latent-dim'], 'does not apply to --model vq-vae (set --code-dim and --codebook-size)'],
    ['--likelihood', options.likelihood, 'does not apply to --model vq-vae (it is trained on the squared error)'],
    ['--beta', options.beta, 'does not apply to --model vq-vae (the commitment weight is --config \'{"beta":0.25}\')'],
    ['--beta-warmup', options['beta-warmup'], 'does not apply to --model vq-vae'],
    ['--k', options.k, 'does not apply to --model vq-vae'],
    ['--objective', options.objective === 'elbo' ? undefined : options.objective, 'does not apply to --model vq-vae'],
  ];
  for (const [flag, value, why] of notForVq) if (value !== undefined) throw new UsageError(flag, value === true ? undefined : String(value), why);
  const overrides = checkConfigKeys(options.config as Record<string, unknown> | undefined, VQ_CONFIG_FIELDS);
  const every = (options.every as number | undefined) ?? tenth(steps);
  const checkpointEvery = (options['checkpoint-every'] as number | undefined) ?? tenth(steps);
  const folders = prepareRun(options.out as string, options.resume as boolean, steps);

  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const data = await loadTrainingData(dataset, options['limit-data'] as number | undefined);
  const seed = options.seed as number;
  let model: VQVAE;
  try {
    // The same weights trainVqVae({ config, seed }) would draw: Generator(seed).fork('init').
    model = new VQVAE({
      height: data.height,
      width: data.width,
      channels: data.channels,
      ...(options['codebook-size'] !== undefined ? { codebookSize: options['codebook-size'] as number } : {}),
      ...(options['code-dim'] !== undefined ? { codeDim: options['code-dim'] as number } : {}),
      ...overrides,
      generator: new core.Generator(seed).fork('init'),
    });
  } catch (error) {
    if (core.InvalidArgumentError.isInstance(error)) throw new UsageError('--config', JSON.stringify(overrides), `is not a valid VQ-VAE config: ${error.message}`);
    throw error;
  }
  const interrupt = interruptSignal(io, options['max-minutes']);
  let optimizer: { dispose(): void } | null = null;
  // 32 fixed training images: the grids show them (4 rows) above their reconstructions (4 rows).
  const shown = Math.min(32, data.size);
  const originals = tf.tensor4d(data.images.subarray(0, shown * data.height * data.width * data.channels), [shown, data.height, data.width, data.channels]);
  try {
    writeRunRecord(
      folders,
      { family: 'vae', dataset, conditional: false, numClasses: 0, classNames: data.classNames, argv: ['train', 'vae', ...argv], objective: 'vq', config: model.getConfig() as unknown as Record<string, unknown> },
      options.resume as boolean,
    );
    const { codebookSize, codeDim, codebookUpdate } = model.config;
    io.stdout.write(`data: ${data.name}, ${data.size} images; VQ-VAE, ${model.tokenShape.join('×')} tokens from ${codebookSize} codes of size ${codeDim} (${codebookUpdate} codebook)\n`);
    if (folders.startStep > 0) io.stdout.write(`resuming from step ${folders.startStep}\n`);
    const progress = new TrainingProgress(io, 'train vae', folders.startStep, steps);
    const result = await trainVqVae({
      model,
      dataset: data,
      steps,
      batchSize: options['batch-size'] as number,
      lr: options.lr as number,
      seed,
      checkpointDir: folders.checkpoints,
      checkpointEvery,
      keep: options.keep as number,
      resume: options.resume as boolean,
      signal: interrupt.signal,
      logEvery: every > 0 ? gcd(10, every) : 10,
      metricsFile: folders.metricsFile,
      onProgress: async (event) => {
        progress.update(event);
        if (every > 0 && event.step % every === 0 && event.step > folders.startStep) {
          const grid = tf.tidy(() => tf.concat([originals, model.reconstruct(originals)]) as tf.Tensor4D);
          try {
            await writeFrames(sampleGridPath(folders, event.step), grid, 8);
          } finally {
            grid.dispose();
          }
        }
      },
    });
    optimizer = result.optimizer;
    progress.done(result.summary);
    return reportTrainingEnd(io, commandPath, result.summary, folders.out, interrupt);
  } finally {
    interrupt.dispose();
    originals.dispose();
    optimizer?.dispose();
    model.dispose();
  }
}

/** `gen eval vae` on a VQ-VAE checkpoint: reconstruction error through the tokens and codebook usage on test images. */
async function evalVqVaeCommand(
  { options, io, verbose }: CommandContext,
  checkpoint: ResolvedCheckpoint,
  config: Record<string, unknown>,
): Promise<number> {
  const n = options.n as number;
  const seed = options.seed as number;
  const dataset = vaeDataset(options.dataset as DatasetChoice | undefined, checkpoint, config);
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const real = await realTestImages(dataset);
  checkEvalN(n, dataset, real.size, '--n');
  const { model } = await loadCheckpointOrFail('vae', checkpoint.location, () => loadVqVae({ source: coreNode.fileCheckpoint(checkpoint.location) }));
  const owned: tf.Tensor[] = [];
  const classifier = await loadClassifier(dataset);
  try {
    const test = await realImages(dataset, 'test', n, model, seed, 'vq/images');
    owned.push(test.images, test.labels);
    const started = Date.now();
    const result = await evaluateVqVae({ model, images: test.images });
    // Reconstructions of n training images scored like samples: the best FID a token model over this VQ-VAE can reach.
    let reconstructionMetrics: Awaited<ReturnType<typeof scoreSamples>> | null = null;
    if (classifier) {
      const originals = await realImages(dataset, 'train', n, model, seed, 'reconstruction/images');
      owned.push(originals.images, originals.labels);
      const reconstructed = tf.tidy(() => toUnitRange(model.decodeTokens(model.encodeToTokens(originals.images)) as tf.Tensor4D, model.range));
      owned.push(reconstructed);
      reconstructionMetrics = await scoreSamples({ samples: reconstructed, labels: Int32Array.from(await originals.labels.data()), classifier, real, n, seed });
    }
    const path = writeMetrics(io, resolve(options.out as string), {
      family: 'vae',
      model: 'vq-vae',
      checkpoint: checkpoint.location,
      step: checkpoint.step,
      dataset,
      seed,
      n: result.count,
      data: `${dataset} test split, ${result.count} images (seeded order)`,
      reconstruction: {
        mse: result.mse,
        mae: result.mae,
        through: 'decodeTokens(encodeToTokens(x)), pixels in [0, 1]',
        ...(reconstructionMetrics ? { scored: { ...reconstructionMetrics, data: `${dataset} train split, ${n} images (seeded order)` } } : {}),
      },
      perplexity: result.perplexity,
      usedCodes: result.usedCodes,
      codebookSize: result.codebookSize,
      tokens: model.tokenShape,
      seconds: (Date.now() - started) / 1000,
    });
    const scored = reconstructionMetrics ? `\nreconstructions of ${n} training images: ${formatSampleMetrics(reconstructionMetrics)}` : '';
    io.stdout.write(
      `reconstruction mse ${result.mse.toFixed(5)} mae ${result.mae.toFixed(5)}; perplexity ${result.perplexity.toFixed(1)} of ${result.codebookSize} codes (${result.usedCodes} used) on ${result.count} test images${scored}\n${path}\n`,
    );
    return 0;
  } finally {
    tf.dispose(owned);
    model.dispose();
    classifier?.dispose();
  }
}

/** `pretrained:<name>` of --checkpoint (and of gen train dalle --vq): the VAEs @gen/vae ships. */
export const PRETRAINED_VAE_CHECKPOINTS: PretrainedLookup = {
  names: [...PRETRAINED_VAES, ...PRETRAINED_VQ_VAES],
  dir: (name) => ((PRETRAINED_VQ_VAES as readonly string[]).includes(name) ? pretrainedVqVaeDir(name as PretrainedVqVaeName) : pretrainedVaeDir(name as PretrainedVaeName)),
};

/** Finds and checks a VAE checkpoint without touching tensors (before the backend starts). */
function findVaeCheckpoint(given: string | undefined, commandPath: string) {
  const checkpoint = resolveCheckpoint(given, commandPath, PRETRAINED_VAE_CHECKPOINTS);
  const config = checkpointConfig('vae', checkpoint.location);
  const model = (config.model ?? {}) as { kind?: unknown; numClasses?: unknown; latentDim?: unknown };
  const numClasses = model.kind === 'conditional-vae' ? Number(model.numClasses ?? 10) : 0;
  return { checkpoint, config, numClasses, latentDim: model.latentDim, vq: model.kind === 'vq-vae' };
}

async function loadVaeAt(location: string): Promise<VaeFamilyModel> {
  const { model } = await loadCheckpointOrFail('vae', location, () => loadVaeModel({ source: coreNode.fileCheckpoint(location) }));
  return model;
}

/** Real images of `dataset` in the model's range (`split`, the first `count` of a seeded order). */
async function realImages(
  dataset: DatasetChoice,
  split: 'train' | 'test',
  count: number,
  model: { range: readonly [number, number] },
  seed: number,
  stream: string,
  onlyClass?: number,
): Promise<{ images: tf.Tensor4D; labels: tf.Tensor1D; size: number }> {
  const data = await coreNode.loadDataset(dataset, { split });
  let order = Array.from(new core.Generator(seed).fork(stream).permutation(data.size));
  if (onlyClass !== undefined) order = order.filter((i) => data.labels[i] === onlyClass);
  const size = Math.min(count, order.length);
  const picked = core.subset(data, order.slice(0, size));
  const [low, high] = model.range;
  const images = tf.tidy(() => {
    const unit = tf.tensor4d(picked.images, [size, picked.height, picked.width, picked.channels]);
    return (low === 0 && high === 1 ? unit : tf.add(tf.mul(unit, high - low), low)) as tf.Tensor4D;
  });
  return { images, labels: tf.tensor1d(picked.labels, 'int32'), size };
}

/**
 * Writes `images` (in the model's `range`, consumed: disposed here) as one PNG grid of `columns`
 * columns at `path`, and prints the path.
 */
async function writeGridPng(images: tf.Tensor, range: readonly [number, number], path: string, columns: number, io: CommandContext['io']): Promise<void> {
  const unit = toUnitRange(images, range);
  images.dispose();
  try {
    await writeFrames(path, unit, columns);
    io.stdout.write(`${path}\n`);
  } finally {
    unit.dispose();
  }
}

/** `--attribute a-b`: two different classes of `dataset` by name or index (a name may itself hold a '-'). */
function parseAttribute(value: string, dataset: DatasetChoice): { positive: number; negative: number; names: [string, string] } {
  const names = core.classNamesFor(dataset);
  const classOf = (text: string): number => {
    const trimmed = text.trim();
    if (/^\d+$/.test(trimmed) && Number(trimmed) < names.length) return Number(trimmed);
    return names.findIndex((name) => name.toLowerCase() === trimmed.toLowerCase());
  };
  const byName = names.some((name, i) => name !== String(i)) ? ` or ${names.map((name) => JSON.stringify(name)).join(', ')}` : '';
  const allowed = `must be <a>-<b>: two different classes of ${dataset} (0 to ${names.length - 1}${byName})`;
  for (let at = value.indexOf('-'); at >= 0; at = value.indexOf('-', at + 1)) {
    const positive = classOf(value.slice(0, at));
    const negative = classOf(value.slice(at + 1));
    if (positive < 0 || negative < 0) continue;
    if (positive === negative) throw new UsageError('--attribute', value, `${allowed}; a and b are both ${names[positive]}`);
    return { positive, negative, names: [names[positive], names[negative]] };
  }
  throw new UsageError('--attribute', value, allowed);
}

function vaeDataset(given: DatasetChoice | undefined, checkpoint: ResolvedCheckpoint, config: Record<string, unknown>): DatasetChoice {
  return evalDataset(given, checkpoint, trainingDatasetOf(config));
}

/**
 * `--image`: one latent per seed from the reference's posterior, z_i = μ + temperature·σ·ε_i with
 * ε_i ~ N(0, I) from `new Generator(seeds[i])`; the reference `[H, W, C]` is in [0, 1].
 */
export function referencePosteriorLatents(model: VariationalModel, reference: tf.Tensor3D, seeds: readonly number[], temperature: number, labels: Int32Array | null): tf.Tensor {
  const [low, high] = model.range;
  return tf.tidy(() => {
    const x = tf.add(tf.mul(tf.expandDims(reference, 0), high - low), low);
    const y = labels ? tf.tensor1d([labels[0]], 'int32') : undefined;
    const { latentDist } = model.encode(x, { labels: y });
    const noise = tf.concat(seeds.map((s) => new core.Generator(s).normal([1, ...model.latentShape])));
    return tf.add(latentDist.mean, tf.mul(tf.mul(latentDist.std(), temperature), noise));
  });
}

async function sampleVaeCommand({ options, io, verbose, commandPath }: CommandContext): Promise<number> {
  const n = options.n as number;
  const label = options.label as number | undefined;
  const seed = options.seed as number;
  const temperature = options.temperature as number;
  const out = resolve(options.out as string);
  const { checkpoint, config, numClasses: savedClasses, latentDim, vq } = findVaeCheckpoint(options.checkpoint as string | undefined, commandPath);
  if (vq) {
    throw new UsageError('--checkpoint', checkpoint.location, 'is a VQ-VAE, which has no prior to sample from (a token prior samples its tokens); gen eval vae measures its reconstructions');
  }
  checkLabel(label, savedClasses);
  if (options['latent-grid'] && latentDim !== 2) {
    throw new UsageError('--latent-grid', undefined, `needs a checkpoint with a 2-D latent (this one has latentDim ${String(latentDim)}); train with --latent-dim 2`);
  }
  // --image ref.png: posterior samples of the reference (natural VAE variations), steered toward its CLIP image embedding with --clip.
  const referenced = referenceRequest(options, commandPath, null);
  if (referenced && options.mixture) throw new UsageError('--mixture', undefined, 'cannot be combined with --image (the variations are posterior samples of the reference)');
  if (referenced && savedClasses > 0 && label === undefined) {
    throw new UsageError('--label', undefined, "is required with --image: the checkpoint is class-conditional, so its encoder needs the reference's class");
  }
  const request = referenced ? null : promptRequest(options, commandPath);
  const attributeValue = options.attribute as string | undefined;
  if (request && options.mixture) throw new UsageError('--mixture', undefined, 'cannot be combined with --prompt (steering starts from the prior draws of the same seeds)');
  const needsData = (options.mixture as boolean) || (options.interpolate as boolean) || (options.reconstruct as boolean) || attributeValue !== undefined;
  const dataset = needsData ? vaeDataset(options.dataset as DatasetChoice | undefined, checkpoint, config) : null;
  const attribute = attributeValue !== undefined && dataset ? parseAttribute(attributeValue, dataset) : null;
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const model = await loadVaeAt(checkpoint.location);
  const clipAt = request ?? (referenced?.location ? { location: referenced.location } : null);
  const clip = clipAt ? await loadPromptClip(clipAt) : null;
  const owned: tf.Tensor[] = [];
  try {
    const reference = referenced ? await readReferenceImage(referenced.image, model.imageShape, "the model's") : null;
    if (reference) owned.push(reference);
    const numClasses = model.numClasses;
    const labels = sampleLabels(n, numClasses, label);
    const seeds = Array.from({ length: n }, (_, i) => sampleSeed(seed, i));

    // The sampler: the prior N(0, t²I), or a Gaussian mixture fitted to the posterior means of training images.
    let fitted: Awaited<ReturnType<typeof fitPosteriorMixture>> | null = null;
    if (options.mixture && dataset) {
      const train = await realImages(dataset, 'train', options['mixture-images'] as number, model, seed, 'mixture/images');
      owned.push(train.images, train.labels);
      if (train.size < (options.components as number)) {
        throw new UsageError('--components', String(options.components), `must be at most the number of images fitted (${train.size})`);
      }
      fitted = await fitPosteriorMixture({
        model,
        images: train.images,
        ...(numClasses > 0 ? { labels: train.labels } : {}),
        numComponents: options.components as number,
        generator: new core.Generator(seed).fork('mixture/fit'),
      });
    }
    // --image: z_i = μ + temperature·σ·ε_i of the reference's posterior q(z | x), ε_i from seed i.
    const posteriorLatents = reference ? referencePosteriorLatents(model, reference, seeds, temperature, labels) : null;
    if (posteriorLatents) owned.push(posteriorLatents);
    const images = tf.tidy(() =>
      tf.concat(
        seeds.map((s, i) => {
          const y = labels ? tf.tensor1d([labels[i]], 'int32') : undefined;
          const generator = new core.Generator(s);
          const raw = posteriorLatents
            ? model.decode(tf.slice(posteriorLatents, i, 1), { labels: y }).sample
            : fitted
              ? sampleMixture({ model, mixture: fitted.mixture, count: 1, generator, labels: y })
              : samplePrior({ model, count: 1, generator, labels: y, temperature });
          return toUnitRange(raw, model.range);
        }),
      ),
    ) as tf.Tensor4D;
    let steered: VaeSteeringResult | null = null;
    try {
      // --prompt: the prior draws of the same seeds, steered toward the prompt.
      const columns = gridColumns(n, numClasses, label === undefined);
      let prompt: Awaited<ReturnType<typeof reportPrompt>> | null = null;
      let referenceReport: Awaited<ReturnType<typeof reportReference>> | null = null;
      const steering = { steps: options['steer-steps'] as number, lr: options['steer-lr'] as number, cutouts: options.cutouts as number, maxShift: options['max-shift'] as number, priorWeight: options['prior-weight'] as number };
      if (clip && (request || reference)) {
        // From the prior draws of the same seeds (--prompt) or the reference's posterior samples (--image).
        const latents = posteriorLatents ? tf.clone(posteriorLatents) : tf.tidy(() => tf.concat(seeds.map((s) => new core.Generator(s).normal([1, ...model.latentShape], { std: temperature }))));
        try {
          const target = request ? { prompt: request.prompt } : { image: reference as tf.Tensor3D };
          steered = await steerVaeLatents({ clip, ...target, decoder: model, latents, ...(labels ? { labels } : {}), ...steering, rng: new core.Generator(seed).fork('prompt') });
        } finally {
          latents.dispose();
        }
        if (request) prompt = await reportPrompt({ out, clip, request, prompted: steered.images, unprompted: images, columns, settings: steering });
      }
      if (referenced && reference) {
        referenceReport = await reportReference({ out, request: referenced, reference, clip, images: steered?.images ?? images, unguided: steered ? images : null, columns, settings: { temperature, ...(steered ? steering : {}) } });
      }
      const written = await writeSampleSet({
        out,
        images: steered?.images ?? images,
        seeds,
        labels,
        columns,
        extra: {
          family: 'vae',
          checkpoint: checkpoint.location,
          step: checkpoint.step,
          sampler: posteriorLatents ? 'posterior of the reference image' : fitted ? `mixture of ${options.components} Gaussians fitted to ${options['mixture-images']} training posterior means` : 'prior',
          ...(fitted ? {} : { temperature }),
          ...(prompt ? { prompt: prompt.record } : {}),
          ...(referenceReport ? { image: referenced!.image, reference: referenceReport.record } : {}),
        },
      });
      const sampler = posteriorLatents ? `posterior of ${referenced!.image}` : fitted ? 'posterior mixture' : 'prior';
      const toward = request ? `, steered toward ${JSON.stringify(request.prompt)}` : steered ? ', steered toward its CLIP image embedding' : '';
      io.stdout.write(`sampled ${n} images from ${checkpoint.location} (${sampler}${toward})\n${written.grid}\n${written.json}\n`);
      if (prompt) io.stdout.write(`${prompt.line}\n`);
      if (referenceReport) io.stdout.write(`${referenceReport.line}\n`);
    } finally {
      images.dispose();
      steered?.dispose();
    }

    if (options.interpolate && dataset) {
      const rows = options.rows as number;
      const frames = options.frames as number;
      const test = await realImages(dataset, 'test', 2 * rows, model, seed, 'interpolate/images');
      owned.push(test.images, test.labels);
      const pairs = Math.floor(test.size / 2);
      const from = tf.slice(test.images, 0, pairs);
      const to = tf.slice(test.images, pairs, pairs);
      const stripLabels = numClasses > 0 ? (label !== undefined ? tf.fill([pairs], label, 'int32') : tf.slice(test.labels, 0, pairs)) : undefined;
      owned.push(from, to, ...(stripLabels ? [stripLabels] : []));
      const strips = await interpolate({ model, from, to, ...(stripLabels ? { labels: stripLabels } : {}), steps: frames, method: 'slerp' });
      await writeGridPng(strips, model.range, join(out, 'interpolation.png'), frames, io);
    }
    if (options.reconstruct && dataset) {
      // --rows test images (top row) above their reconstructions: decode of the posterior mean.
      const rows = options.rows as number;
      const test = await realImages(dataset, 'test', rows, model, seed, 'reconstruct/images');
      owned.push(test.images, test.labels);
      const decoded = await reconstruct({ model, images: test.images, ...(numClasses > 0 ? { labels: test.labels } : {}) });
      const both = tf.concat([test.images, decoded]);
      decoded.dispose();
      await writeGridPng(both, model.range, join(out, 'reconstruction.png'), test.size, io);
    }
    if (attribute && dataset) {
      // Latent arithmetic: mean posterior mean of class a minus that of class b (training images),
      // added at strengths 0 … 1 to the latents of --rows test images of class b, one image per row.
      const rows = options.rows as number;
      const frames = options.frames as number;
      const train = await realImages(dataset, 'train', options['attribute-images'] as number, model, seed, 'attribute/train');
      owned.push(train.images, train.labels);
      const present = new Set(await train.labels.data());
      for (const [which, name] of [[attribute.positive, attribute.names[0]], [attribute.negative, attribute.names[1]]] as const) {
        if (!present.has(which)) throw new UsageError('--attribute-images', String(options['attribute-images']), `holds no training image of ${name}; use more images`);
      }
      const vector = await attributeVector({ model, images: train.images, labels: train.labels, positive: attribute.positive, negative: attribute.negative });
      owned.push(vector);
      const test = await realImages(dataset, 'test', rows, model, seed, 'attribute/images', attribute.negative);
      owned.push(test.images, test.labels);
      const scales = Array.from({ length: frames }, (_, i) => i / (frames - 1));
      const edited = await applyAttribute({ model, images: test.images, ...(numClasses > 0 ? { labels: test.labels } : {}), vector, scales });
      await writeGridPng(edited, model.range, join(out, 'attribute.png'), frames, io);
    }
    if (options['latent-grid']) {
      const rows = options['grid-size'] as number;
      const grid = latentGrid({ model, rows, columns: rows, ...(numClasses > 0 ? { label: label ?? 0 } : {}) });
      await writeGridPng(grid, model.range, join(out, 'latent-grid.png'), rows, io);
    }
    return 0;
  } finally {
    tf.dispose(owned);
    model.dispose();
    clip?.dispose();
  }
}

async function evalVaeCommand({ options, io, verbose, commandPath }: CommandContext): Promise<number> {
  const n = options.n as number;
  const seed = options.seed as number;
  const k = options.k as number;
  const { checkpoint, config, vq } = findVaeCheckpoint(options.checkpoint as string | undefined, commandPath);
  if (vq) return evalVqVaeCommand({ options, io, verbose, commandPath } as CommandContext, checkpoint, config);
  const dataset = vaeDataset(options.dataset as DatasetChoice | undefined, checkpoint, config);
  const real = await realTestImages(dataset);
  checkEvalN(n, dataset, real.size, '--n');
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const model = await loadVaeAt(checkpoint.location);
  const owned: tf.Tensor[] = [];
  try {
    const classifier = await loadClassifier(dataset);
    if (!classifier) throw new core.GenError(`the feature classifier for ${dataset} was not found (@gen/core's assets/feature-classifiers/${dataset})`);
    const numClasses = model.numClasses;

    // 1. Sample quality: FID / floor / ratio / KID (and class accuracy) of n prior samples.
    const labels = sampleLabels(n, numClasses, undefined);
    const y = labelTensor(labels);
    if (y) owned.push(y);
    const samples = tf.tidy(() => toUnitRange(samplePrior({ model, count: n, generator: new core.Generator(seed).fork('eval'), labels: y }), model.range));
    owned.push(samples);
    let metrics: Awaited<ReturnType<typeof scoreSamples>>;
    let mixtureMetrics: Awaited<ReturnType<typeof scoreSamples>> | null = null;
    let reconstructionMetrics: Awaited<ReturnType<typeof scoreSamples>> | null = null;
    const components = options.components as number;
    try {
      metrics = await scoreSamples({ samples, labels, classifier, real, n, seed });
      // 1b. The same for a Gaussian mixture fitted to training posterior means (often much better samples).
      if (components > 0) {
        const train = await realImages(dataset, 'train', options['mixture-images'] as number, model, seed, 'mixture/images');
        owned.push(train.images, train.labels);
        if (train.size < components) {
          throw new UsageError('--components', String(components), `must be at most the number of images fitted (${train.size})`);
        }
        const fitted = await fitPosteriorMixture({
          model,
          images: train.images,
          ...(numClasses > 0 ? { labels: train.labels } : {}),
          numComponents: components,
          generator: new core.Generator(seed).fork('mixture/fit'),
        });
        const mixtureSamples = tf.tidy(() => toUnitRange(sampleMixture({ model, mixture: fitted.mixture, count: n, generator: new core.Generator(seed).fork('eval/mixture'), labels: y }), model.range));
        owned.push(mixtureSamples);
        mixtureMetrics = await scoreSamples({ samples: mixtureSamples, labels, classifier, real, n, seed });
      }
      // 1c. Reconstructions of n training images through the posterior means, scored like samples: the
      // best FID a model of this latent space can reach (the ceiling of latent diffusion on an AutoencoderKL).
      const originals = await realImages(dataset, 'train', n, model, seed, 'reconstruction/images');
      owned.push(originals.images, originals.labels);
      const originalLabels = numClasses > 0 ? originals.labels : undefined;
      const reconstructed = tf.tidy(() =>
        toUnitRange(model.decode(model.encode(originals.images, { labels: originalLabels }).latentDist.mean, { labels: originalLabels }).sample as tf.Tensor4D, model.range),
      );
      owned.push(reconstructed);
      const reconstructedLabels = Int32Array.from(await originals.labels.data());
      reconstructionMetrics = await scoreSamples({ samples: reconstructed, labels: reconstructedLabels, classifier, real, n, seed });
    } finally {
      classifier.dispose();
    }

    // 2. Likelihood: importance-sampled NLL (k samples per image) and the ELBO, on test images.
    const test = await realImages(dataset, 'test', options['nll-n'] as number, model, seed, 'nll/images');
    owned.push(test.images, test.labels);
    const binarized = model.likelihood === 'bernoulli';
    const images = binarized ? core.binarize(test.images, { mode: 'dynamic', generator: new core.Generator(seed).fork('nll/binarize') }) : test.images;
    if (binarized) owned.push(images);
    const nllLabels = numClasses > 0 ? test.labels : undefined;
    const started = Date.now();
    const estimate = await estimateNll({ model, images, ...(nllLabels ? { labels: nllLabels } : {}), k, generator: new core.Generator(seed).fork('nll/samples') });
    const reconstruction = await reconstructionError({ model, images, ...(nllLabels ? { labels: nllLabels } : {}) });
    const path = writeMetrics(io, resolve(options.out as string), {
      family: 'vae',
      checkpoint: checkpoint.location,
      step: checkpoint.step,
      dataset,
      conditional: numClasses > 0,
      likelihood: model.likelihood,
      seed,
      ...metrics,
      sampler: 'prior N(0, I)',
      ...(mixtureMetrics ? { mixture: { sampler: `mixture of ${components} Gaussians fitted to ${String(options['mixture-images'])} training posterior means`, ...mixtureMetrics } } : {}),
      nll: estimate.nll,
      nllStandardError: estimate.standardError,
      elbo: estimate.elbo,
      nllUnit: 'nats per image',
      k: estimate.k,
      nllImages: estimate.count,
      nllData: `${dataset} test split, ${estimate.count} images${binarized ? ', dynamically binarized (seeded)' : ''}`,
      nllSeconds: (Date.now() - started) / 1000,
      reconstruction: {
        mse: reconstruction.mse,
        mae: reconstruction.mae,
        nll: reconstruction.nll,
        // FID of n training images' reconstructions against the same real test images (same floor).
        fid: reconstructionMetrics!.fid,
        ratio: reconstructionMetrics!.ratio,
        ...(reconstructionMetrics!.classAccuracy !== undefined ? { classAccuracy: reconstructionMetrics!.classAccuracy } : {}),
      },
    });
    io.stdout.write(
      `${formatSampleMetrics(metrics)} (n ${n})\n` +
        (mixtureMetrics ? `mixture: fid ${mixtureMetrics.fid.toFixed(3)} ratio ${mixtureMetrics.ratio.toFixed(3)}${mixtureMetrics.classAccuracy !== undefined ? ` accuracy ${mixtureMetrics.classAccuracy.toFixed(3)}` : ''}\n` : '') +
        `reconstructions: fid ${reconstructionMetrics!.fid.toFixed(3)} ratio ${reconstructionMetrics!.ratio.toFixed(3)}${reconstructionMetrics!.classAccuracy !== undefined ? ` accuracy ${reconstructionMetrics!.classAccuracy.toFixed(3)}` : ''}, mse ${reconstruction.mse.toFixed(5)}\n` +
        `nll ${estimate.nll.toFixed(2)} ± ${estimate.standardError.toFixed(2)} nats (k ${estimate.k}, ${estimate.count} test images), elbo ${estimate.elbo.toFixed(2)} nats\n${path}\n`,
    );
    return 0;
  } finally {
    tf.dispose(owned);
    model.dispose();
  }
}

export const vaeCommands: FamilyCommands = {
  family: 'vae',
  summary: 'VAEs: conv VAE (Bernoulli / Gaussian / logistic), β-VAE, IWAE, conditional VAE, AutoencoderKL, VQ-VAE',
  train: {
    summary: 'Train a VAE on MNIST or Fashion-MNIST',
    description: [
      'Runs @gen/vae trainVae with checkpoints in <out>/checkpoints (--resume continues; Ctrl-C stops',
      'after the current step with a final checkpoint), prior-sample grids in <out>/samples and losses',
      '(nats per image) in <out>/metrics.jsonl.',
    ].join('\n'),
    options: {
      ...trainOptions('vae'),
      objective: { type: 'string', valueName: 'name', description: 'elbo, or iwae (the k-sample bound)', default: 'elbo', parse: choiceOption(['elbo', 'iwae'] as const) },
      k: { type: 'string', valueName: 'n', description: 'importance samples per image for --objective iwae', defaultLabel: '5 for iwae, 1 for elbo', parse: integerOption(1, 10000) },
      beta: { type: 'string', valueName: 'β', description: 'KL weight (β-VAE; the end value of --beta-warmup)', defaultLabel: '1', parse: nonNegativeNumberOption },
      'beta-warmup': { type: 'string', valueName: 'n', description: 'KL warm-up: β rises linearly from 0 over n steps', defaultLabel: 'none', parse: integerOption(1, 1e9) },
      likelihood: { type: 'string', valueName: 'name', description: `decoder distribution: ${LIKELIHOODS.join(', ')}`, defaultLabel: 'bernoulli', parse: choiceOption(LIKELIHOODS) },
      'latent-dim': { type: 'string', valueName: 'n', description: 'size of the latent (2 allows sample --latent-grid)', defaultLabel: '32', parse: integerOption(1, 4096) },
      lr: { type: 'string', valueName: 'x', description: 'Adam learning rate', default: 1e-3, parse: positiveNumberOption('') },
      model: {
        type: 'string',
        valueName: 'name',
        description: 'vae (vector latent), autoencoder-kl (spatial latent for latent diffusion: gen train diffusion --autoencoder), or vq-vae (discrete tokens)',
        default: 'vae',
        parse: choiceOption(MODELS),
      },
      'codebook-size': { type: 'string', valueName: 'K', description: 'codes of --model vq-vae (its token vocabulary)', defaultLabel: '256', parse: integerOption(1, 65536) },
      'code-dim': { type: 'string', valueName: 'D', description: 'size of each code of --model vq-vae', defaultLabel: '32', parse: integerOption(1, 4096) },
      config: configOption(`${VAE_CONFIG_FIELDS.join(', ')}; with --model autoencoder-kl: ${AUTOENCODER_CONFIG_FIELDS.join(', ')}; with --model vq-vae: ${VQ_CONFIG_FIELDS.join(', ')}`),
    },
    examples: [
      'gen train vae --dataset mnist --steps 10000 --out runs/vae',
      'gen train vae --objective iwae --k 5 --steps 10000 --out runs/iwae',
      'gen train vae --dataset fashion --likelihood logistic --beta-warmup 5000 --out runs/fashion-vae',
      'gen train vae --dataset fashion --model autoencoder-kl --likelihood gaussian --out runs/fashion-ae',
      'gen train vae --model vq-vae --codebook-size 512 --code-dim 32 --steps 5000 --out runs/vq',
    ],
    run: trainVaeCommand,
  },
  sample: {
    summary: 'Sample images from a VAE checkpoint',
    options: {
      ...sampleOptions('vae'),
      temperature: temperatureOption,
      mixture: { type: 'boolean', description: 'sample a Gaussian mixture fitted to posterior means of training images instead of the prior', default: false },
      components: { type: 'string', valueName: 'n', description: 'components of --mixture', default: 10, parse: integerOption(1, 1000) },
      'mixture-images': { type: 'string', valueName: 'n', description: 'training images --mixture is fitted to', default: 2000, parse: integerOption(1, 1e7) },
      interpolate: { type: 'boolean', description: 'also write <out>/interpolation.png: slerp between the latents of pairs of test images, one per row', default: false },
      'latent-grid': { type: 'boolean', description: 'also write <out>/latent-grid.png: the decoded 2-D latent plane (needs --latent-dim 2)', default: false },
      'grid-size': { type: 'string', valueName: 'n', description: 'rows and columns of --latent-grid', default: 15, parse: integerOption(1, 1000) },
      reconstruct: { type: 'boolean', description: 'also write <out>/reconstruction.png: --rows test images (top row) above their reconstructions (decoded posterior means)', default: false },
      attribute: {
        type: 'string',
        valueName: 'a-b',
        description: 'also write <out>/attribute.png: latent arithmetic, mean latent of class a minus class b (e.g. 7-1), added at strengths 0 to 1 to --rows test images of class b, one per row',
        defaultLabel: 'none',
      },
      'attribute-images': { type: 'string', valueName: 'n', description: 'training images the --attribute vector is averaged over', default: 2000, parse: integerOption(1, 1e7) },
      rows: { type: 'string', valueName: 'n', description: 'rows of --interpolate and --attribute, images of --reconstruct', default: 8, parse: integerOption(1, 1000) },
      frames: { type: 'string', valueName: 'n', description: 'frames per --interpolate or --attribute row (both ends included)', default: 10, parse: integerOption(2, 1000) },
      dataset: { ...datasetOption('images for --mixture, --interpolate, --reconstruct and --attribute; default: the run\'s dataset'), default: undefined, defaultLabel: 'from the run' },
      ...promptOptions('the prior draws of the same seeds are optimised (Adam, Gaussian prior penalty) toward it'),
      ...imageOption(
        "variations: the reference is encoded and n posterior samples z = μ + temperature·σ·ε decoded (a class-conditional checkpoint needs its --label); with --clip they are then steered toward the reference's CLIP image embedding",
      ),
      ...steeringOptions(),
      'prior-weight': { type: 'string', valueName: 'λ', description: 'with --prompt, weight of the prior penalty λ·½‖z‖² (−log N(z; 0, I) + const)', default: 0.01, parse: nonNegativeNumberOption },
    },
    examples: [
      'gen sample vae --checkpoint runs/vae --n 64',
      'gen sample vae --checkpoint runs/vae --mixture --interpolate',
      'gen sample vae --checkpoint runs/vae2d --latent-grid',
      'gen sample vae --checkpoint runs/vae --reconstruct --attribute 7-1 --rows 4',
      'gen sample vae --checkpoint runs/vae --prompt "a bold zero" --clip runs/clip-mnist --n 16 --out out/zero',
      'gen sample vae --checkpoint pretrained:mnist --image ref.png --n 8 --out out/variations',
    ],
    run: sampleVaeCommand,
  },
  eval: {
    summary: 'FID / KID of prior and Gaussian-mixture samples, the importance-sampled NLL (nats) with the ELBO, reconstruction error; for a VQ-VAE: reconstruction error and codebook perplexity',
    options: {
      ...evalOptions('vae'),
      k: { type: 'string', valueName: 'n', description: 'importance samples per image for the NLL', default: 1000, parse: integerOption(1, 1e6) },
      'nll-n': { type: 'string', valueName: 'n', description: 'test images the NLL is averaged over', default: 200, parse: integerOption(1, 1e6) },
      components: { type: 'string', valueName: 'n', description: 'also score samples of a Gaussian mixture with n components fitted to training posterior means (0: prior only)', default: 10, parse: integerOption(0, 1000) },
      'mixture-images': { type: 'string', valueName: 'n', description: 'training images the mixture is fitted to', default: 2000, parse: integerOption(1, 1e7) },
    },
    examples: ['gen eval vae --checkpoint runs/vae --n 1000 --k 1000 --out eval/vae', 'gen eval vae --checkpoint runs/vq --n 1000 --out eval/vq'],
    run: evalVaeCommand,
  },
};
