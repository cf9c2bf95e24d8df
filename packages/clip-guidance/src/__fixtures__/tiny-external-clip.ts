// A tiny "external CLIP" in the on-disk formats a user's conversion produces: an image tower and
// a text tower as tfjs-converter graph models (model.json with `format: 'graph-model'`, a
// TensorFlow GraphDef of Placeholder / Const / Conv2D / MatMul … nodes, weights in a .bin shard)
// or as tfjs-layers models, plus an OpenAI-format vocab.json / merges.txt and the
// external-clip.json that describes them. The weights are hand-set so that the answer is known:
// the image tower measures the brightness of the four quadrants (top-left, top-right,
// bottom-left, bottom-right) of an 8×8 view, and the text tower adds up word directions
// ("top" = TL + TR, "left" = TL + BL, …), so "top left" matches an image bright in its top-left
// quadrant. Small deterministic noise makes every weight matter for the gradient checks.
//
// Built in memory (this file runs in the browser too: the webgl leg loads the towers through
// in-memory tf.io handlers); ./write-tiny-external-clip.ts writes the same files to a folder for
// the Node tests and for packages/clip-guidance/scripts/make-tiny-external-clip.ts, which made
// packages/clip-guidance/fixtures/tiny-external-clip/ (used by docs/models/external-clip.md).
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import type { ExternalClipSources } from '../external-clip/load-external-clip';
import { byteVocabularyOrder } from '../tokenizer/openai-clip-tokenizer';

export type TinyTowerKind = 'graph' | 'layers';

export interface TinyExternalClipOptions {
  /** Format of the image tower (default 'graph'). */
  image?: TinyTowerKind;
  /** Format of the text tower (default 'graph'). */
  text?: TinyTowerKind;
  /** Seed of the weight noise (default 0). */
  seed?: number;
}

/** Side of the image tower's (square) input. */
export const TINY_IMAGE_SIZE = 8;
/** Embedding width of both towers. */
export const TINY_EMBED_DIM = 8;
/** Row length of the text tower's input (CLIP's). */
export const TINY_CONTEXT_LENGTH = 77;
/** Quadrant labels, in the order of the image features. */
export const TINY_QUADRANTS = ['top left', 'top right', 'bottom left', 'bottom right'] as const;
/** OpenAI's mean / std (the fixture's config leaves them at their defaults). */
const MEAN = [0.48145466, 0.4578275, 0.40821073];
const STD = [0.26862954, 0.26130258, 0.27577711];

/** Merges of the tiny tokenizer: the words of the quadrant prompts, built pair by pair. */
export const TINY_MERGES: Array<[string, string]> = [
  ['o', 'p</w>'],
  ['t', 'op</w>'], // top</w>
  ['f', 't</w>'],
  ['l', 'e'],
  ['le', 'ft</w>'], // left</w>
  ['h', 't</w>'],
  ['g', 'ht</w>'],
  ['i', 'ght</w>'],
  ['r', 'ight</w>'], // right</w>
  ['o', 'm</w>'],
  ['t', 'om</w>'],
  ['t', 'tom</w>'],
  ['o', 'ttom</w>'],
  ['b', 'ottom</w>'], // bottom</w>
  ['o', 'f</w>'], // of</w>
  ['t', 'h'],
  ['th', 'e</w>'], // the</w>
  ['p', 'h'],
  ['o', 't'],
  ['ph', 'ot'],
  ['phot', 'o</w>'], // photo</w>
];

/** vocab.json as OpenAI builds it: bytes, bytes + `</w>`, one token per merge, then the two specials. */
export function tinyVocab(): Record<string, number> {
  const bytes = byteVocabularyOrder();
  const tokens = [...bytes, ...bytes.map((b) => `${b}</w>`), ...TINY_MERGES.map(([a, b]) => a + b), '<|startoftext|>', '<|endoftext|>'];
  return Object.fromEntries(tokens.map((token, id) => [token, id]));
}

/** merges.txt: the `#version` header line, then one pair per line. */
export function tinyMergesText(): string {
  return ['#version: 0.2', ...TINY_MERGES.map(([a, b]) => `${a} ${b}`), ''].join('\n');
}

