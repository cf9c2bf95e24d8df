// Where studio models come from: the shipped manifest (public/checkpoints.json: checkpoint
// folders served next to the studio, in @gen/core's format), runs trained in this browser
// (IndexedDB), or a freshly initialised "untrained" model.
import * as tf from '@tensorflow/tfjs-core';
import { GenError } from '@gen/core';
import { FAMILIES, type FamilyName } from '../models/family';

/** One entry of public/checkpoints.json. */
export interface ShippedCheckpoint {
  /** Unique id (shown in the picker, used in URLs and tests). */
  id: string;
  family: FamilyName;
  /** Human-readable name. */
  name: string;
  /**
   * The checkpoint folder (the one holding config.json and weights.bin, as `gen train`
   * writes them), relative to the studio's address or absolute.
   */
  url: string;
  description?: string;
  /** Diffusion, DALL·E, unCLIP: the guidance scale the checkpoint records as its default (`config.sampling.guidanceScale`). */
  guidanceScale?: number;
  /** Text-to-image (required there): the folder of the CLIP the checkpoint was trained with. */
  textEncoder?: string;
  /** Text-to-image, DALL·E, unCLIP: the class names and attribute kinds of its training captions (the default prompt is made from them). */
  classNames?: string[];
  attributes?: string[];
  /** DALL·E (required there): the folder of the VQ-VAE that decodes its image tokens. */
  imageTokenizer?: string;
  /** DALL·E: the folder of the CLIP that re-ranks candidates (optional); unCLIP (required): the CLIP of the decoder and its priors. */
  clip?: string;
  /** unCLIP: the shipped priors trained with its CLIP (text → image embedding). */
  priors?: ShippedPrior[];
  /** unCLIP: the dataset it was trained on ('mnist' lets the studio's MNIST slice supply variation references). */
  dataset?: string;
}

/** An unCLIP prior of a decoder's manifest entry. */
export interface ShippedPrior {
  id: string;
  /** e.g. 'diffusion prior'. */
  name: string;
  /** 'diffusion' or 'regression' (the prior's `config.prior.kind`). */
  kind: string;
  url: string;
  description?: string;
  /** Diffusion prior: its recorded `config.sampling.guidanceScale` / `.candidates` (`gen sample unclip`'s defaults). */
  guidanceScale?: number;
  candidates?: number;
}

/** The words of a model's training captions, for its default prompt. */
export interface CaptionWords {
  classNames: string[];
  attributes: string[];
}

/** What the Generate tab needs of a text-to-image checkpoint besides its folder. */
export interface TextChoice extends CaptionWords {
  /** The CLIP's folder URL. */
  encoder: string;
}

/** What the Generate tab needs of a DALL·E checkpoint besides its folder. */
export interface DalleChoice extends CaptionWords {
  /** The VQ-VAE's folder URL. */
  imageTokenizer: string;
  /** The re-ranking CLIP's folder URL, or null (no re-ranking). */
  clip: string | null;
}

/** What the Generate tab needs of an unCLIP decoder besides its folder. */
export interface UnclipChoice extends CaptionWords {
  /** The CLIP's folder URL. */
  clip: string;
  priors: ShippedPrior[];
  dataset: string | null;
}

/** The picker's choices for a family. */
export interface CheckpointChoice {
  id: string;
  label: string;
  /** 'untrained', an indexeddb:// URL, or a folder URL. */
  kind: 'untrained' | 'browser' | 'shipped';
  location: string;
  /** Diffusion: the default of the guidance control for this checkpoint (a shipped model's recorded scale). */
  guidanceScale?: number;
  /** Text-to-image: its CLIP and captions. */
  text?: TextChoice;
  /** DALL·E: its VQ-VAE, re-ranking CLIP and captions. */
  dalle?: DalleChoice;
  /** unCLIP: its CLIP, priors and captions. */
  unclip?: UnclipChoice;
}

/** The caption words of a text-to-image, DALL·E or unCLIP choice (its default prompt), or null. */
export function captionWordsOf(choice: CheckpointChoice | undefined): CaptionWords | null {
  return choice?.text ?? choice?.dalle ?? choice?.unclip ?? null;
}

