// gen train | sample dalle: @gen/transformer's DALL·E-style transformer over captions of
// MNIST / Fashion-MNIST and the image tokens of a VQ-VAE trained by `gen train vae --model vq-vae`.
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as core from '@gen/core';
import * as coreNode from '@gen/core/node';
import { BpeTokenizer, CaptionCorpus, loadClip, TRAINING_TEMPLATES, type LoadedClip } from '@gen/clip-guidance';
import { DalleTransformer, generateForPrompts, generateImages, loadDalle, trainDalle, type LoadedDalle } from '@gen/transformer';
import { PRETRAINED_DALLES, pretrainedDalleDir, type PretrainedDalleName } from '@gen/transformer/node';
import { evaluateClipGuidance, type ClipGuidanceEvaluation } from '@gen/clip-guidance';
import { loadVqVae, type VQVAE } from '@gen/vae';
import { integerOption, nonEmptyOption } from '../options';
import { PRETRAINED_CLIP_CHECKPOINTS } from './clip';
import { PRETRAINED_VAE_CHECKPOINTS } from './vae';
import type { CommandContext, FamilyCommands } from '../registry';
import { setupBackend } from '../setup-backend';
import { UsageError } from '../usage-error';
import {
  checkConfigKeys,
  checkEvalN,
  checkpointConfig,
  configOption,
  evalDataset,
  evalOptions,
  gcd,
  interruptSignal,
  loadCheckpointOrFail,
  loadClassifier,
  loadTrainingData,
  positiveNumberOption,
  prepareRun,
  realTestImages,
  reportTrainingEnd,
  resolveCheckpoint,
  sampleOptions,
  tenth,
  trainOptions,
  TrainingProgress,
  writeMetrics,
  writeRunRecord,
  writeSampleSet,
  type PretrainedLookup,
  type DatasetChoice,
} from './shared';
import { recordedGuidance } from './recorded-guidance';

/** `--text-drop` / `--text-noise`: a probability in [0, 1). */
function probabilityOption(raw: string, flag: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !(value >= 0 && value < 1)) throw new UsageError(flag, raw, 'must be a number in [0, 1)');
  return value;
}

/** `--guidance`: a finite number ≥ 0 (1: off, 0: unconditional). */
function guidanceOption(raw: string, flag: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) throw new UsageError(flag, raw, 'must be a finite number >= 0 (1: off)');
  return value;
}

/** `--guidance`, else the default a shipped checkpoint records (config.sampling.guidanceScale), else 1 (off). */
function guidanceOf(options: Record<string, unknown>, config: Record<string, unknown>): number {
  return (options.guidance as number | undefined) ?? recordedGuidance(config, 1);
}

/** `pretrained:<name>` of --checkpoint: the transformers @gen/transformer ships. */
const PRETRAINED_DALLE_CHECKPOINTS: PretrainedLookup = { names: PRETRAINED_DALLES, dir: (name) => pretrainedDalleDir(name as PretrainedDalleName) };

const DALLE_CONFIG_FIELDS = ['width', 'layers', 'heads', 'mlpRatio'] as const;

/**
 * The newest VQ-VAE checkpoint of `--vq` (a `gen train vae --model vq-vae` run, or a shipped
 * `pretrained:<name>`); `location` is what a dalle checkpoint records (the name for a shipped one).
 */
async function loadVq(given: string | undefined, commandPath: string): Promise<{ vq: VQVAE; location: string }> {
  if (given === undefined) throw new UsageError('--vq', undefined, `is required: ${commandPath} --vq <dir> (a run folder of gen train vae --model vq-vae)`);
  const { location } = resolveCheckpoint(given, commandPath, PRETRAINED_VAE_CHECKPOINTS);
  checkpointConfig('vae', location);
  const { model } = await loadCheckpointOrFail('vq-vae', location, () => loadVqVae({ source: location }));
  return { vq: model, location: given.startsWith('pretrained:') ? given : location };
}