/** Image tower weights: a 4×4/4 patch conv whose channel 0 is each quadrant's mean brightness (0 when dark), 3 noise channels, swish, projection. */
function imageWeights(g: Generator) {
  const channels = 4;
  const kernel = new Float32Array(4 * 4 * 3 * channels); // [kh, kw, in, out]
  const noise = g.normalArray(kernel.length);
  for (let i = 0; i < kernel.length; i++) kernel[i] = i % channels === 0 ? 1 / 48 : 0.1 * noise[i];
  // A dark patch (all zeros before normalisation) gives mean over channels of −mean/std: cancel it.
  const dark = -MEAN.reduce((s, m, c) => s + m / STD[c], 0) / 3;
  const bias = new Float32Array([-dark, ...g.normalArray(channels - 1).map((v) => 0.1 * v)]);
  const features = 4 * channels; // quadrant-major, channel-minor
  const projection = new Float32Array(features * TINY_EMBED_DIM); // [features, embed]
  const pNoise = g.normalArray(projection.length);
  for (let f = 0; f < features; f++) {
    for (let e = 0; e < TINY_EMBED_DIM; e++) {
      const quadrant = Math.floor(f / channels);
      projection[f * TINY_EMBED_DIM + e] = (f % channels === 0 && e === quadrant ? 1 : 0) + 0.05 * pNoise[f * TINY_EMBED_DIM + e];
    }
  }
  return { kernel, bias, projection, channels, features };
}

/** Text tower weights: word rows of the embedding table point at their quadrants; projection ≈ identity. */
function textWeights(g: Generator) {
  const vocab = tinyVocab();
  const vocabSize = Object.keys(vocab).length;
  const table = new Float32Array(vocabSize * TINY_EMBED_DIM);
  const directions: Record<string, number[]> = { 'top</w>': [0, 1], 'bottom</w>': [2, 3], 'left</w>': [0, 2], 'right</w>': [1, 3] };
  const noisy = ['photo</w>', 'of</w>', 'the</w>', 'a</w>', '<|startoftext|>', '<|endoftext|>', ...Object.keys(directions)];
  for (const token of noisy) {
    const row = vocab[token];
    const noise = g.normalArray(TINY_EMBED_DIM);
    for (let e = 0; e < TINY_EMBED_DIM; e++) table[row * TINY_EMBED_DIM + e] = 0.05 * noise[e] + ((directions[token] ?? []).includes(e) ? 1 : 0);
  }
  const projection = new Float32Array(TINY_EMBED_DIM * TINY_EMBED_DIM);
  const pNoise = g.normalArray(projection.length);
  for (let i = 0; i < TINY_EMBED_DIM; i++) for (let j = 0; j < TINY_EMBED_DIM; j++) projection[i * TINY_EMBED_DIM + j] = (i === j ? 1 : 0) + 0.05 * pNoise[i * TINY_EMBED_DIM + j];
  return { table, projection, vocabSize };
}

// ---- graph-model JSON (TensorFlow GraphDef as tfjs-converter writes it) ----

interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

const dtypeEnum = { float32: 'DT_FLOAT', int32: 'DT_INT32' } as const;
const shapeAttr = (shape: number[]) => ({ dim: shape.map((size) => ({ size: String(size) })) });
const b64 = (text: string) => btoa(text); // ASCII attribute strings only

class GraphBuilder {
  readonly nodes: object[] = [];
  readonly weights: WeightEntry[] = [];

  placeholder(name: string, dtype: 'float32' | 'int32', shape: number[]): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: { type: dtypeEnum[dtype] }, shape: { shape: shapeAttr(shape) } } });
    return name;
  }

  const(name: string, dtype: 'float32' | 'int32', shape: number[], data: ArrayLike<number>): string {
    this.nodes.push({ name, op: 'Const', attr: { dtype: { type: dtypeEnum[dtype] }, value: { tensor: { dtype: dtypeEnum[dtype], tensorShape: shapeAttr(shape) } } } });
    this.weights.push({ name, shape, dtype, data: dtype === 'float32' ? Float32Array.from(data) : Int32Array.from(data) });
    return name;
  }

  op(name: string, op: string, inputs: string[], attr: Record<string, unknown> = {}): string {
    this.nodes.push({ name, op, input: inputs, attr: { T: { type: 'DT_FLOAT' }, ...attr } });
    return name;
  }

  artifacts(signature: { inputs: Record<string, [string, 'float32' | 'int32', number[]]>; outputs: Record<string, [string, number[]]> }) {
    const tensorInfo = (name: string, dtype: 'float32' | 'int32', shape: number[]) => ({ name: `${name}:0`, dtype: dtypeEnum[dtype], tensorShape: shapeAttr(shape) });
    return {
      format: 'graph-model',
      generatedBy: '2.15.0',
      convertedBy: 'TensorFlow.js Converter v4.22.0 (hand-built by @gen/clip-guidance tests)',
      signature: {
        inputs: Object.fromEntries(Object.entries(signature.inputs).map(([key, [name, dtype, shape]]) => [key, tensorInfo(name, dtype, shape)])),
        outputs: Object.fromEntries(Object.entries(signature.outputs).map(([key, [name, shape]]) => [key, tensorInfo(name, 'float32', shape)])),
      },
      modelTopology: { node: this.nodes, library: {}, versions: { producer: 1645 } },
      weights: this.weights,
    };
  }
}

