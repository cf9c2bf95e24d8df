// gen train | sample | eval gan: @gen/gan's trainGan, generate, latentInterpolation,
// truncationSweep and loadGan behind the command line.
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as core from '@gen/core';
import * as coreNode from '@gen/core/node';
import {
  GAN_ARCHITECTURES,
  GAN_LOSSES,
  ganConfig,
  generate,
  latentInterpolation,
  loadGan,
  sampleLatents,
  trainGan,
  truncationSweep,
  type GanArchitecture,
  type GanConfig,
  type GanLoss,
  type LoadedGan,
} from '@gen/gan';
import { PRETRAINED_GANS, pretrainedGanDir, type PretrainedGanName } from '@gen/gan/node';
import { evaluateClipGuidance, GAN_CLASS_MODES, steerGanLatents, type GanClassMode, type GanSteeringResult } from '@gen/clip-guidance';
import { choiceOption, integerOption } from '../options';
import type { CommandContext, FamilyCommands } from '../registry';
import { setupBackend } from '../setup-backend';
import { UsageError } from '../usage-error';
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
  steeringOptions,
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
  type PretrainedLookup,
  sampleGridPath,
  sampleLabels,
  sampleOptions,
  sampleSeed,
  scoreSamples,
  tenth,
  trainOptions,
  workersOption,
  trainingDatasetOf,
  TrainingProgress,
  writeFrames,
  writeMetrics,
  writeRunRecord,
  writeSampleSet,
  type DatasetChoice,
  formatSampleMetrics,
} from './shared';

const CONDITIONAL_ARCHITECTURES: readonly GanArchitecture[] = ['conditional', 'acgan', 'biggan'];
const GAN_CONFIG_FIELDS = ['latentDim', 'generatorWidths', 'discriminatorWidths'] as const;

/** `--classes`, `--class-lr` of GAN steering: how a conditional generator's class is chosen, and the Adam learning rate of its logits. */
const classLrOption = {
  classes: {
    type: 'string' as const,
    valueName: 'mode',
    description:
      "conditional checkpoints without --label: steer (CLIP picks the class among one render per class, then its logits are optimised with the latents) or random (classes drawn and kept: only the latents move, against the class; the baseline)",
    defaultLabel: 'steer',
    parse: choiceOption(GAN_CLASS_MODES),
  },
  'class-lr': {
    type: 'string' as const,
    valueName: 'x',
    description: 'conditional checkpoints without --label: Adam learning rate of the steered class logits (the class starts at CLIP\'s pick among one render per class)',
    defaultLabel: '--steer-lr',
    parse: positiveNumberOption(''),
  },
};

/** The steering options of `gen eval gan --clip` (defaults as `gen sample gan --prompt`). */
const CLIP_EVAL_OPTIONS = { ...steeringOptions(), 'batch-size': { type: 'string' as const, valueName: 'n', description: 'with --clip: images steered together', default: 50, parse: integerOption(1, 100000) } };

const truncationOption = {
  type: 'string' as const,
  valueName: 'τ',
  description: 'truncate latents to [−τ, τ] (smaller: cleaner, less varied); Infinity: none',
  default: Infinity,
  defaultLabel: 'Infinity',
  parse: positiveNumberOption('', true),
};

