// `gen sample gan|vae|diffusion --prompt "…" --clip <dir|pretrained:name>`: the options, the
// CLIP checkpoint, and the measured effect — the mean CLIP score of the prompted samples
// against the unprompted ones drawn from the same seeds, printed and recorded in samples.json.
// `--image ref.png` (a reference image instead of a prompt): the same, with the reference's CLIP
// image embedding as the target and the RMS pixel distance to the reference reported too.
// `gen eval gan|diffusion --clip <dir>`: the CLIP-guided evaluation's option, report and line.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { fitToClip, loadClip, rmsDistances, targetEmbedding, type ClipGuidanceEvaluation, type LoadedClip } from '@gen/clip-guidance';
import { integerOption, type OptionSpecs } from '../options';
import { UsageError } from '../usage-error';
import { PRETRAINED_CLIP_CHECKPOINTS } from './clip';
import { checkpointConfig, loadCheckpointOrFail, positiveNumberOption, resolveCheckpoint, writeFrames } from './shared';

/** `--prompt` and `--clip`, shared by every family's sample command. */
export function promptOptions(how: string): OptionSpecs {
  return {
    prompt: { type: 'string', valueName: 'text', description: `text the samples should match (needs --clip): ${how}`, defaultLabel: 'none', parse: promptOption },
    clip: { type: 'string', valueName: 'dir', description: 'CLIP checkpoint for --prompt (or --image): a run folder of gen train clip, its checkpoints/ folder or one checkpoint folder; pretrained:<name> for a shipped one', defaultLabel: 'none', parse: promptOption },
  };
}

/** `--image ref.png` of gen sample diffusion | gan | vae: a reference image instead of a prompt. */
export function imageOption(how: string): OptionSpecs {
  return { image: { type: 'string', valueName: 'png', description: `reference PNG of the model's image size: ${how}`, defaultLabel: 'none', parse: promptOption } };
}

/** `--image` of a sample command, checked before the backend starts: the reference's path and, with `--clip`, the CLIP's checkpoint folder. */
export interface ReferenceRequest {
  /** The reference PNG, as an absolute path (what samples.json records). */
  image: string;
  /** The CLIP checkpoint folder of `--clip`, or null without it. */
  location: string | null;
}

/**
 * `--image ref.png` (with `--clip`, required when `clipNeeded` says why): null without --image.
 * --image and --prompt are one target each, so not both.
 */
export function referenceRequest(options: Record<string, unknown>, commandPath: string, clipNeeded: string | null): ReferenceRequest | null {
  const image = options.image as string | undefined;
  if (image === undefined) return null;
  if (options.prompt !== undefined) throw new UsageError('--prompt', options.prompt as string, 'cannot be combined with --image: give one target, the text or the reference image');
  if (!existsSync(resolve(image)) || !statSync(resolve(image)).isFile()) throw new UsageError('--image', image, 'is not a file');
  const given = options.clip as string | undefined;
  if (given === undefined && clipNeeded !== null) throw new UsageError('--clip', undefined, `is required with --image: ${commandPath} --image ${image} --clip <dir> (${clipNeeded})`);
  return { image: resolve(image), location: given === undefined ? null : clipLocation(given, commandPath) };
}

/** Mean cosine of each image's CLIP embedding with the reference's, `[n, H, W, C]` in [0, 1]. */
async function meanReferenceScore(clip: LoadedClip, images: tf.Tensor4D, reference: tf.Tensor3D): Promise<number> {
  const score = tf.tidy(() => tf.mean(tf.sum(tf.mul(clip.encodeImage(fitToClip(clip, images)), targetEmbedding(clip, { image: reference })), -1)));
  try {
    return (await score.data())[0];
  } finally {
    score.dispose();
  }
}

/** What goes under `reference` in samples.json. */
export interface ReferenceReport {
  image: string;
  /** RMS pixel distance of the samples to the reference. */
  meanDistance: number;
  minDistance: number;
  clip?: string;
  /** Mean cosine with the reference's CLIP image embedding: the guided samples vs the unguided ones of the same seeds. */
  clipScore?: { guided: number; unguided: number };
  [key: string]: unknown;
}

/**
 * The measured effect of a reference image: the samples' RMS pixel distance to it and, with a
 * CLIP, their CLIP score against its image embedding next to the unguided samples' (written as
 * `<out>/unguided.png`). Returns what goes under `reference` in samples.json and the line to print.
 */