/**
 * Image tower as a graph: pixel_values NCHW [-1, 3, 8, 8] (normalised) → Transpose → Conv2D 4×4
 * stride 4 → BiasAdd → Reshape [-1, 16] → swish (x·σ(1.702x)) → MatMul → image_embeds [-1, 8].
 * Signature keys `pixel_values` / `image_embeds` name nodes `serving_default_pixel_values` /
 * `Identity`, as in a converted SavedModel.
 */
function imageGraph(g: Generator) {
  const w = imageWeights(g);
  const b = new GraphBuilder();
  const x = b.placeholder('serving_default_pixel_values', 'float32', [-1, 3, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE]);
  const nhwc = b.op('vision/transpose', 'Transpose', [x, b.const('vision/transpose/perm', 'int32', [4], [0, 2, 3, 1])], { Tperm: { type: 'DT_INT32' } });
  const conv = b.op('vision/patch/Conv2D', 'Conv2D', [nhwc, b.const('vision/patch/kernel', 'float32', [4, 4, 3, w.channels], w.kernel)], {
    strides: { list: { i: ['1', '4', '4', '1'] } },
    padding: { s: b64('VALID') },
    data_format: { s: b64('NHWC') },
    dilations: { list: { i: ['1', '1', '1', '1'] } },
  });
  const biased = b.op('vision/patch/BiasAdd', 'BiasAdd', [conv, b.const('vision/patch/bias', 'float32', [w.channels], w.bias)], { data_format: { s: b64('NHWC') } });
  const flat = b.op('vision/Reshape', 'Reshape', [biased, b.const('vision/Reshape/shape', 'int32', [2], [-1, w.features])], { Tshape: { type: 'DT_INT32' } });
  const scaled = b.op('vision/act/mul', 'Mul', [flat, b.const('vision/act/alpha', 'float32', [], [1.702])]);
  const gate = b.op('vision/act/Sigmoid', 'Sigmoid', [scaled]);
  const act = b.op('vision/act/mul_1', 'Mul', [flat, gate]);
  const projected = b.op('vision/proj/MatMul', 'MatMul', [act, b.const('vision/proj/kernel', 'float32', [w.features, TINY_EMBED_DIM], w.projection)], {
    transpose_a: { b: false },
    transpose_b: { b: false },
  });
  b.op('Identity', 'Identity', [projected]);
  return b.artifacts({ inputs: { pixel_values: [x, 'float32', [-1, 3, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE]] }, outputs: { image_embeds: ['Identity', [-1, TINY_EMBED_DIM]] } });
}

/**
 * Text tower as a graph: input_ids and attention_mask int32 [-1, 77] → GatherV2 from the token
 * table → × mask → Sum over tokens → MatMul → text_embeds [-1, 8].
 */