async function trainGanCommand({ options, io, verbose, argv, commandPath }: CommandContext): Promise<number> {
  const steps = options.steps as number;
  const dataset = options.dataset as DatasetChoice;
  const conditional = options.conditional as boolean;
  const architecture = (options.architecture as GanArchitecture | undefined) ?? (conditional ? 'conditional' : 'dcgan');
  if (conditional !== CONDITIONAL_ARCHITECTURES.includes(architecture)) {
    throw new UsageError(
      '--architecture',
      architecture,
      conditional ? `is unconditional; with --conditional use one of ${CONDITIONAL_ARCHITECTURES.join(', ')}` : `is conditional: add --conditional (or use dcgan, sngan, sagan)`,
    );
  }
  const overrides = checkConfigKeys(options.config as Record<string, unknown> | undefined, GAN_CONFIG_FIELDS);
  const every = (options.every as number | undefined) ?? tenth(steps);
  const checkpointEvery = (options['checkpoint-every'] as number | undefined) ?? tenth(steps);
  const fidEveryOption = options['fid-every'] as number | undefined;
  const fidN = options['fid-n'] as number;
  const folders = prepareRun(options.out as string, options.resume as boolean, steps);

  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const data = await loadTrainingData(dataset, options['limit-data'] as number | undefined);
  if ((options['batch-size'] as number) > data.size) {
    throw new UsageError('--batch-size', String(options['batch-size']), `must be at most the number of training images (${data.size})`);
  }
  const numClasses = conditional ? data.classNames.length : 0;
  let config: GanConfig;
  try {
    config = ganConfig({ architecture, height: data.height, width: data.width, channels: data.channels, numClasses, ...(overrides as object) });
  } catch (error) {
    if (core.InvalidArgumentError.isInstance(error)) throw new UsageError('--config', JSON.stringify(overrides), `is not a valid GAN config: ${error.message}`);
    throw error;
  }
  if (options.sn) config = { ...config, discriminator: { ...config.discriminator, spectralNorm: true } };
  writeRunRecord(
    folders,
    { family: 'gan', dataset, conditional, numClasses, classNames: data.classNames, argv: ['train', 'gan', ...argv], architecture, loss: options.loss, config: config as unknown as Record<string, unknown> },
    options.resume as boolean,
  );
  io.stdout.write(`data: ${data.name}, ${data.size} images; ${architecture} GAN, loss ${options.loss}${options.sn ? ', spectral norm in D' : ''}${conditional ? `, ${numClasses} classes` : ''}\n`);
  if (folders.startStep > 0) io.stdout.write(`resuming from step ${folders.startStep}\n`);

  // FID every N steps with keep-best (<out>/best), when the dataset's feature classifier is there.
  const classifier = fidEveryOption === 0 ? null : await loadClassifier(dataset);
  const fidEvery = classifier ? (fidEveryOption ?? checkpointEvery) : 0;
  const real = classifier ? await realTestImages(dataset) : null;
  if (classifier && real) checkEvalN(fidN, dataset, real.size, '--fid-n');
  if (fidEveryOption !== 0 && !classifier) io.stdout.write(`fid: off (no feature classifier for ${dataset})\n`);

  const progress = new TrainingProgress(io, 'train gan', folders.startStep, steps);
  const interrupt = interruptSignal(io, options['max-minutes']);
  const logEvery = gcd(gcd(10, every || 10), fidEvery || 10);
  const seed = options.seed as number;
  let result: Awaited<ReturnType<typeof trainGan>> | null = null;
  let lastScore: Awaited<ReturnType<typeof scoreSamples>> | null = null;
  try {
    result = await trainGan({
      dataset: data,
      config,
      loss: options.loss as GanLoss,
      steps,
      batchSize: options['batch-size'] as number,
      seed,
      ...(options['critic-steps'] !== undefined ? { criticSteps: options['critic-steps'] as number } : {}),
      ...(options['lr-g'] !== undefined ? { lrG: options['lr-g'] as number } : {}),
      ...(options['lr-d'] !== undefined ? { lrD: options['lr-d'] as number } : {}),
      r1Gamma: options['r1-gamma'] as number,
      acganWeight: options['acgan-weight'] as number,
      acganClassifyFakes: !(options['acgan-real-only'] as boolean),
      ema: (options.ema as number) > 0 ? { decay: options.ema as number } : false,
      diffAugment: options['diff-augment'] as boolean,
      workers: options.workers as number | 'auto',
      checkpointDir: folders.checkpoints,
      checkpointEvery,
      keepCheckpoints: options.keep as number,
      resume: options.resume as boolean,
      signal: interrupt.signal,
      logEvery,
      metricsFile: folders.metricsFile,
      onProgress: (event) => progress.update(event),
      ...(every > 0
        ? {
            samples: {
              every,
              onSamples: async ({ step, grid }) => {
                await coreNode.writePng(sampleGridPath(folders, step), grid);
              },
            },
          }
        : {}),
      ...(classifier && real && fidEvery > 0
        ? {
            evaluation: {
              every: fidEvery,
              bestCheckpoint: join(folders.out, 'best'),
              score: async ({ sample, generator }) => {
                const labels = sampleLabels(fidN, generator.numClasses, undefined);
                const images = sample({ n: fidN, ...(labels ? { labels } : {}), rng: new core.Generator(seed).fork('fid') });
                try {
                  const metrics = await scoreSamples({ samples: images, labels, classifier, real, n: fidN, seed });
                  lastScore = metrics;
                  return metrics.fid;
                } finally {
                  images.dispose();
                }
              },
              onScore: ({ step, score, bestScore, bestStep, improved }) => {
                appendJsonLine(folders.evalFile, { step, ...lastScore, best: improved });
                progress.log(`step ${step}: fid ${score.toFixed(2)} (ratio ${lastScore?.ratio.toFixed(2)}, n ${fidN})${improved ? ' — best so far, saved to best/' : `; best ${bestScore.toFixed(2)} at step ${bestStep}`}`);
              },
            },
          }
        : {}),
    });
    progress.done(result.summary);
    if (result.workers > 1) io.stdout.write(`trained data-parallel on ${result.workers} worker threads (--workers 1: one thread)\n`);
    return reportTrainingEnd(io, commandPath, result.summary, folders.out, interrupt);
  } finally {
    interrupt.dispose();
    classifier?.dispose();
    result?.dispose();
  }
}
const PRETRAINED: PretrainedLookup = { names: PRETRAINED_GANS, dir: (name) => pretrainedGanDir(name as PretrainedGanName) };

