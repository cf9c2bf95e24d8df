// gen train | eval clip: @gen/clip-guidance's trainClip and zero-shot evaluation behind the
// command line.
import { resolve } from 'node:path';
import * as core from '@gen/core';
import * as coreNode from '@gen/core/node';
import { canonicalPhrase, HELD_OUT_TEMPLATES, loadClip, trainClip, TRAINING_TEMPLATES, zeroShotAccuracy, type ClipTrainConfig, type LoadedClip } from '@gen/clip-guidance';
import { PRETRAINED_CLIPS, pretrainedClipDir, type PretrainedClipName } from '@gen/clip-guidance/node';
import { integerOption } from '../options';
import type { CommandContext, FamilyCommands } from '../registry';
import { setupBackend } from '../setup-backend';
import { UsageError } from '../usage-error';
import {
  checkConfigKeys,
  checkpointConfig,
  configOption,
  evalDataset,
  evalOptions,
  gcd,
  interruptSignal,
  loadCheckpointOrFail,
  loadTrainingData,
  positiveNumberOption,
  prepareRun,
  reportTrainingEnd,
  resolveCheckpoint,
  tenth,
  trainingDatasetOf,
  trainOptions,
  TrainingProgress,
  writeMetrics,
  writeRunRecord,
  type DatasetChoice,
  type PretrainedLookup,
} from './shared';

/** The CLIP models @gen/clip-guidance ships: `--checkpoint pretrained:<name>` (eval) and `--clip pretrained:<name>` (sample --prompt). */
export const PRETRAINED_CLIP_CHECKPOINTS: PretrainedLookup = { names: PRETRAINED_CLIPS, dir: (name) => pretrainedClipDir(name as PretrainedClipName) };

const CLIP_CONFIG_FIELDS = ['embedDim', 'text', 'image', 'initTemperature', 'maxLogitScale'] as const;