/** Image tokens of every image, int32 `[size · h · w]`, encoded in batches of 256. */
async function encodeDataset(vq: VQVAE, data: core.ImageDataset): Promise<Int32Array> {
  const [h, w] = vq.tokenShape;
  const perImage = data.height * data.width * data.channels;
  const out = new Int32Array(data.size * h * w);
  for (let start = 0; start < data.size; start += 256) {
    const count = Math.min(256, data.size - start);
    const tokens = tf.tidy(() => vq.encodeToTokens(tf.tensor4d(data.images.subarray(start * perImage, (start + count) * perImage), [count, data.height, data.width, data.channels])));
    out.set((await tokens.data()) as Int32Array, start * h * w);
    tokens.dispose();
  }
  return out;
}

async function trainDalleCommand({ options, io, verbose, argv, commandPath }: CommandContext): Promise<number> {
  const steps = options.steps as number;
  const dataset = options.dataset as DatasetChoice;
  const seed = options.seed as number;
  const overrides = checkConfigKeys(options.config as Record<string, unknown> | undefined, DALLE_CONFIG_FIELDS);
  const checkpointEvery = (options['checkpoint-every'] as number | undefined) ?? tenth(steps);
  const folders = prepareRun(options.out as string, options.resume as boolean, steps);
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const { vq, location: vqLocation } = await loadVq(options.vq as string | undefined, commandPath);
  const owned: { model: DalleTransformer | null } = { model: null };
  let result: Awaited<ReturnType<typeof trainDalle>> | null = null;
  const interrupt = interruptSignal(io, options['max-minutes']);
  try {
    const data = await loadTrainingData(dataset, options['limit-data'] as number | undefined);
    const [ih, iw, ic] = vq.imageShape;
    if (ih !== data.height || iw !== data.width || ic !== data.channels) {
      throw new UsageError('--vq', options.vq as string, `encodes ${ih}×${iw}×${ic} images, not the dataset's ${data.height}×${data.width}×${data.channels}`);
    }
    const batchSize = options['batch-size'] as number;
    const captionsPerImage = options['captions-per-image'] as number;
    const size = data.size * captionsPerImage;
    if (batchSize > size) throw new UsageError('--batch-size', String(batchSize), `must be at most the number of caption–image pairs (${size})`);
    writeRunRecord(
      folders,
      { family: 'dalle', dataset, conditional: false, numClasses: data.classNames.length, classNames: data.classNames, argv: ['train', 'dalle', ...argv], config: overrides, vq: vqLocation },
      options.resume as boolean,
    );

    // Pairs: captionsPerImage captions of each image (deterministic in the seed, so --resume rebuilds them) with its tokens.
    const generator = new core.Generator(seed);
    const corpus = CaptionCorpus.fromDataset(data);
    const indices = Int32Array.from({ length: size }, (_, i) => i % data.size);
    const captions = corpus.captions(indices, Int32Array.from(indices, (i) => data.labels[i]), generator.fork('captions'), { templates: TRAINING_TEMPLATES });
    const textLength = options['text-length'] as number;
    const tokenizer = BpeTokenizer.train(captions, { vocabSize: options['vocab-size'] as number, maxLength: textLength });
    const encoded = tokenizer.encodeBatch(captions, { maxLength: textLength, truncate: true });
    const imageTokens = await encodeDataset(vq, data);
    const perImage = vq.tokenShape[0] * vq.tokenShape[1];
    const imageIds = new Int32Array(size * perImage);
    for (let i = 0; i < size; i++) imageIds.set(imageTokens.subarray(indices[i] * perImage, (indices[i] + 1) * perImage), i * perImage);

    let model: DalleTransformer;
    try {
      model = DalleTransformer.fromConfig(
        { ...overrides, textVocabSize: tokenizer.vocabSize, textLength, imageVocabSize: vq.codebookSize, tokenShape: vq.tokenShape },
        generator.fork('init'),
      );
    } catch (error) {
      if (core.InvalidArgumentError.isInstance(error)) throw new UsageError('--config', JSON.stringify(overrides), `is not a valid transformer config: ${error.message}`);
      throw error;
    }
    owned.model = model;
    io.stdout.write(`data: ${data.name}, ${size} caption–image pairs, ${perImage} image tokens each (codebook ${vq.codebookSize}); transformer width ${model.config.width} × ${model.config.layers} layers, batch ${batchSize}\n`);
    if (folders.startStep > 0) io.stdout.write(`resuming from step ${folders.startStep}\n`);
    const progress = new TrainingProgress(io, 'train dalle', folders.startStep, steps);
    result = await trainDalle({
      model,
      data: { textIds: encoded.ids, imageIds, size },
      steps,
      batchSize,
      lr: options.lr as number,
      warmupSteps: Math.min(options.warmup as number, steps),
      textLossWeight: options['text-loss-weight'] as number,
      textDropProb: options['text-drop'] as number,
      textNoiseProb: options['text-noise'] as number,
      seed,
      checkpointExtra: { tokenizer: tokenizer.toJSON(), vq: vqLocation, dataset: data.name, captions: corpus.toJSON() },
      checkpointDir: folders.checkpoints,
      checkpointEvery,
      keep: options.keep as number,
      resume: options.resume as boolean,
      signal: interrupt.signal,
      logEvery: gcd(10, checkpointEvery),
      metricsFile: folders.metricsFile,
      onProgress: (event) => progress.update(event),
    });
    progress.done(result.summary);
    return reportTrainingEnd(io, commandPath, result.summary, folders.out, interrupt);
  } finally {
    interrupt.dispose();
    result?.dispose();
    owned.model?.dispose();
    vq.dispose();
  }
}