/** The families that need shipped parts besides the checkpoint (a CLIP, a VQ-VAE): no untrained model, no browser run. */
const SHIPPED_ONLY: readonly FamilyName[] = ['text', 'dalle', 'unclip'];

export const UNTRAINED: CheckpointChoice = { id: 'untrained', label: 'untrained (random weights)', kind: 'untrained', location: 'untrained' };

/** Validates the manifest (untrusted JSON); one-line errors. */
export function parseManifest(json: unknown, where: string): ShippedCheckpoint[] {
  if (!Array.isArray(json)) throw new GenError(`${where} must be a JSON list of checkpoints`);
  const ids = new Set<string>();
  return json.map((entry, i) => {
    const e = entry as Partial<ShippedCheckpoint> | null;
    const at = `${where}[${i}]`;
    if (typeof e !== 'object' || e === null) throw new GenError(`${at} must be an object`);
    if (typeof e.id !== 'string' || !/^[\w.-]+$/.test(e.id)) throw new GenError(`${at}.id must be a string of letters, digits, '.', '_' or '-'`);
    if (ids.has(e.id)) throw new GenError(`${at}.id "${e.id}" is used twice`);
    ids.add(e.id);
    if (!FAMILIES.includes(e.family as FamilyName)) throw new GenError(`${at}.family must be one of ${FAMILIES.join(', ')}`);
    if (typeof e.name !== 'string' || e.name.length === 0) throw new GenError(`${at}.name must be a non-empty string`);
    if (typeof e.url !== 'string' || e.url.length === 0) throw new GenError(`${at}.url must be the checkpoint folder's URL`);
    const scale = e.guidanceScale;
    if (scale !== undefined && (typeof scale !== 'number' || !Number.isFinite(scale) || scale < 0)) throw new GenError(`${at}.guidanceScale must be a number ≥ 0`);
    const isText = e.family === 'text';
    const url = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
    if (isText && !url(e.textEncoder)) throw new GenError(`${at}.textEncoder must be the URL of the CLIP folder of a text-to-image checkpoint`);
    if (e.family === 'dalle' && !url(e.imageTokenizer)) throw new GenError(`${at}.imageTokenizer must be the URL of the VQ-VAE folder of a DALL·E checkpoint`);
    if (e.family === 'dalle' && e.clip !== undefined && !url(e.clip)) throw new GenError(`${at}.clip must be the URL of the CLIP folder that re-ranks a DALL·E checkpoint's candidates`);
    if (e.family === 'unclip' && !url(e.clip)) throw new GenError(`${at}.clip must be the URL of the CLIP folder of an unCLIP decoder`);
    const strings = (value: unknown, key: string): string[] | undefined => {
      if (value === undefined) return undefined;
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new GenError(`${at}.${key} must be a list of strings`);
      return value as string[];
    };
    const classNames = strings(e.classNames, 'classNames');
    const attributes = strings(e.attributes, 'attributes');
    const words = { classNames: classNames ?? [], attributes: attributes ?? [] };
    return {
      id: e.id,
      family: e.family as FamilyName,
      name: e.name,
      url: e.url,
      ...(typeof e.description === 'string' ? { description: e.description } : {}),
      ...(scale !== undefined ? { guidanceScale: scale } : {}),
      ...(isText ? { textEncoder: e.textEncoder, ...words } : {}),
      ...(e.family === 'dalle' ? { imageTokenizer: e.imageTokenizer, ...(e.clip !== undefined ? { clip: e.clip } : {}), ...words } : {}),
      ...(e.family === 'unclip' ? { clip: e.clip, priors: parsePriors(e.priors, `${at}.priors`), ...(typeof e.dataset === 'string' ? { dataset: e.dataset } : {}), ...words } : {}),
    };
  });
}

