// Loading an external CLIP: the towers through tfjs-converter (graph models) or tfjs-layers
// (layers models), both optional peer dependencies imported only when a tower of that kind is
// loaded, and OpenAI's tokenizer from vocab.json / merges.txt. Here: from URLs (a folder served
// over http(s)) or tf.io handlers; @gen/clip-guidance/node adds folders on disk.
import * as tf from '@tensorflow/tfjs-core';
import { GenError, InvalidArgumentError, restoreGenGradients } from '@gen/core';
import { OpenAiClipTokenizer } from '../tokenizer/openai-clip-tokenizer';
import { EXTERNAL_CLIP_CONFIG_FILE, resolveExternalClipConfig, type ExternalClipConfig, type ExternalModelKind } from './config';
import { ExternalClip } from './external-clip';
import type { ExternalTowerModel } from './towers';

/** A tower's model.json: its URL (http(s), or a registered tf.io scheme such as `indexeddb://`) or a tf.io handler. */
export type ExternalModelSource = string | tf.io.IOHandler;

/** Everything an external CLIP is made of, already at hand (`loadExternalClip(sources)`). */
export interface ExternalClipSources {
  /** The contents of external-clip.json (its `model` / `tokenizer` paths are not used here). */
  config: ExternalClipConfig;
  /** The image tower's model.json. */
  image: ExternalModelSource;
  /** The text tower's model.json. */
  text: ExternalModelSource;
  /** vocab.json: its text or its parsed object. */
  vocab: string | Readonly<Record<string, number>>;
  /** The text of merges.txt. */
  merges: string;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
}

/** The kind a model.json describes: `format`, else the shape of its topology. */
function kindOfArtifacts(artifacts: tf.io.ModelArtifacts): ExternalModelKind | null {
  if (artifacts.format === 'graph-model') return 'graph';
  if (artifacts.format === 'layers-model') return 'layers';
  const topology = artifacts.modelTopology as Record<string, unknown> | undefined;
  if (topology && Array.isArray(topology.node)) return 'graph';
  if (topology && (typeof topology.class_name === 'string' || typeof topology.model_config === 'object')) return 'layers';
  return null;
}

type Converter = typeof import('@tensorflow/tfjs-converter');
type Layers = typeof import('@tensorflow/tfjs-layers');

/** Imports an optional peer dependency, or throws a one-line error saying what to install. */
async function optionalPeer<T>(kind: ExternalModelKind, field: string): Promise<T> {
  const name = kind === 'graph' ? '@tensorflow/tfjs-converter' : '@tensorflow/tfjs-layers';
  try {
    const peer = (kind === 'graph' ? await import('@tensorflow/tfjs-converter') : await import('@tensorflow/tfjs-layers')) as T;
    restoreGenGradients(); // tfjs-layers re-registers tfjs's stock gradients over @gen/core's
    return peer;
  } catch (error) {
    throw new GenError(`loadExternalClip: ${field} is a ${kind} model, which needs ${name} (an optional peer dependency of @gen/clip-guidance: install the version of your @tensorflow/tfjs-core) — ${firstLine(error)}`);
  }
}

/** Loads one tower from its handler as the kind its model.json (or the config) says. */
export async function loadTower(handler: tf.io.IOHandler, kind: ExternalModelKind | undefined, field: string, shown: string): Promise<ExternalTowerModel> {
  if (typeof handler?.load !== 'function') throw new InvalidArgumentError(field, handler, 'must be a URL of a model.json or a tf.io handler with load()');
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await handler.load();
  } catch (error) {
    throw new InvalidArgumentError(field, shown, `could not be loaded (${firstLine(error)})`);
  }
  const found = kindOfArtifacts(artifacts);
  if (found === null) throw new InvalidArgumentError(field, shown, 'is not a tfjs model.json (format is neither "graph-model" nor "layers-model")');
  const kindField = field.replace(/\.model$/, '.kind');
  if (kind !== undefined && kind !== found) throw new InvalidArgumentError(kindField, kind, `must match ${field}, a ${found} model (format "${artifacts.format ?? '?'}")`);
  // tfjs-layers tests `instanceof Array` while deserialising: a topology parsed in another realm
  // (fetch's JSON in Node's main context seen from a vm, an iframe) would not deserialise.
  const topology = found === 'layers' ? JSON.parse(JSON.stringify(artifacts.modelTopology)) : artifacts.modelTopology;
  const memory = tf.io.fromMemory({ ...artifacts, modelTopology: topology });
  try {
    if (found === 'graph') return (await (await optionalPeer<Converter>('graph', field)).loadGraphModel(memory)) as unknown as ExternalTowerModel;
    return (await (await optionalPeer<Layers>('layers', field)).loadLayersModel(memory)) as unknown as ExternalTowerModel;
  } catch (error) {
    if (GenError.isInstance(error)) throw error;
    throw new InvalidArgumentError(field, shown, `is not a loadable ${found} model (${firstLine(error)})`);
  }
}