/** The VQ-VAE a dalle checkpoint's config.vq names (checks the checkpoint holds its tokenizer too). */
async function loadRecordedVq(loaded: LoadedDalle, config: Record<string, unknown>, location: string, commandPath: string): Promise<VQVAE> {
  if (loaded.tokenizer === null) throw new core.GenError(`${location} holds no tokenizer (write it with trainDalle's checkpointExtra or saveDalle's tokenizer)`);
  const vqLocation = typeof config.vq === 'string' ? config.vq : undefined;
  if (vqLocation === undefined) throw new core.GenError(`${location} does not record its VQ-VAE (config.vq)`);
  return (await loadVq(vqLocation, commandPath)).vq;
}

/** The CLIP of `--clip` (a gen train clip run or a shipped pretrained:<name>) that re-ranks candidates. */
async function loadRerankingClip(given: string, commandPath: string): Promise<LoadedClip> {
  const clipCheckpoint = resolveCheckpoint(given, commandPath, PRETRAINED_CLIP_CHECKPOINTS);
  checkpointConfig('clip', clipCheckpoint.location);
  return loadCheckpointOrFail('clip', clipCheckpoint.location, () => loadClip(clipCheckpoint.location));
}

async function sampleDalleCommand({ options, io, verbose, commandPath }: CommandContext): Promise<number> {
  const checkpoint = resolveCheckpoint(options.checkpoint as string | undefined, commandPath, PRETRAINED_DALLE_CHECKPOINTS);
  const config = checkpointConfig('dalle', checkpoint.location);
  const prompt = options.prompt as string | undefined;
  if (prompt === undefined) throw new UsageError('--prompt', undefined, `is required: ${commandPath} --checkpoint <dir> --prompt "a bold seven"`);
  const n = options.n as number;
  const top = (options.top as number | undefined) ?? (options.clip !== undefined ? Math.max(1, Math.floor(n / 4)) : n);
  if (options.top !== undefined && options.clip === undefined && top !== n) throw new UsageError('--top', String(top), 'needs --clip (the CLIP that re-ranks the candidates)');
  if (top > n) throw new UsageError('--top', String(top), `must be at most --n (${n})`);
  const topP = options['top-p'] as number;
  if (!(topP > 0 && topP <= 1)) throw new UsageError('--top-p', String(topP), 'must be in (0, 1]');
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const loaded: LoadedDalle = await loadCheckpointOrFail('dalle', checkpoint.location, () => loadDalle(checkpoint.location));
  let clip: LoadedClip | null = null;
  let vq: VQVAE | null = null;
  try {
    vq = await loadRecordedVq(loaded, config, checkpoint.location, commandPath);
    if (options.clip !== undefined) clip = await loadRerankingClip(options.clip as string, commandPath);
    const seed = options.seed as number;
    const result = generateImages({
      model: loaded.model,
      tokenizer: loaded.tokenizer!,
      imageTokenizer: vq,
      prompt,
      n,
      top,
      ...(clip ? { clip } : {}),
      temperature: options.temperature as number,
      topK: options['top-k'] as number,
      topP,
      guidanceScale: guidanceOf(options, config),
      generator: new core.Generator(seed),
    });
    const images = tf.clipByValue(result.images, 0, 1) as tf.Tensor4D;
    try {
      const scores = result.scores ? Array.from(await result.scores.data()) : null;
      const written = await writeSampleSet({
        out: resolve(options.out as string),
        images,
        seeds: Array.from({ length: top }, () => seed),
        labels: null,
        columns: Math.min(8, top),
        extra: { family: 'dalle', checkpoint: checkpoint.location, prompt, n, top, temperature: options.temperature, topK: options['top-k'], topP, guidanceScale: guidanceOf(options, config), ...(scores ? { clipScores: scores } : {}) },
      });
      io.stdout.write(`${JSON.stringify({ prompt, n, top, grid: written.grid, ...(scores ? { bestClipScore: scores[0] } : {}) })}\n`);
    } finally {
      tf.dispose([images, result.images, result.tokens, ...(result.scores ? [result.scores] : [])]);
    }
    return 0;
  } finally {
    loaded.model.dispose();
    vq?.dispose();
    clip?.dispose();
  }
}