/** An unCLIP entry's `priors` (absent: none); one-line errors. */
function parsePriors(json: unknown, where: string): ShippedPrior[] {
  if (json === undefined) return [];
  if (!Array.isArray(json)) throw new GenError(`${where} must be a list of priors`);
  return json.map((entry, i) => {
    const p = entry as Partial<ShippedPrior> | null;
    const at = `${where}[${i}]`;
    for (const key of ['id', 'name', 'kind', 'url'] as const) {
      if (typeof p?.[key] !== 'string' || p[key].length === 0) throw new GenError(`${at}.${key} must be a non-empty string`);
    }
    const { guidanceScale, candidates } = p!;
    if (guidanceScale !== undefined && (typeof guidanceScale !== 'number' || !Number.isFinite(guidanceScale) || guidanceScale < 0)) throw new GenError(`${at}.guidanceScale must be a number ≥ 0`);
    if (candidates !== undefined && (typeof candidates !== 'number' || !Number.isInteger(candidates) || candidates < 1)) throw new GenError(`${at}.candidates must be a whole number ≥ 1`);
    return {
      id: p!.id!,
      name: p!.name!,
      kind: p!.kind!,
      url: p!.url!,
      ...(typeof p!.description === 'string' ? { description: p!.description } : {}),
      ...(guidanceScale !== undefined ? { guidanceScale } : {}),
      ...(candidates !== undefined ? { candidates } : {}),
    };
  });
}

/** Fetches and validates the manifest next to the page. */
export async function fetchManifest(url = 'checkpoints.json'): Promise<ShippedCheckpoint[]> {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new GenError(`${url}: HTTP ${response.status}`);
  return parseManifest(await response.json(), url);
}

/** The IndexedDB slot the Train tab keeps a family's run in. */
export function browserRunUrl(family: FamilyName): string {
  return `indexeddb://gen-studio-train-${family}`;
}

/** Whether a tf.io IndexedDB slot exists. */
export async function browserRunExists(url: string): Promise<boolean> {
  const models = await tf.io.listModels();
  return Object.prototype.hasOwnProperty.call(models, url);
}

/** A tf.io handler that reads a checkpoint folder over HTTP (config.json names weights.bin). */
export function folderHandler(folderUrl: string): tf.io.IOHandler {
  const base = new URL(folderUrl.endsWith('/') ? folderUrl : `${folderUrl}/`, globalThis.location?.href);
  return tf.io.http(new URL('config.json', base).href);
}

/**
 * Choices for `family`: untrained, the browser's own run (if saved), the shipped ones.
 * Text-to-image, DALL·E and unCLIP have shipped ones only (an untrained model would still need a
 * CLIP or a VQ-VAE, and the Train tab trains none).
 */
export async function checkpointChoices(family: FamilyName, manifest: ShippedCheckpoint[]): Promise<CheckpointChoice[]> {
  const choices: CheckpointChoice[] = SHIPPED_ONLY.includes(family) ? [] : [UNTRAINED];
  if (family === 'gan' || family === 'vae') {
    const url = browserRunUrl(family);
    if (await browserRunExists(url)) choices.push({ id: 'browser', label: 'trained in this browser (Train tab)', kind: 'browser', location: url });
  }
  for (const entry of manifest.filter((e) => e.family === family)) {
    choices.push({
      id: entry.id,
      label: entry.name,
      kind: 'shipped',
      location: entry.url,
      ...(entry.guidanceScale !== undefined ? { guidanceScale: entry.guidanceScale } : {}),
      ...(entry.family === 'text' && entry.textEncoder !== undefined ? { text: { encoder: entry.textEncoder, ...wordsOf(entry) } } : {}),
      ...(entry.family === 'dalle' && entry.imageTokenizer !== undefined ? { dalle: { imageTokenizer: entry.imageTokenizer, clip: entry.clip ?? null, ...wordsOf(entry) } } : {}),
      ...(entry.family === 'unclip' && entry.clip !== undefined ? { unclip: { clip: entry.clip, priors: entry.priors ?? [], dataset: entry.dataset ?? null, ...wordsOf(entry) } } : {}),
    });
  }
  return choices;
}

function wordsOf(entry: ShippedCheckpoint): CaptionWords {
  return { classNames: entry.classNames ?? [], attributes: entry.attributes ?? [] };
}

/** The source to hand a family loader: a handler for folders, the URL for IndexedDB. */
export function sourceOf(choice: CheckpointChoice): tf.io.IOHandler | string {
  return choice.kind === 'shipped' ? folderHandler(choice.location) : choice.location;
}