export async function reportReference(options: {
  out: string;
  request: ReferenceRequest;
  reference: tf.Tensor3D;
  images: tf.Tensor4D;
  clip?: LoadedClip | null;
  unguided?: tf.Tensor4D | null;
  columns: number;
  settings: Record<string, unknown>;
}): Promise<{ record: ReferenceReport; line: string }> {
  const { out, request, reference, images, clip, unguided, columns, settings } = options;
  const distances = await rmsDistances(images, reference);
  const meanDistance = distances.reduce((sum, d) => sum + d, 0) / distances.length;
  const minDistance = Math.min(...distances);
  const record: ReferenceReport = { image: request.image, ...settings, meanDistance, minDistance };
  let line = `RMS pixel distance to ${request.image}: mean ${meanDistance.toFixed(3)}, min ${minDistance.toFixed(3)} (${images.shape[0]} samples)`;
  if (clip && request.location !== null) {
    record.clip = request.location;
    if (unguided) {
      record.clipScore = { guided: await meanReferenceScore(clip, images, reference), unguided: await meanReferenceScore(clip, unguided, reference) };
      mkdirSync(out, { recursive: true });
      const path = join(out, 'unguided.png');
      await writeFrames(path, unguided, columns);
      line += `; clip score against its image embedding: guided ${record.clipScore.guided.toFixed(4)} vs unguided ${record.clipScore.unguided.toFixed(4)} (same seeds; unguided samples in ${path})`;
    }
  }
  return { record, line };
}

/** `--steer-steps`, `--steer-lr`, `--cutouts` of GAN and VAE latent steering. */
export function steeringOptions(): OptionSpecs {
  return {
    'steer-steps': { type: 'string', valueName: 'n', description: 'Adam steps on the latents with --prompt', default: 50, parse: integerOption(1, 100000) },
    'steer-lr': { type: 'string', valueName: 'x', description: 'Adam learning rate of --prompt steering', default: 0.05, parse: positiveNumberOption('') },
    ...viewOptions(),
  };
}

/** `--cutouts`, `--max-shift`: the random views CLIP sees per --prompt step (steering and guidance). */
export function viewOptions(): OptionSpecs {
  return {
    cutouts: { type: 'string', valueName: 'n', description: 'randomly shifted views averaged per --prompt step', default: 4, parse: integerOption(1, 1024) },
    'max-shift': { type: 'string', valueName: 'px', description: 'largest shift of a --prompt view per axis, zero-filled (0: unshifted views)', default: 2, parse: integerOption(0, 1024) },
  };
}

function promptOption(raw: string, flag: string): string {
  if (raw.trim() === '') throw new UsageError(flag, raw, 'must not be empty');
  return raw;
}

/** The CLIP checkpoint and prompt of a sample command, checked before the backend starts; null without --prompt. */
export interface PromptRequest {
  prompt: string;
  location: string;
}

export function promptRequest(options: Record<string, unknown>, commandPath: string): PromptRequest | null {
  const prompt = options.prompt as string | undefined;
  const given = options.clip as string | undefined;
  if (prompt === undefined) {
    if (given !== undefined) throw new UsageError('--clip', given, 'needs --prompt "<text>"');
    return null;
  }
  if (given === undefined) throw new UsageError('--clip', undefined, `is required with --prompt: ${commandPath} --prompt "${prompt}" --clip <dir> (a CLIP checkpoint of gen train clip)`);
  return { prompt, location: clipLocation(given, commandPath) };
}

/** The checkpoint folder of `--clip <dir|pretrained:name>`, checked before the backend starts. */
export function clipLocation(given: string, commandPath: string): string {
  let location: string;
  try {
    location = resolveCheckpoint(given, commandPath, PRETRAINED_CLIP_CHECKPOINTS).location;
  } catch (error) {
    if (UsageError.isInstance(error)) throw new UsageError('--clip', given, error.message.replace(/^--checkpoint (\([^)]*\) )?/, ''));
    throw error;
  }
  checkpointConfig('clip', location);
  return location;
}

/** `--clip` of `gen eval gan|diffusion`: evaluate CLIP-guided sampling instead of plain sampling. */
export function clipEvalOption(how: string): OptionSpecs {
  return {
    clip: {
      type: 'string',
      valueName: 'dir',
      description: `evaluate CLIP-guided sampling with this CLIP (a gen train clip folder or pretrained:<name>): image i is prompted about class i mod K with a held-out template, ${how}, and the feature classifier checks the class (prompted-class accuracy, seconds per image)`,
      defaultLabel: 'none',
      parse: promptOption,
    },
  };
}

/**
 * Options that only a CLIP-guided eval takes: their defaults move to the help text, so that
 * `checkClipEvalFlags` can tell a given flag from a default (and their help says --clip where the
 * sample command's says --prompt); read them with {@link clipOptionValue} on the same `specs`.
 */