// ---- gen eval dalle ----

/** One route's line: prompted-class accuracy (worst class), FID ratio, seconds per image. */
function routeLine(what: string, e: ClipGuidanceEvaluation): string {
  const fid = e.fid !== undefined ? `; FID ${e.fid.toFixed(3)}, floor ${e.floor!.toFixed(3)}, ratio ${e.ratio!.toFixed(2)}×` : '';
  return `${what}: prompted-class accuracy ${(100 * e.accuracy).toFixed(1)}% (worst: ${e.worstClass.name} ${(100 * e.worstClass.accuracy).toFixed(1)}%, n ${e.n}, held-out prompts)${fid}; ${e.secondsPerImage.toFixed(3)} s/image`;
}

async function evalDalleCommand({ options, io, verbose, commandPath }: CommandContext): Promise<number> {
  const checkpoint = resolveCheckpoint(options.checkpoint as string | undefined, commandPath, PRETRAINED_DALLE_CHECKPOINTS);
  const config = checkpointConfig('dalle', checkpoint.location);
  const dataset = evalDataset(options.dataset as DatasetChoice | undefined, checkpoint, config.dataset);
  const candidates = (options.candidates as number | undefined) ?? (options.clip !== undefined ? 4 : 1);
  if (candidates > 1 && options.clip === undefined) throw new UsageError('--candidates', String(candidates), 'needs --clip (the CLIP that re-ranks the candidates)');
  const topP = options['top-p'] as number;
  if (!(topP > 0 && topP <= 1)) throw new UsageError('--top-p', String(topP), 'must be in (0, 1]');
  const n = options.n as number;
  const seed = options.seed as number;
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const test = await realTestImages(dataset);
  checkEvalN(n, dataset, test.size);
  const loaded: LoadedDalle = await loadCheckpointOrFail('dalle', checkpoint.location, () => loadDalle(checkpoint.location));
  let clip: LoadedClip | null = null;
  let vq: VQVAE | null = null;
  let classifier: core.metrics.FeatureClassifier | null = null;
  try {
    vq = await loadRecordedVq(loaded, config, checkpoint.location, commandPath);
    if (options.clip !== undefined) clip = await loadRerankingClip(options.clip as string, commandPath);
    classifier = await loadClassifier(dataset);
    if (!classifier) throw new core.GenError(`the feature classifier for ${dataset} was not found (@gen/core's assets/feature-classifiers/${dataset})`);
    const sampling = { temperature: options.temperature as number, topK: options['top-k'] as number, topP, guidanceScale: guidanceOf(options, config) };
    const imageTokenizer = vq;
    // Both routes draw prompt i's candidate j from the same fork of the seed: the plain image is candidate 0 of the re-ranked draw.
    const route = (reranking: LoadedClip | null) =>
      evaluateClipGuidance({
        classifier: classifier!,
        classNames: test.classNames,
        n,
        real: test.images,
        batchSize: options['batch-size'] as number,
        seed,
        settings: { ...sampling, candidates: reranking ? candidates : 1 },
        generate: async ({ prompts, start }) =>
          tf.tidy(() => {
            const { images, scores } = generateForPrompts({
              model: loaded.model,
              tokenizer: loaded.tokenizer!,
              imageTokenizer,
              prompts,
              ...(reranking ? { clip: reranking, candidates } : {}),
              ...sampling,
              generator: new core.Generator(seed).fork(`dalle/${start}`),
            });
            scores?.dispose();
            return tf.clipByValue(images, 0, 1) as tf.Tensor4D;
          }),
        onProgress: ({ done, total }) => {
          if (verbose) io.stderr.write(`  batch ${done}/${total}\n`);
        },
      });
    const plain = await route(null);
    io.stdout.write(`${routeLine('transformer', plain)}\n`);
    const reranked = clip ? await route(clip) : null;
    if (reranked) io.stdout.write(`${routeLine(`transformer + CLIP re-ranking (best of ${candidates})`, reranked)}\n`);
    const path = writeMetrics(io, resolve(options.out as string), {
      family: 'dalle',
      checkpoint: checkpoint.location,
      step: checkpoint.step,
      dataset,
      vq: config.vq as string,
      ...(options.clip !== undefined ? { clip: options.clip as string } : {}),
      seed,
      prompts: 'held-out templates',
      plain,
      ...(reranked ? { reranked } : {}),
    });
    io.stdout.write(`${path}\n`);
    return 0;
  } finally {
    loaded.model.dispose();
    vq?.dispose();
    clip?.dispose();
    classifier?.dispose();
  }
}