/** A tf.io handler for a model URL: http(s) through tf.io.http, other schemes through their registered handler. */
export function urlHandler(url: string, field: string): tf.io.IOHandler {
  if (tf.io.isHTTPScheme(url)) return tf.io.http(url);
  const handlers = tf.io.getLoadHandlers(url);
  if (handlers.length === 0) throw new InvalidArgumentError(field, url, 'must be an http(s) URL, a URL of a registered tf.io scheme (indexeddb://…) or a tf.io handler');
  return handlers[0];
}

/** What `assembleExternalClip` takes: the config and tokenizer files' contents, handlers of both towers. */
export interface ExternalClipInputs {
  config: unknown;
  image: tf.io.IOHandler;
  text: tf.io.IOHandler;
  vocab: string | Readonly<Record<string, number>>;
  merges: string;
  /** How to show the towers in errors (their paths or URLs). */
  shown: { image: string; text: string };
}

/** Checks the config, builds the tokenizer, loads both towers and wraps them; frees what it loaded when a step fails. */
export async function assembleExternalClip(inputs: ExternalClipInputs): Promise<ExternalClip> {
  const config = resolveExternalClipConfig(inputs.config);
  const tokenizer = OpenAiClipTokenizer.fromFiles(inputs.vocab, inputs.merges, { contextLength: config.text.contextLength, padId: config.text.padId });
  const image = await loadTower(inputs.image, config.image.kind, 'image.model', inputs.shown.image);
  let text: ExternalTowerModel | null = null;
  try {
    text = await loadTower(inputs.text, config.text.kind, 'text.model', inputs.shown.text);
    return new ExternalClip({ config: inputs.config as ExternalClipConfig, image, text, tokenizer });
  } catch (error) {
    image.dispose();
    text?.dispose();
    throw error;
  }
}

async function fetchText(url: string, field: string, shown: string): Promise<string> {
  const fetchFn = (globalThis as { fetch?: (url: string) => Promise<{ ok: boolean; status: number; text(): Promise<string> }> }).fetch;
  if (typeof fetchFn !== 'function') throw new GenError(`loadExternalClip: no fetch() here to read ${url} (in Node, use loadExternalClip from @gen/clip-guidance/node)`);
  let response;
  try {
    response = await fetchFn(url);
  } catch (error) {
    throw new InvalidArgumentError(field, shown, `could not be fetched from ${url} (${firstLine(error)})`);
  }
  if (!response.ok) throw new InvalidArgumentError(field, shown, `could not be fetched from ${url} (HTTP ${response.status})`);
  return response.text();
}

/**
 * Loads a CLIP converted to tfjs (docs/models/external-clip.md): `source` is the URL of a
 * folder holding external-clip.json, the two towers and vocab.json / merges.txt (or the URL
 * of its external-clip.json), or the parts already at hand (`ExternalClipSources`). Graph-model
 * towers need @tensorflow/tfjs-converter, layers-model towers @tensorflow/tfjs-layers
 * (optional peer dependencies). In Node, `loadExternalClip(dir)` of `@gen/clip-guidance/node`
 * reads a folder on disk. Errors are one line naming the field of external-clip.json at fault.
 *
 * ```ts
 * const clip = await loadExternalClip('https://example.com/models/clip-vit-b32/');
 * clip.classify(images, ['a cat', 'a dog']);
 * ```
 */
export async function loadExternalClip(source: string | ExternalClipSources): Promise<ExternalClip> {
  if (typeof source === 'string') {
    const configUrl = /\.json(\?.*)?$/i.test(source) ? source : `${source.replace(/\/?$/, '/')}${EXTERNAL_CLIP_CONFIG_FILE}`;
    const configText = await fetchText(configUrl, 'source', source);
    let json: unknown;
    try {
      json = JSON.parse(configText);
    } catch (error) {
      throw new InvalidArgumentError(EXTERNAL_CLIP_CONFIG_FILE, configUrl, `is not JSON (${firstLine(error)})`);
    }
    const config = resolveExternalClipConfig(json);
    const at = (path: string) => new URL(path, new URL(configUrl, (globalThis as { location?: { href: string } }).location?.href)).href;
    const [vocab, merges] = await Promise.all([
      fetchText(at(config.tokenizer.vocab), 'tokenizer.vocab', config.tokenizer.vocab),
      fetchText(at(config.tokenizer.merges), 'tokenizer.merges', config.tokenizer.merges),
    ]);
    return assembleExternalClip({
      config: json,
      image: urlHandler(at(config.image.model), 'image.model'),
      text: urlHandler(at(config.text.model), 'text.model'),
      vocab,
      merges,
      shown: { image: config.image.model, text: config.text.model },
    });
  }
  if (typeof source !== 'object' || source === null) throw new InvalidArgumentError('source', source, 'must be the URL of an external CLIP folder or { config, image, text, vocab, merges }');
  const handler = (value: ExternalModelSource, field: string) => (typeof value === 'string' ? urlHandler(value, field) : value);
  return assembleExternalClip({
    config: source.config,
    image: handler(source.image, 'image'),
    text: handler(source.text, 'text'),
    vocab: source.vocab,
    merges: source.merges,
    shown: { image: typeof source.image === 'string' ? source.image : 'a tf.io handler', text: typeof source.text === 'string' ? source.text : 'a tf.io handler' },
  });
}