/** Finds and checks a GAN checkpoint without touching tensors (before the backend starts). */
function findGanCheckpoint(given: string | undefined, commandPath: string) {
  const checkpoint = resolveCheckpoint(given, commandPath, PRETRAINED);
  const config = checkpointConfig('gan', checkpoint.location);
  const numClasses = Number((config.generator as { numClasses?: unknown } | undefined)?.numClasses ?? 0) || 0;
  return { checkpoint, config, numClasses };
}

async function loadGanAt(location: string): Promise<LoadedGan> {
  return loadCheckpointOrFail('gan', location, () => loadGan(location));
}

async function sampleGanCommand({ options, io, verbose, commandPath }: CommandContext): Promise<number> {
  const n = options.n as number;
  const label = options.label as number | undefined;
  const truncation = options.truncation as number;
  const seed = options.seed as number;
  const out = resolve(options.out as string);
  const { checkpoint, numClasses } = findGanCheckpoint(options.checkpoint as string | undefined, commandPath);
  checkLabel(label, numClasses);
  // --image ref.png --clip <dir>: steer toward the reference's CLIP image embedding instead of a prompt.
  const referenced = referenceRequest(options, commandPath, 'the latents are steered toward its CLIP image embedding');
  const request = referenced ? null : promptRequest(options, commandPath);
  for (const flag of ['classes', 'class-lr']) {
    const given = options[flag];
    if (given === undefined) continue;
    if (!request && !referenced) throw new UsageError(`--${flag}`, String(given), 'needs --prompt "<text>" (it sets how steering chooses the class)');
    if (numClasses === 0) throw new UsageError(`--${flag}`, String(given), 'must be omitted: the checkpoint is unconditional');
    if (label !== undefined) throw new UsageError(`--${flag}`, String(given), 'cannot be combined with --label (the class is given)');
  }
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const gan = await loadGanAt(checkpoint.location);
  const clipAt = request ?? (referenced?.location ? { location: referenced.location } : null);
  const clip = clipAt ? await loadPromptClip(clipAt) : null;
  let reference: tf.Tensor3D | null = null;
  try {
    if (referenced) reference = await readReferenceImage(referenced.image, gan.generator.imageShape, "the generator's");
    const labels = sampleLabels(n, numClasses, label);
    const seeds = Array.from({ length: n }, (_, i) => sampleSeed(seed, i));
    const columns = gridColumns(n, numClasses, label === undefined);
    const images = tf.tidy(() =>
      tf.concat(
        seeds.map((s, i) => generate({ generator: gan.generator, n: 1, ...(labels ? { labels: labels[i] } : {}), truncation, rng: new core.Generator(s) })),
      ),
    ) as tf.Tensor4D;
    let steered: GanSteeringResult | null = null;
    try {
      // --prompt: the same per-seed latents as the unprompted samples, steered toward the prompt.
      let prompt: Awaited<ReturnType<typeof reportPrompt>> | null = null;
      let referenceReport: Awaited<ReturnType<typeof reportReference>> | null = null;
      if (clip && (request || reference)) {
        const steps = options['steer-steps'] as number;
        const lr = options['steer-lr'] as number;
        const cutouts = options.cutouts as number;
        const maxShift = options['max-shift'] as number;
        const optimizeTruncation = options['steer-truncation'] as boolean;
        const classLr = options['class-lr'] as number | undefined;
        const classes = options.classes as GanClassMode | undefined;
        const latents = tf.tidy(() => tf.concat(seeds.map((s) => sampleLatents({ n: 1, latentDim: gan.generator.latentDim, truncation, rng: new core.Generator(s) }))));
        try {
          // A conditional checkpoint without --label: the prompt says what to draw, so the class is steered too (its logits start at CLIP's pick).
          steered = await steerGanLatents({
            clip,
            ...(request ? { prompt: request.prompt } : { image: reference as tf.Tensor3D }),
            generator: gan.generator,
            latents,
            ...(label !== undefined ? { labels: label } : {}),
            ...(classes !== undefined ? { classes } : {}),
            ...(classLr !== undefined ? { classLr } : {}),
            steps,
            lr,
            cutouts,
            maxShift,
            optimizeTruncation,
            rng: new core.Generator(seed).fork('prompt'),
          });
        } finally {
          latents.dispose();
        }
        const settings = {
          steps,
          lr,
          cutouts,
          maxShift,
          ...(steered.classWeights ? { classes: 'steer', classLr: classLr ?? lr, initialLabels: Array.from(steered.initialLabels ?? []) } : {}),
          ...(numClasses > 0 && label === undefined && !steered.classWeights ? { classes: 'random' } : {}),
          ...(optimizeTruncation ? { truncationScales: Array.from(steered.scales ?? []) } : {}),
        };
        if (request) prompt = await reportPrompt({ out, clip, request, prompted: steered.images, unprompted: images, columns, settings });
        else referenceReport = await reportReference({ out, request: referenced!, reference: reference!, clip, images: steered.images, unguided: images, columns, settings });
      }
      const written = await writeSampleSet({
        out,
        images: steered?.images ?? images,
        seeds,
        labels: steered?.labels ?? labels,
        columns,
        extra: {
          family: 'gan',
          checkpoint: checkpoint.location,
          step: checkpoint.step,
          truncation: Number.isFinite(truncation) ? truncation : null,
          ema: gan.usedEma,
          ...(prompt ? { prompt: prompt.record } : {}),
          ...(referenceReport ? { image: referenced!.image, reference: referenceReport.record } : {}),
        },
      });
      const toward = request ? `, steered toward ${JSON.stringify(request.prompt)}` : referenced ? `, steered toward the reference ${referenced.image}` : '';
      io.stdout.write(`sampled ${n} images from ${checkpoint.location}${gan.usedEma ? ' (EMA weights)' : ''}${toward}\n`);
      io.stdout.write(`${written.grid}\n${written.json}\n`);
      if (prompt) io.stdout.write(`${prompt.line}\n`);
      if (referenceReport) io.stdout.write(`${referenceReport.line}\n`);
    } finally {
      images.dispose();
      steered?.dispose();
    }
    const rows = options.rows as number;
    const rowLabels = numClasses > 0 ? (label !== undefined ? label : Array.from({ length: rows }, (_, r) => r % numClasses)) : undefined;
    if (options.interpolate) {
      const frames = options.frames as number;
      const strip = latentInterpolation({ generator: gan.generator, rows, steps: frames, ...(rowLabels !== undefined ? { labels: rowLabels } : {}), truncation, method: 'slerp', rng: new core.Generator(seed).fork('interpolate') });
      try {
        const path = join(out, 'interpolation.png');
        await writeFrames(path, strip, frames);
        io.stdout.write(`${path}\n`);
      } finally {
        strip.dispose();
      }
    }
    if (options['truncation-sweep']) {
      const truncations = [Infinity, 2, 1, 0.7, 0.5, 0.25];
      const sweep = truncationSweep({ generator: gan.generator, rows, truncations, ...(rowLabels !== undefined ? { labels: rowLabels } : {}), rng: new core.Generator(seed).fork('truncation-sweep') });
      try {
        const path = join(out, 'truncation-sweep.png');
        await writeFrames(path, sweep, truncations.length);
        io.stdout.write(`${path}\n`);
      } finally {
        sweep.dispose();
      }
    }
    return 0;
  } finally {
    gan.dispose();
    clip?.dispose();
    reference?.dispose();
  }
}

