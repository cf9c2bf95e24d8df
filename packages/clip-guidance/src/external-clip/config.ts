// external-clip.json: what a folder of converted CLIP towers holds and how to feed them. Read as
// untrusted input: every field is checked, and errors are one line naming the field.
import { InvalidArgumentError } from '@gen/core';

/** The `format` of external-clip.json. */
export const EXTERNAL_CLIP_FORMAT = 'gen-external-clip';
/** The config file's name in an external CLIP folder. */
export const EXTERNAL_CLIP_CONFIG_FILE = 'external-clip.json';
/** OpenAI CLIP's per-channel (RGB) pixel mean, the default `image.mean`. */
export const OPENAI_CLIP_MEAN: readonly [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
/** OpenAI CLIP's per-channel (RGB) pixel standard deviation, the default `image.std`. */
export const OPENAI_CLIP_STD: readonly [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

/** A tower saved by tensorflowjs_converter as a graph model (`'graph'`) or by tfjs-layers / Keras (`'layers'`). */
export type ExternalModelKind = 'graph' | 'layers';
/** Pixel layout of the image tower's input: channels first (PyTorch, ONNX exports) or last (Keras). */
export type ImageLayout = 'NCHW' | 'NHWC';

/** `image` of external-clip.json. */
export interface ExternalImageTowerConfig {
  /** The tower's model.json, relative to external-clip.json (default `'image/model.json'`). */
  model?: string;
  /** `'graph'` or `'layers'`; default: read from model.json's `format`. */
  kind?: ExternalModelKind;
  /** The pixel input: a graph's signature key or node name, a LayersModel's input name. Default: the model's only input. */
  input?: string;
  /** The embedding output: a graph's signature key or node name, a LayersModel's output name. Default: the model's only output. */
  output?: string;
  /** Input side in pixels (square), or `[height, width]`: 224 for ViT-B/32. */
  size: number | [number, number];
  /** Input layout (default `'NCHW'`, as PyTorch-exported towers). */
  layout?: ImageLayout;
  /** Per-channel mean subtracted from [0, 1] RGB pixels (default OpenAI's). */
  mean?: [number, number, number];
  /** Per-channel std dividing them (default OpenAI's). */
  std?: [number, number, number];
}

/** `text` of external-clip.json. */
export interface ExternalTextTowerConfig {
  /** The tower's model.json, relative to external-clip.json (default `'text/model.json'`). */
  model?: string;
  /** `'graph'` or `'layers'`; default: read from model.json's `format`. */
  kind?: ExternalModelKind;
  /** The token-id input (int32 `[batch, contextLength]`). Default: the model's only input. */
  input?: string;
  /** An attention-mask input (int32, 1 on start…end, 0 on padding), for towers that take one (Hugging Face exports: `attention_mask`). Default: none. */
  mask?: string;
  /** The embedding output. Default: the model's only output. */
  output?: string;
  /** Token row length (default 77). */
  contextLength?: number;
  /** Id after `<|endoftext|>` (default 0, as `clip.tokenize`; Hugging Face pads with 49407, which CLIP's argmax pooling also tolerates). */
  padId?: number;
}

/** The tokenizer files, relative to external-clip.json. */
export interface ExternalTokenizerConfig {
  /** Default `'vocab.json'`. */
  vocab?: string;
  /** Default `'merges.txt'`. */
  merges?: string;
}

/**
 * external-clip.json: describes a folder holding a CLIP converted to tfjs (docs/models/external-clip.md).
 *
 * ```json
 * { "format": "gen-external-clip", "version": 1, "embedDim": 512, "logitScale": 100,
 *   "image": { "model": "image/model.json", "input": "pixel_values", "output": "image_embeds", "size": 224, "layout": "NCHW" },
 *   "text": { "model": "text/model.json", "input": "input_ids", "mask": "attention_mask", "output": "text_embeds" } }
 * ```
 */
export interface ExternalClipConfig {
  format: typeof EXTERNAL_CLIP_FORMAT;
  version: 1;
  /** Width of both towers' embeddings (512 for ViT-B/32). */
  embedDim: number;
  /** s in classify's softmax(s·cos): exp of the checkpoint's `logit_scale` (100 for OpenAI's models). Default 100. */
  logitScale?: number;
  /** Whether the towers' outputs are already unit length (informational: ExternalClip L2-normalises them either way). Default false. */
  normalized?: boolean;
  image: ExternalImageTowerConfig;
  /** The text tower (every field has a default). */
  text?: ExternalTextTowerConfig;
  tokenizer?: ExternalTokenizerConfig;
  /** Free text: what was converted, how. */
  description?: string;
  /** Free text: the checkpoint converted (`openai/clip-vit-base-patch32`). */
  source?: string;
}

/** external-clip.json with every default filled in. */
export interface ResolvedExternalClipConfig {
  format: typeof EXTERNAL_CLIP_FORMAT;
  version: 1;
  embedDim: number;
  logitScale: number;
  normalized: boolean;
  image: Required<Omit<ExternalImageTowerConfig, 'kind' | 'input' | 'output' | 'size'>> & {
    kind?: ExternalModelKind;
    input?: string;
    output?: string;
    size: [number, number];
  };
  text: Required<Omit<ExternalTextTowerConfig, 'kind' | 'input' | 'output' | 'mask'>> & { kind?: ExternalModelKind; input?: string; output?: string; mask?: string };
  tokenizer: Required<ExternalTokenizerConfig>;
}

const KINDS: readonly ExternalModelKind[] = ['graph', 'layers'];
const LAYOUTS: readonly ImageLayout[] = ['NCHW', 'NHWC'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(where: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new InvalidArgumentError(where ? `${where}.${key}` : key, value[key], `is not a field of external-clip.json${where ? ` ${where}` : ''} (fields: ${allowed.join(', ')})`);
  }
}

function positiveInteger(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(argument, value, 'must be a positive integer');
  return value;
}

function optionalString(argument: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw new InvalidArgumentError(argument, value, 'must be a non-empty string');
  return value;
}

function relativePath(argument: string, value: unknown, fallback: string): string {
  const path = optionalString(argument, value) ?? fallback;
  if (/^([a-z][a-z0-9+.-]*:|\/|\\)/i.test(path) || path.split(/[\\/]/).includes('..')) {
    throw new InvalidArgumentError(argument, path, 'must be a path inside the folder of external-clip.json (relative, no "..")');
  }
  return path;
}

function kindOf(argument: string, value: unknown): ExternalModelKind | undefined {
  if (value === undefined) return undefined;
  if (!KINDS.includes(value as ExternalModelKind)) throw new InvalidArgumentError(argument, value, `must be one of ${KINDS.map((k) => `'${k}'`).join(', ')}`);
  return value as ExternalModelKind;
}

function triple(argument: string, value: unknown, fallback: readonly [number, number, number], positive: boolean): [number, number, number] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => typeof v === 'number' && Number.isFinite(v) && (!positive || v > 0))) {
    throw new InvalidArgumentError(argument, value, `must be 3 ${positive ? 'positive' : 'finite'} numbers (R, G, B)`);
  }
  return [value[0], value[1], value[2]];
}