export function clipOnlyOptions(specs: OptionSpecs): OptionSpecs {
  return Object.fromEntries(
    Object.entries(specs).map(([name, { default: value, ...spec }]) => [
      name,
      { ...spec, description: spec.description.replace(/--prompt/g, '--clip'), defaultLabel: spec.defaultLabel ?? String(value) },
    ]),
  );
}

/** The value of a {@link clipOnlyOptions} option: as given, else its default in `specs`. */
export function clipOptionValue<T>(options: Record<string, unknown>, specs: OptionSpecs, name: string): T {
  return (options[name] ?? specs[name].default) as T;
}

/** Flags of a plain eval that a CLIP-guided one does not take (and the reverse), checked before the backend starts. */
export function checkClipEvalFlags(options: Record<string, unknown>, clipOnly: readonly string[], plainOnly: readonly string[]): void {
  const guided = options.clip !== undefined;
  for (const flag of guided ? plainOnly : clipOnly) {
    const value = options[flag];
    if (value !== undefined && value !== false) {
      throw new UsageError(`--${flag}`, String(value), guided ? 'cannot be combined with --clip (CLIP-guided evaluation)' : 'needs --clip <dir> (it sets CLIP-guided evaluation)');
    }
  }
}

/**
 * Runs a CLIP-guided evaluation and adds `cpuSecondsPerImage`: the process's CPU time (all
 * threads) per image over the whole evaluation — what an image costs on an otherwise idle
 * machine, where the wall-clock `secondsPerImage` also counts waiting for a shared CPU.
 */
export async function withCpuTime(n: number, evaluate: () => Promise<ClipGuidanceEvaluation>): Promise<ClipGuidanceEvaluation & { cpuSecondsPerImage: number }> {
  const start = process.cpuUsage();
  const evaluation = await evaluate();
  const { user, system } = process.cpuUsage(start);
  return { ...evaluation, cpuSecondsPerImage: (user + system) / 1e6 / n };
}

/** The line `gen eval … --clip` prints. */
export function clipEvaluationLine(evaluation: ClipGuidanceEvaluation & { cpuSecondsPerImage: number }, dataset: string, what: string): string {
  const { accuracy, worstClass, secondsPerImage, cpuSecondsPerImage, n, fid, floor, ratio } = evaluation;
  const fidPart = fid !== undefined ? `; fid ${fid.toFixed(3)} floor ${floor!.toFixed(3)} ratio ${ratio!.toFixed(3)}` : '';
  return `clip-guided accuracy ${accuracy.toFixed(3)} (worst class ${worstClass.label} ${JSON.stringify(worstClass.name)} ${worstClass.accuracy.toFixed(3)}), ${secondsPerImage.toFixed(3)} s/image (cpu ${cpuSecondsPerImage.toFixed(3)} s); n ${n}, held-out prompts, ${what} (${dataset} feature classifier)${fidPart}`;
}

export async function loadPromptClip(request: Pick<PromptRequest, 'location'>): Promise<LoadedClip> {
  return loadCheckpointOrFail('clip', request.location, () => loadClip(request.location));
}

/** Mean CLIP score (cosine with the prompt) of images `[n, H, W, C]` in [0, 1], fitted to the encoder's input. */
export async function meanClipScore(clip: LoadedClip, images: tf.Tensor4D, prompt: string): Promise<number> {
  const score = tf.tidy(() => tf.mean(clip.clipScore(fitToClip(clip, images), [prompt])));
  try {
    return (await score.data())[0];
  } finally {
    score.dispose();
  }
}

export interface PromptReport {
  prompt: string;
  clip: string;
  clipScore: { prompted: number; unprompted: number };
  [key: string]: unknown;
}

/**
 * Scores both sets and writes the unprompted ones as `<out>/unprompted.png`; returns what goes
 * under `prompt` in samples.json and the line to print.
 */
export async function reportPrompt(options: {
  out: string;
  clip: LoadedClip;
  request: PromptRequest;
  prompted: tf.Tensor4D;
  unprompted: tf.Tensor4D;
  columns: number;
  settings: Record<string, unknown>;
}): Promise<{ record: PromptReport; line: string }> {
  const { out, clip, request, prompted, unprompted, columns, settings } = options;
  const scores = { prompted: await meanClipScore(clip, prompted, request.prompt), unprompted: await meanClipScore(clip, unprompted, request.prompt) };
  mkdirSync(out, { recursive: true });
  const path = join(out, 'unprompted.png');
  await writeFrames(path, unprompted, columns);
  return {
    record: { prompt: request.prompt, clip: request.location, ...settings, clipScore: scores },
    line: `clip score of ${JSON.stringify(request.prompt)}: prompted ${scores.prompted.toFixed(4)} vs unprompted ${scores.unprompted.toFixed(4)} (mean of ${prompted.shape[0]}, same seeds; unprompted samples in ${path})`,
  };
}