async function evalGanCommand(context: CommandContext): Promise<number> {
  const { options, io, verbose, commandPath } = context;
  const n = options.n as number;
  const seed = options.seed as number;
  const truncation = options.truncation as number;
  checkClipEvalFlags(options, [...Object.keys(CLIP_EVAL_OPTIONS), 'classes', 'class-lr'], []);
  const { checkpoint, config, numClasses } = findGanCheckpoint(options.checkpoint as string | undefined, commandPath);
  if (options.clip !== undefined) return evalClipGuidedGan(context, { checkpoint, config, numClasses });
  const dataset = evalDataset(options.dataset as DatasetChoice | undefined, checkpoint, trainingDatasetOf(config));
  const real = await realTestImages(dataset);
  checkEvalN(n, dataset, real.size, '--n');
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const gan = await loadGanAt(checkpoint.location);
  try {
    const classifier = await loadClassifier(dataset);
    if (!classifier) throw new core.GenError(`the feature classifier for ${dataset} was not found (@gen/core's assets/feature-classifiers/${dataset})`);
    const labels = sampleLabels(n, numClasses, undefined);
    const images = generate({ generator: gan.generator, n, ...(labels ? { labels } : {}), truncation, rng: new core.Generator(seed).fork('eval') });
    try {
      const metrics = await scoreSamples({ samples: images, labels, classifier, real, n, seed });
      const path = writeMetrics(io, resolve(options.out as string), {
        family: 'gan',
        checkpoint: checkpoint.location,
        step: checkpoint.step,
        dataset,
        conditional: numClasses > 0,
        ema: gan.usedEma,
        truncation: Number.isFinite(truncation) ? truncation : null,
        seed,
        ...metrics,
      });
      io.stdout.write(
        `${formatSampleMetrics(metrics)} (n ${n}, ${dataset} test)\n${path}\n`,
      );
    } finally {
      images.dispose();
      classifier.dispose();
    }
    return 0;
  } finally {
    gan.dispose();
  }
}