/**
 * Checks a parsed external-clip.json and fills in the defaults. Errors are one line naming the
 * field (`image.size`, `text.contextLength`, …).
 */
export function resolveExternalClipConfig(json: unknown): ResolvedExternalClipConfig {
  if (!isObject(json)) throw new InvalidArgumentError('config', json, 'must be the object of external-clip.json');
  if (json.format !== EXTERNAL_CLIP_FORMAT) throw new InvalidArgumentError('format', json.format, `must be "${EXTERNAL_CLIP_FORMAT}"`);
  if (json.version !== 1) throw new InvalidArgumentError('version', json.version, 'must be 1');
  checkKeys('', json, ['format', 'version', 'embedDim', 'logitScale', 'normalized', 'image', 'text', 'tokenizer', 'description', 'source']);
  const embedDim = positiveInteger('embedDim', json.embedDim);
  const logitScale = json.logitScale ?? 100;
  if (typeof logitScale !== 'number' || !Number.isFinite(logitScale) || logitScale <= 0) throw new InvalidArgumentError('logitScale', logitScale, 'must be a positive number (exp of the checkpoint logit_scale, 100 for OpenAI CLIP)');
  const normalized = json.normalized ?? false;
  if (typeof normalized !== 'boolean') throw new InvalidArgumentError('normalized', normalized, 'must be true or false');

  const image = json.image;
  if (!isObject(image)) throw new InvalidArgumentError('image', image, 'must be an object describing the image tower (at least { "size": 224 })');
  checkKeys('image', image, ['model', 'kind', 'input', 'output', 'size', 'layout', 'mean', 'std']);
  let size: [number, number];
  if (typeof image.size === 'number') size = [positiveInteger('image.size', image.size), image.size];
  else if (Array.isArray(image.size) && image.size.length === 2) size = [positiveInteger('image.size[0]', image.size[0]), positiveInteger('image.size[1]', image.size[1])];
  else throw new InvalidArgumentError('image.size', image.size, 'must be the input side in pixels (224) or [height, width]');
  const layout = image.layout ?? 'NCHW';
  if (!LAYOUTS.includes(layout as ImageLayout)) throw new InvalidArgumentError('image.layout', layout, `must be one of ${LAYOUTS.map((l) => `'${l}'`).join(', ')}`);

  const text = json.text ?? {};
  if (!isObject(text)) throw new InvalidArgumentError('text', text, 'must be an object describing the text tower');
  checkKeys('text', text, ['model', 'kind', 'input', 'mask', 'output', 'contextLength', 'padId']);
  const contextLength = text.contextLength ?? 77;
  if (typeof contextLength !== 'number' || !Number.isSafeInteger(contextLength) || contextLength < 3) throw new InvalidArgumentError('text.contextLength', contextLength, 'must be an integer >= 3 (77 for CLIP)');
  const padId = text.padId ?? 0;
  if (typeof padId !== 'number' || !Number.isSafeInteger(padId) || padId < 0) throw new InvalidArgumentError('text.padId', padId, 'must be a non-negative integer id');

  const tokenizer = json.tokenizer ?? {};
  if (!isObject(tokenizer)) throw new InvalidArgumentError('tokenizer', tokenizer, 'must be { "vocab": "vocab.json", "merges": "merges.txt" }');
  checkKeys('tokenizer', tokenizer, ['vocab', 'merges']);

  return {
    format: EXTERNAL_CLIP_FORMAT,
    version: 1,
    embedDim,
    logitScale,
    normalized,
    image: {
      model: relativePath('image.model', image.model, 'image/model.json'),
      kind: kindOf('image.kind', image.kind),
      input: optionalString('image.input', image.input),
      output: optionalString('image.output', image.output),
      size,
      layout: layout as ImageLayout,
      mean: triple('image.mean', image.mean, OPENAI_CLIP_MEAN, false),
      std: triple('image.std', image.std, OPENAI_CLIP_STD, true),
    },
    text: {
      model: relativePath('text.model', text.model, 'text/model.json'),
      kind: kindOf('text.kind', text.kind),
      input: optionalString('text.input', text.input),
      mask: optionalString('text.mask', text.mask),
      output: optionalString('text.output', text.output),
      contextLength,
      padId,
    },
    tokenizer: {
      vocab: relativePath('tokenizer.vocab', tokenizer.vocab, 'vocab.json'),
      merges: relativePath('tokenizer.merges', tokenizer.merges, 'merges.txt'),
    },
  };
}