function textGraph(g: Generator) {
  const w = textWeights(g);
  const b = new GraphBuilder();
  const ids = b.placeholder('serving_default_input_ids', 'int32', [-1, TINY_CONTEXT_LENGTH]);
  const mask = b.placeholder('serving_default_attention_mask', 'int32', [-1, TINY_CONTEXT_LENGTH]);
  const gathered = b.op('text/embed/GatherV2', 'GatherV2', [b.const('text/embed/table', 'float32', [w.vocabSize, TINY_EMBED_DIM], w.table), ids, b.const('text/embed/axis', 'int32', [], [0])], {
    Tparams: { type: 'DT_FLOAT' },
    Tindices: { type: 'DT_INT32' },
    Taxis: { type: 'DT_INT32' },
    batch_dims: { i: '0' },
  });
  const maskFloat = b.op('text/Cast', 'Cast', [mask], { SrcT: { type: 'DT_INT32' }, DstT: { type: 'DT_FLOAT' }, Truncate: { b: false } });
  const maskExpanded = b.op('text/ExpandDims', 'ExpandDims', [maskFloat, b.const('text/ExpandDims/dim', 'int32', [], [-1])], { Tdim: { type: 'DT_INT32' } });
  const masked = b.op('text/mul', 'Mul', [gathered, maskExpanded]);
  const pooled = b.op('text/Sum', 'Sum', [masked, b.const('text/Sum/axis', 'int32', [1], [1])], { keep_dims: { b: false }, Tidx: { type: 'DT_INT32' } });
  const projected = b.op('text/proj/MatMul', 'MatMul', [pooled, b.const('text/proj/kernel', 'float32', [TINY_EMBED_DIM, TINY_EMBED_DIM], w.projection)], {
    transpose_a: { b: false },
    transpose_b: { b: false },
  });
  b.op('Identity', 'Identity', [projected]);
  return b.artifacts({
    inputs: {
      input_ids: [ids, 'int32', [-1, TINY_CONTEXT_LENGTH]],
      attention_mask: [mask, 'int32', [-1, TINY_CONTEXT_LENGTH]],
    },
    outputs: { text_embeds: ['Identity', [-1, TINY_EMBED_DIM]] },
  });
}

/** A tiny export's files: path relative to the export's folder → bytes. */
export type TinyExternalClipFiles = Record<string, Uint8Array>;

const SHARD = 'group1-shard1of1.bin';
const utf8 = (text: string) => new TextEncoder().encode(text);

/** model.json + one weight shard under `dir`, the layout tensorflowjs_converter writes. */
function graphModelFiles(dir: string, artifacts: ReturnType<typeof imageGraph>): TinyExternalClipFiles {
  const { weights, ...json } = artifacts;
  const bytes = new Uint8Array(weights.reduce((n, w) => n + w.data.byteLength, 0));
  let offset = 0;
  for (const w of weights) {
    bytes.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), offset);
    offset += w.data.byteLength;
  }
  const manifest = [{ paths: [SHARD], weights: weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })) }];
  return { [`${dir}/${SHARD}`]: bytes, [`${dir}/model.json`]: utf8(`${JSON.stringify({ ...json, weightsManifest: manifest })}\n`) };
}

// ---- tfjs-layers models ----

type Layers = typeof import('@tensorflow/tfjs-layers');

/** A layers model saved as model.json + one shard under `dir` (what model.save('file://…') writes). */
async function layersModelFiles(dir: string, model: import('@tensorflow/tfjs-layers').LayersModel): Promise<TinyExternalClipFiles> {
  const files: TinyExternalClipFiles = {};
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      files[`${dir}/${SHARD}`] = new Uint8Array(artifacts.weightData as ArrayBuffer);
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [SHARD], weights: artifacts.weightSpecs }],
      };
      files[`${dir}/model.json`] = utf8(`${JSON.stringify(json)}\n`);
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  return files;
}

/** Image tower as a LayersModel: NHWC [8, 8, 3] → Conv2D 4×4/4 → Reshape → swish → Dense (no bias). */
function imageLayers(layers: Layers, g: Generator) {
  const w = imageWeights(g);
  const input = layers.input({ shape: [TINY_IMAGE_SIZE, TINY_IMAGE_SIZE, 3], name: 'pixel_values' });
  const conv = layers.layers.conv2d({ filters: w.channels, kernelSize: 4, strides: 4, padding: 'valid', name: 'patch' });
  const flat = layers.layers.reshape({ targetShape: [w.features], name: 'flatten' });
  const act = layers.layers.activation({ activation: 'swish', name: 'swish' });
  const proj = layers.layers.dense({ units: TINY_EMBED_DIM, useBias: false, name: 'image_embeds' });
  const output = proj.apply(act.apply(flat.apply(conv.apply(input)))) as import('@tensorflow/tfjs-layers').SymbolicTensor;
  const model = layers.model({ inputs: input, outputs: output, name: 'image_tower' });
  conv.setWeights([tf.tensor4d(w.kernel, [4, 4, 3, w.channels]), tf.tensor1d(w.bias)]);
  proj.setWeights([tf.tensor2d(w.projection, [w.features, TINY_EMBED_DIM])]);
  return model;
}