/**
 * `gen eval gan --clip <dir>`: prompted-class accuracy of CLIP-steered sampling (evaluateClipGuidance).
 * Each batch's latents are drawn from its own fork of --seed and steered toward its held-out
 * prompts; a conditional checkpoint's class is steered too (never given: the prompt says it).
 */
async function evalClipGuidedGan({ options, io, verbose, commandPath }: CommandContext, found: ReturnType<typeof findGanCheckpoint>): Promise<number> {
  const { checkpoint, config, numClasses } = found;
  const n = options.n as number;
  const seed = options.seed as number;
  const truncation = options.truncation as number;
  const value = <T>(name: string) => clipOptionValue<T>(options, CLIP_EVAL_OPTIONS, name);
  const steps = value<number>('steer-steps');
  const lr = value<number>('steer-lr');
  const cutouts = value<number>('cutouts');
  const maxShift = value<number>('max-shift');
  const batchSize = value<number>('batch-size');
  const classLr = options['class-lr'] as number | undefined;
  const classes = (options.classes as GanClassMode | undefined) ?? 'steer';
  for (const flag of ['classes', 'class-lr']) {
    if (options[flag] !== undefined && numClasses === 0) throw new UsageError(`--${flag}`, String(options[flag]), 'must be omitted: the checkpoint is unconditional');
  }
  if (classLr !== undefined && classes === 'random') throw new UsageError('--class-lr', String(classLr), 'needs --classes steer (random classes are not optimised)');
  const clipAt = clipLocation(options.clip as string, commandPath);
  const dataset = evalDataset(options.dataset as DatasetChoice | undefined, checkpoint, trainingDatasetOf(config));
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const real = await realTestImages(dataset);
  checkEvalN(n, dataset, real.size, '--n');
  const gan = await loadGanAt(checkpoint.location);
  let clip: Awaited<ReturnType<typeof loadPromptClip>> | null = null;
  let classifier: core.metrics.FeatureClassifier | null = null;
  try {
    clip = await loadPromptClip({ location: clipAt });
    classifier = await loadClassifier(dataset);
    if (!classifier) throw new core.GenError(`the feature classifier for ${dataset} was not found (@gen/core's assets/feature-classifiers/${dataset})`);
    const loaded = clip;
    const settings = {
      steps,
      lr,
      cutouts,
      maxShift,
      batchSize,
      truncation: Number.isFinite(truncation) ? truncation : null,
      ...(numClasses > 0 ? { classes, ...(classes === 'steer' ? { classLr: classLr ?? lr } : {}) } : {}),
    };
    const features = classifier;
    const evaluation = await withCpuTime(n, () =>
      evaluateClipGuidance({
        classifier: features,
        classNames: real.classNames,
        n,
        real: real.images,
        batchSize,
        seed,
        settings,
        generate: async ({ prompts, rng }) => {
          const steered = await steerGanLatents({ clip: loaded, prompt: prompts, generator: gan.generator, n: prompts.length, truncation, steps, lr, cutouts, maxShift, classes, ...(classLr !== undefined ? { classLr } : {}), rng });
          const images = steered.images;
          tf.dispose(steered.latents);
          steered.condition?.dispose();
          return images;
        },
      }),
    );
    const path = writeMetrics(io, resolve(options.out as string), {
      family: 'gan',
      checkpoint: checkpoint.location,
      step: checkpoint.step,
      dataset,
      conditional: numClasses > 0,
      ema: gan.usedEma,
      clipGuided: true,
      clip: options.clip,
      prompts: 'held-out templates',
      seed,
      ...evaluation,
    });
    const classWhat = classes === 'steer' ? `, class steered (lr ${classLr ?? lr})` : ', random classes kept';
    const what = `${steps} steering steps, lr ${lr}${numClasses > 0 ? classWhat : ''}, ${cutouts} cutouts`;
    io.stdout.write(`${clipEvaluationLine(evaluation, dataset, what)}\n${path}\n`);
    return 0;
  } finally {
    gan.dispose();
    clip?.dispose();
    classifier?.dispose();
  }
}