async function trainClipCommand({ options, io, verbose, argv, commandPath }: CommandContext): Promise<number> {
  const steps = options.steps as number;
  const dataset = options.dataset as DatasetChoice;
  const overrides = checkConfigKeys(options.config as Record<string, unknown> | undefined, CLIP_CONFIG_FIELDS);
  const checkpointEvery = (options['checkpoint-every'] as number | undefined) ?? tenth(steps);
  const folders = prepareRun(options.out as string, options.resume as boolean, steps);

  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const data = await loadTrainingData(dataset, options['limit-data'] as number | undefined);
  const batchSize = options['batch-size'] as number;
  if (batchSize > data.size) throw new UsageError('--batch-size', String(batchSize), `must be at most the number of training images (${data.size})`);
  writeRunRecord(
    folders,
    { family: 'clip', dataset, conditional: false, numClasses: data.classNames.length, classNames: data.classNames, argv: ['train', 'clip', ...argv], config: overrides },
    options.resume as boolean,
  );
  io.stdout.write(`data: ${data.name}, ${data.size} images; CLIP dual encoder, batch ${batchSize}\n`);
  if (folders.startStep > 0) io.stdout.write(`resuming from step ${folders.startStep}\n`);

  const progress = new TrainingProgress(io, 'train clip', folders.startStep, steps);
  const interrupt = interruptSignal(io, options['max-minutes']);
  let result: Awaited<ReturnType<typeof trainClip>> | null = null;
  try {
    try {
      result = await trainClip({
        dataset: data,
        config: overrides as ClipTrainConfig,
        tokenizer: { vocabSize: options['vocab-size'] as number, maxLength: options['max-length'] as number },
        steps,
        batchSize,
        lr: options.lr as number,
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
    } catch (error) {
      if (core.InvalidArgumentError.isInstance(error) && Object.keys(overrides).length > 0) {
        throw new UsageError('--config', JSON.stringify(overrides), `is not a valid CLIP config: ${error.message}`);
      }
      throw error;
    }
    progress.done(result.summary);
    return reportTrainingEnd(io, commandPath, result.summary, folders.out, interrupt);
  } finally {
    interrupt.dispose();
    result?.dispose();
  }
}

async function evalClipCommand({ options, io, verbose, commandPath }: CommandContext): Promise<number> {
  const checkpoint = resolveCheckpoint(options.checkpoint as string | undefined, commandPath, PRETRAINED_CLIP_CHECKPOINTS);
  const config = checkpointConfig('clip', checkpoint.location);
  const dataset = evalDataset(options.dataset as DatasetChoice | undefined, checkpoint, trainingDatasetOf(config));
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const test = await coreNode.loadDataset(dataset, { split: 'test' });
  const n = Math.min(options.n as number, test.size);
  const clip: LoadedClip = await loadCheckpointOrFail('clip', checkpoint.location, () => loadClip(checkpoint.location));
  try {
    const labels = test.classNames.map(canonicalPhrase);
    const trained = (config.training as { templates?: string[] } | undefined)?.templates ?? [...TRAINING_TEMPLATES];
    const training = await zeroShotAccuracy(clip, test, { labels, templates: trained, limit: n });
    const heldOut = await zeroShotAccuracy(clip, test, { labels, templates: [...HELD_OUT_TEMPLATES], limit: n });
    const metrics = {
      family: 'clip',
      checkpoint: checkpoint.location,
      step: checkpoint.step,
      dataset,
      split: 'test',
      n,
      labels,
      trainingTemplates: { templates: trained, accuracy: training.accuracy, perClass: training.perClass },
      heldOutTemplates: { templates: [...HELD_OUT_TEMPLATES], accuracy: heldOut.accuracy, perClass: heldOut.perClass },
    };
    const path = writeMetrics(io, resolve(options.out as string), metrics);
    io.stdout.write(`${JSON.stringify({ dataset, n, trainingTemplates: training.accuracy, heldOutTemplates: heldOut.accuracy, metrics: path })}\n`);
    return 0;
  } finally {
    clip.dispose();
  }
}

const { conditional: _conditional, every: _every, ...trainOptionsWithoutSamples } = trainOptions('clip');
const { n: _n, ...evalOptionsWithoutN } = evalOptions('clip');

export const clipCommands: FamilyCommands = {
  family: 'clip',
  summary: 'CLIP-style text–image dual encoder: captions from pixels, BPE tokenizer, InfoNCE, zero-shot eval',
  train: {
    summary: 'Train a CLIP-style dual encoder on MNIST or Fashion-MNIST captions',
    description: [
      'Captions every image from its class (several phrasings) and measured attributes (stroke weight,',
      'size, slant, position), learns a BPE tokenizer from them and trains text and image encoders with',
      'InfoNCE (@gen/clip-guidance trainClip). Checkpoints (weights, config and tokenizer) in',
      '<out>/checkpoints (--resume continues; Ctrl-C stops after the current step), losses in <out>/metrics.jsonl.',
    ].join('\n'),
    options: {
      ...trainOptionsWithoutSamples,
      'batch-size': { type: 'string', valueName: 'n', description: 'image–caption pairs per step', default: 128, parse: integerOption(2, 65536) },
      lr: { type: 'string', valueName: 'x', description: 'Adam learning rate', default: 1e-3, parse: positiveNumberOption('') },
      'vocab-size': { type: 'string', valueName: 'n', description: 'BPE vocabulary size (3 specials + 512 byte tokens + merges)', default: 1024, parse: integerOption(515, 65536) },
      'max-length': { type: 'string', valueName: 'n', description: 'tokens per caption, bos and eos included (longer ones are truncated)', default: 32, parse: integerOption(4, 512) },
      config: configOption(CLIP_CONFIG_FIELDS.join(', ')),
    },
    examples: [
      'gen train clip --dataset mnist --steps 5000 --out runs/clip-mnist',
      'gen train clip --dataset fashion --steps 200 --config \'{"embedDim":64}\' --out runs/clip-tiny',
      'gen train clip --out runs/clip-mnist --steps 10000 --resume',
    ],
    run: trainClipCommand,
  },
  eval: {
    summary: 'Zero-shot accuracy of a CLIP checkpoint on the test split, with training and held-out templates',
    options: {
      ...evalOptionsWithoutN,
      n: { type: 'string', valueName: 'n', description: 'test images scored', default: 10000, parse: integerOption(1, 1e7) },
    },
    examples: ['gen eval clip --checkpoint runs/clip-mnist', 'gen eval clip --checkpoint runs/clip-mnist --n 1000 --out eval/clip', 'gen eval clip --checkpoint pretrained:mnist'],
    run: evalClipCommand,
  },
};