/** How tokens are drawn (gen sample | eval dalle). */
const SAMPLING_OPTIONS = {
  temperature: { type: 'string', valueName: 'x', description: 'sampling temperature (0: greedy)', default: 1, parse: (raw: string, flag: string) => (raw === '0' ? 0 : positiveNumberOption('')(raw, flag)) },
  'top-k': { type: 'string', valueName: 'n', description: 'keep the k most likely tokens (0: all)', default: 0, parse: integerOption(0, 1e6) },
  'top-p': { type: 'string', valueName: 'p', description: 'nucleus sampling mass in (0, 1] (1: off)', default: 1, parse: positiveNumberOption('') },
  guidance: { type: 'string', valueName: 's', description: 'classifier-free guidance of the token logits (1: off; needs a model trained with --text-drop)', defaultLabel: "the checkpoint's config.sampling.guidanceScale, else 1", parse: guidanceOption },
} as const;

const { conditional: _conditional, every: _every, ...trainOptionsWithoutSamples } = trainOptions('dalle');
const { label: _label, ...sampleOptionsWithoutLabel } = sampleOptions('dalle');

export const dalleCommands: FamilyCommands = {
  family: 'dalle',
  summary: 'DALL·E-style transformer: captions → VQ-VAE image tokens, key/value-cached sampling, CLIP re-ranking',
  train: {
    summary: 'Train a text-to-image-token transformer on MNIST or Fashion-MNIST captions and a VQ-VAE',
    description: [
      'Captions every image (class phrasings and measured attributes, as gen train clip), learns a BPE tokenizer,',
      'encodes the images to tokens with the VQ-VAE of --vq (gen train vae --model vq-vae) and trains a decoder-only',
      'transformer over [text ; image tokens] (@gen/transformer trainDalle: AdamW, warm-up). Checkpoints (weights,',
      'config, tokenizer, the VQ location) in <out>/checkpoints (--resume continues), losses in <out>/metrics.jsonl.',
    ].join('\n'),
    options: {
      ...trainOptionsWithoutSamples,
      vq: { type: 'string', valueName: 'dir', description: 'VQ-VAE checkpoint: a run folder of gen train vae --model vq-vae', defaultLabel: 'required', parse: nonEmptyOption },
      'batch-size': { type: 'string', valueName: 'n', description: 'caption–image pairs per step', default: 32, parse: integerOption(1, 65536) },
      lr: { type: 'string', valueName: 'x', description: 'AdamW peak learning rate', default: 3e-4, parse: positiveNumberOption('') },
      warmup: { type: 'string', valueName: 'n', description: 'linear warm-up steps', default: 100, parse: integerOption(1, 1e9) },
      'text-loss-weight': { type: 'string', valueName: 'x', description: 'weight of the caption next-token loss (0: image tokens only)', default: 0.125, parse: (raw: string, flag: string) => (raw === '0' ? 0 : positiveNumberOption('')(raw, flag)) },
      'captions-per-image': { type: 'string', valueName: 'n', description: 'captions drawn per training image (each a pair)', default: 2, parse: integerOption(1, 64) },
      'text-drop': { type: 'string', valueName: 'p', description: 'probability a caption is replaced by the empty caption (trains classifier-free guidance: sample with --guidance)', default: 0, parse: probabilityOption },
      'text-noise': { type: 'string', valueName: 'p', description: 'probability a caption token is replaced by a random token (robustness to unseen phrasings)', default: 0, parse: probabilityOption },
      'vocab-size': { type: 'string', valueName: 'n', description: 'BPE vocabulary size (3 specials + 512 byte tokens + merges)', default: 1024, parse: integerOption(515, 65536) },
      'text-length': { type: 'string', valueName: 'n', description: 'tokens per caption, bos, eos and padding included', default: 24, parse: integerOption(3, 512) },
      config: configOption(DALLE_CONFIG_FIELDS.join(', ')),
    },
    examples: [
      'gen train vae --model vq-vae --dataset mnist --steps 5000 --out runs/vq-mnist',
      'gen train dalle --dataset mnist --vq runs/vq-mnist --steps 5000 --out runs/dalle-mnist',
      'gen train dalle --out runs/dalle-mnist --vq runs/vq-mnist --steps 10000 --resume',
    ],
    run: trainDalleCommand,
  },
  sample: {
    summary: 'Images for a prompt from a dalle checkpoint (optionally N candidates re-ranked by a CLIP)',
    options: {
      ...sampleOptionsWithoutLabel,
      n: { type: 'string', valueName: 'n', description: 'candidates drawn', default: 16, parse: integerOption(1, 100000) },
      prompt: { type: 'string', valueName: 'text', description: 'what to draw, e.g. "a bold seven"', defaultLabel: 'required', parse: nonEmptyOption },
      clip: { type: 'string', valueName: 'dir', description: 'CLIP checkpoint (gen train clip) that re-ranks the candidates', defaultLabel: 'none', parse: nonEmptyOption },
      top: { type: 'string', valueName: 'n', description: 'candidates kept after CLIP re-ranking', defaultLabel: 'n/4 with --clip, else n', parse: integerOption(1, 100000) },
      ...SAMPLING_OPTIONS,
    },
    examples: [
      'gen sample dalle --checkpoint runs/dalle-mnist --prompt "a bold seven" --n 16',
      'gen sample dalle --checkpoint runs/dalle-mnist --prompt "a small two" --n 32 --clip runs/clip-mnist --top 8 --top-k 32',
    ],
    run: sampleDalleCommand,
  },
  eval: {
    summary: 'Prompted-class accuracy and FID of a dalle checkpoint on held-out phrasings, with and without CLIP re-ranking',
    description: [
      'Draws --n images from class prompts in held-out phrasings (classes in turn), classifies them with the',
      "repository's feature classifier and measures FID against the real test split (ratio to the real-vs-real floor",
      'at the same n). With --clip, draws --candidates per prompt and keeps the CLIP-best (the DALL·E recipe) and',
      'reports that route beside the plain one, on the same samples (the plain image is candidate 0). metrics.json in --out.',
    ].join('\n'),
    options: {
      ...evalOptions('dalle'),
      clip: { type: 'string', valueName: 'dir', description: 'CLIP checkpoint (gen train clip, or pretrained:<name>) that re-ranks the candidates', defaultLabel: 'none', parse: nonEmptyOption },
      candidates: { type: 'string', valueName: 'n', description: 'candidates per prompt re-ranked by --clip', defaultLabel: '4 with --clip', parse: integerOption(1, 1024) },
      ...SAMPLING_OPTIONS,
      'batch-size': { type: 'string', valueName: 'n', description: 'prompts per sampling batch', default: 50, parse: integerOption(1, 100000) },
    },
    examples: [
      'gen eval dalle --checkpoint pretrained:mnist --n 1000 --clip pretrained:mnist --candidates 4 --out eval/dalle-mnist',
      'gen eval dalle --checkpoint runs/dalle-mnist --n 200 --top-k 32',
    ],
    run: evalDalleCommand,
  },
};