export const ganCommands: FamilyCommands = {
  family: 'gan',
  summary: 'GANs: DCGAN, SNGAN, SAGAN, conditional (projection), ACGAN, BigGAN tricks',
  train: {
    summary: 'Train a GAN on MNIST or Fashion-MNIST',
    description: [
      'Runs @gen/gan trainGan with checkpoints in <out>/checkpoints (--resume continues; Ctrl-C stops',
      'after the current step with a final checkpoint), sample grids in <out>/samples, losses in',
      '<out>/metrics.jsonl and, when the dataset has a feature classifier, FID every --fid-every steps',
      '(<out>/eval.jsonl) with the best generator kept in <out>/best. --workers auto (default) trains',
      'data-parallel on one worker thread per core when each gets >= 8 images of a batch (the same',
      'numbers as one thread up to float rounding; docs/parallel-training.md); --workers 1: one thread.',
    ].join('\n'),
    options: {
      ...trainOptions('gan'),
      loss: { type: 'string', valueName: 'name', description: `objective: ${GAN_LOSSES.join(', ')}`, default: 'non-saturating', parse: choiceOption(GAN_LOSSES) },
      architecture: { type: 'string', valueName: 'name', description: `${GAN_ARCHITECTURES.join(', ')}`, defaultLabel: 'dcgan, or conditional with --conditional', parse: choiceOption(GAN_ARCHITECTURES) },
      sn: { type: 'boolean', description: 'spectral norm in the discriminator (with --loss hinge: SNGAN)', default: false },
      'critic-steps': { type: 'string', valueName: 'n', description: 'discriminator updates per generator update', defaultLabel: '5 for wasserstein losses, else 1', parse: integerOption(1, 100) },
      'lr-g': { type: 'string', valueName: 'x', description: 'generator learning rate', defaultLabel: 'per loss', parse: positiveNumberOption('') },
      'lr-d': { type: 'string', valueName: 'x', description: 'discriminator learning rate', defaultLabel: 'per loss', parse: positiveNumberOption('') },
      'r1-gamma': { type: 'string', valueName: 'γ', description: 'R1 penalty on real images (0: off)', default: 0, parse: nonNegativeNumberOption },
      'acgan-weight': { type: 'string', valueName: 'w', description: 'weight of the class loss of an ACGAN discriminator (--architecture acgan)', default: 1, parse: nonNegativeNumberOption },
      'acgan-real-only': { type: 'boolean', description: "train the ACGAN discriminator's classifier on real images only (G must satisfy a real-data classifier)", default: false },
      ema: { type: 'string', valueName: 'decay', description: 'EMA decay of the generator weights, reached after a power warm-up (0: no EMA)', default: 0.999, parse: nonNegativeNumberOption },
      'diff-augment': { type: 'boolean', description: "DiffAugment (color, translation, cutout) on the discriminator's inputs", default: false },
      'fid-every': { type: 'string', valueName: 'n', description: 'FID every n steps, best generator kept in <out>/best (0: off)', defaultLabel: '--checkpoint-every', parse: integerOption(0, 1e9) },
      'fid-n': { type: 'string', valueName: 'n', description: 'samples (and real test images) per FID', default: 500, parse: integerOption(2, 1e7) },
      workers: workersOption(),
      config: configOption(GAN_CONFIG_FIELDS.join(', ')),
    },
    examples: [
      'gen train gan --dataset mnist --steps 5000 --out runs/dcgan',
      'gen train gan --dataset fashion --conditional --loss hinge --sn --steps 20000 --out runs/cgan',
      'gen train gan --out runs/dcgan --steps 10000 --resume',
    ],
    run: trainGanCommand,
  },
  sample: {
    summary: 'Sample images from a GAN checkpoint',
    options: {
      ...sampleOptions('gan'),
      truncation: truncationOption,
      interpolate: { type: 'boolean', description: 'also write <out>/interpolation.png: slerp walks between latents, one per row', default: false },
      'truncation-sweep': { type: 'boolean', description: 'also write <out>/truncation-sweep.png: each row one latent at τ = ∞, 2, 1, 0.7, 0.5, 0.25', default: false },
      rows: { type: 'string', valueName: 'n', description: 'rows of --interpolate / --truncation-sweep', default: 8, parse: integerOption(1, 1000) },
      frames: { type: 'string', valueName: 'n', description: 'frames per --interpolate row (both ends included)', default: 10, parse: integerOption(2, 1000) },
      ...promptOptions('the latents of the same seeds are optimised (Adam, re-projected to their norm) toward it; a conditional checkpoint without --label has its class steered too'),
      ...imageOption('with --clip, the latents of the same seeds are steered toward its CLIP image embedding instead of a prompt (as --prompt does; samples.json records the RMS pixel distance to it)'),
      ...steeringOptions(),
      ...classLrOption,
      'steer-truncation': { type: 'boolean', description: 'with --prompt, also optimise a truncation ψ ∈ [0, 1] per sample (G(ψ·z))', default: false },
    },
    examples: [
      'gen sample gan --checkpoint pretrained:mnist --label 3 --n 16',
      'gen sample gan --checkpoint runs/cgan --label 3 --truncation 0.7 --n 64 --out out/threes',
      'gen sample gan --checkpoint runs/dcgan --interpolate --truncation-sweep',
      'gen sample gan --checkpoint pretrained:mnist --image ref.png --clip pretrained:mnist --n 8 --out out/like-ref',
      'gen sample gan --checkpoint runs/dcgan --prompt "a thin, slanted seven" --clip runs/clip-mnist --n 16 --out out/seven',
    ],
    run: sampleGanCommand,
  },
  eval: {
    summary: 'FID, floor, ratio, KID (and class accuracy) of a GAN checkpoint; with --clip, the prompted-class accuracy of CLIP-steered sampling',
    options: {
      ...evalOptions('gan'),
      truncation: truncationOption,
      ...clipEvalOption('its latents (and a conditional checkpoint\'s class) steered toward it'),
      ...clipOnlyOptions(CLIP_EVAL_OPTIONS),
      ...classLrOption,
    },
    examples: [
      'gen eval gan --checkpoint runs/cgan --n 1000 --out eval/cgan',
      'gen eval gan --checkpoint pretrained:fashion',
      'gen eval gan --checkpoint pretrained:mnist --clip pretrained:mnist --n 100 --steer-steps 50',
    ],
    run: evalGanCommand,
  },
};