/** Text tower as a LayersModel: input_ids [77] → Embedding → GlobalAveragePooling1D → Dense (no bias). */
function textLayers(layers: Layers, g: Generator) {
  const w = textWeights(g);
  const input = layers.input({ shape: [TINY_CONTEXT_LENGTH], dtype: 'int32', name: 'input_ids' });
  const embed = layers.layers.embedding({ inputDim: w.vocabSize, outputDim: TINY_EMBED_DIM, name: 'embed' });
  const pool = layers.layers.globalAveragePooling1d({ name: 'pool' });
  const proj = layers.layers.dense({ units: TINY_EMBED_DIM, useBias: false, name: 'text_embeds' });
  const output = proj.apply(pool.apply(embed.apply(input))) as import('@tensorflow/tfjs-layers').SymbolicTensor;
  const model = layers.model({ inputs: input, outputs: output, name: 'text_tower' });
  embed.setWeights([tf.tensor2d(w.table, [w.vocabSize, TINY_EMBED_DIM])]);
  proj.setWeights([tf.tensor2d(w.projection, [TINY_EMBED_DIM, TINY_EMBED_DIM])]);
  return model;
}

/** The external-clip.json of a tiny export with the given tower formats. */
export function tinyExternalClipConfig(options: TinyExternalClipOptions = {}) {
  const { image = 'graph', text = 'graph' } = options;
  return {
    format: 'gen-external-clip',
    version: 1,
    embedDim: TINY_EMBED_DIM,
    logitScale: 100,
    image:
      image === 'graph'
        ? { model: 'image/model.json', input: 'pixel_values', output: 'image_embeds', size: TINY_IMAGE_SIZE, layout: 'NCHW' }
        : { model: 'image/model.json', size: TINY_IMAGE_SIZE, layout: 'NHWC' },
    text:
      text === 'graph'
        ? { model: 'text/model.json', input: 'input_ids', mask: 'attention_mask', output: 'text_embeds', contextLength: TINY_CONTEXT_LENGTH }
        : { model: 'text/model.json', contextLength: TINY_CONTEXT_LENGTH },
    tokenizer: { vocab: 'vocab.json', merges: 'merges.txt' },
  };
}

/** The files of a tiny external CLIP: external-clip.json, image/, text/, vocab.json, merges.txt. */
export async function tinyExternalClipFiles(options: TinyExternalClipOptions = {}): Promise<TinyExternalClipFiles> {
  const { image = 'graph', text = 'graph', seed = 0 } = options;
  const g = new Generator(seed);
  const gImage = g.fork('image');
  const gText = g.fork('text');
  const layers: Layers | null = image === 'layers' || text === 'layers' ? await import('@tensorflow/tfjs-layers') : null;
  const tower = async (dir: string, kind: TinyTowerKind, graph: () => ReturnType<typeof imageGraph>, build: (l: Layers) => import('@tensorflow/tfjs-layers').LayersModel) => {
    if (kind === 'graph') return graphModelFiles(dir, graph());
    const model = build(layers!);
    try {
      return await layersModelFiles(dir, model);
    } finally {
      model.dispose();
    }
  };
  return {
    ...(await tower('image', image, () => imageGraph(gImage), (l) => imageLayers(l, gImage))),
    ...(await tower('text', text, () => textGraph(gText), (l) => textLayers(l, gText))),
    'vocab.json': utf8(`${JSON.stringify(tinyVocab())}\n`),
    'merges.txt': utf8(tinyMergesText()),
    'external-clip.json': utf8(`${JSON.stringify(tinyExternalClipConfig({ image, text }), null, 2)}\n`),
  };
}

/** An in-memory tf.io handler of the model.json at `file` in `files` (its shard beside it). */
export function inMemoryModelHandler(files: TinyExternalClipFiles, file: string): tf.io.IOHandler {
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
  return {
    load: async () => {
      const json = JSON.parse(new TextDecoder().decode(files[file]));
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const bytes = files[`${dir}${manifest[0].paths[0]}`];
        return [manifest.flatMap((group) => group.weights), bytes.slice().buffer];
      });
    },
  };
}

/** `loadExternalClip(sources)` input for a tiny export held in memory (no files, no server). */
export function tinyExternalClipSources(files: TinyExternalClipFiles): ExternalClipSources {
  const text = (file: string) => new TextDecoder().decode(files[file]);
  const config = JSON.parse(text('external-clip.json'));
  return {
    config,
    image: inMemoryModelHandler(files, config.image.model),
    text: inMemoryModelHandler(files, config.text.model),
    vocab: text(config.tokenizer.vocab),
    merges: text(config.tokenizer.merges),
  };
}
