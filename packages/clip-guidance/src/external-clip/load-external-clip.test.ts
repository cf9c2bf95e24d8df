// Loading an external CLIP (Node only): tiny exports written to disk in the converter's layout,
// loaded back from folders (@gen/clip-guidance/node), over http (the browser entry) and from
// handlers; config errors name the field at fault; the committed fixture is what the builder
// writes. The adapter's behaviour on every backend: external-clip.test.ts.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { genGradientsIntact } from '@gen/core';
import { oneLine, oneLineAsync, quadrantImages } from '../__fixtures__/external-clip-test-helpers';
import { TINY_QUADRANTS, tinyExternalClipConfig, type TinyTowerKind } from '../__fixtures__/tiny-external-clip';
import { writeTinyExternalClip } from '../__fixtures__/write-tiny-external-clip';
import { clipGuidance } from '../guidance/clip-guidance';
import { loadExternalClip } from '../node';
import { OpenAiClipTokenizer } from '../tokenizer/openai-clip-tokenizer';
import { ExternalClip } from './external-clip';
import { loadExternalClip as loadExternalClipFromUrl } from './load-external-clip';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-external-clip-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A fresh tiny export of the given tower kinds (folders are reused per kind pair). */
async function exportDir(image: TinyTowerKind, text: TinyTowerKind): Promise<string> {
  const dir = path.join(tmp, `${image}-${text}`);
  if (!fs.existsSync(path.join(dir, 'external-clip.json'))) await writeTinyExternalClip(dir, { image, text });
  return dir;
}

/** A copy of an export with external-clip.json edited (and files removed). */
async function variant(name: string, edit: (config: ReturnType<typeof tinyExternalClipConfig>) => unknown, remove: string[] = []): Promise<string> {
  const source = await exportDir('graph', 'graph');
  const dir = path.join(tmp, `variant-${name}`);
  fs.cpSync(source, dir, { recursive: true });
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'external-clip.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'external-clip.json'), JSON.stringify(edit(config) ?? config));
  for (const file of remove) fs.rmSync(path.join(dir, file));
  return dir;
}

describe('loadExternalClip: sources and bad folders', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it("keeps @gen/core's gradients: importing tfjs-layers overwrites them with tfjs's stock ones, loading restores them", async () => {
    await import('@tensorflow/tfjs-layers'); // registers tfjs's stock gradients over ours
    const broadcast = () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.squaredDifference(a, b)))([tf.ones([2, 2]), tf.zeros([2])]);
    expect(genGradientsIntact()).toBe(false);
    expect(broadcast).toThrow(/gradient of input 'b' has shape '2,2'/); // tfjs 4.22's bug, back
    const clip = await loadExternalClip(await exportDir('layers', 'layers'));
    expect(genGradientsIntact()).toBe(true);
    expect(Array.from(await broadcast()[1].data())).toEqual([-4, -4]);
    clip.dispose();
  });

  it('loads a folder over http (the browser entry) and from handlers, with the same embeddings as from disk', async () => {
    const dir = await exportDir('graph', 'layers');
    const server = http.createServer((request, response) => {
      const file = path.join(dir, decodeURIComponent(new URL(request.url!, 'http://x').pathname));
      if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200).end(fs.readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const fromDisk = await loadExternalClip(dir);
      const fromHttp = await loadExternalClipFromUrl(`http://127.0.0.1:${port}/`);
      const fromHandlers = await loadExternalClipFromUrl({
        config: JSON.parse(fs.readFileSync(path.join(dir, 'external-clip.json'), 'utf8')),
        image: `http://127.0.0.1:${port}/image/model.json`,
        text: tf.io.http(`http://127.0.0.1:${port}/text/model.json`),
        vocab: fs.readFileSync(path.join(dir, 'vocab.json'), 'utf8'),
        merges: fs.readFileSync(path.join(dir, 'merges.txt'), 'utf8'),
      });
      const images = quadrantImages(2);
      const reference = await fromDisk.encodeImage(images).data();
      const text = await fromDisk.encodeText(['top right']).data();
      for (const clip of [fromHttp, fromHandlers]) {
        expect(Array.from(await clip.encodeImage(images).data())).toEqual(Array.from(reference));
        expect(Array.from(await clip.encodeText(['top right']).data())).toEqual(Array.from(text));
        clip.dispose();
      }
      expect(await oneLineAsync(loadExternalClipFromUrl(`http://127.0.0.1:${port}/missing/`))).toMatch(/^source \(.*\) could not be fetched from .*external-clip\.json \(HTTP 404\)/);
      fromDisk.dispose();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('builds from loaded towers: new ExternalClip({ config, image, text, tokenizer })', async () => {
    const dir = await exportDir('layers', 'graph');
    const layers = await import('@tensorflow/tfjs-layers');
    const converter = await import('@tensorflow/tfjs-converter');
    const loaded = await loadExternalClip(dir);
    const config = tinyExternalClipConfig({ image: 'layers', text: 'graph' });
    const tokenizer = OpenAiClipTokenizer.fromFiles(fs.readFileSync(path.join(dir, 'vocab.json'), 'utf8'), fs.readFileSync(path.join(dir, 'merges.txt'), 'utf8'));
    const handler = (file: string): tf.io.IOHandler => ({
      load: async () => {
        const json = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
        return tf.io.getModelArtifactsForJSON(json, async (manifest) => [manifest.flatMap((g) => g.weights), new Uint8Array(fs.readFileSync(path.join(dir, path.dirname(file), manifest[0].paths[0]))).buffer]);
      },
    });
    const clip = new ExternalClip({ config: config as never, image: await layers.loadLayersModel(handler('image/model.json')), text: await converter.loadGraphModel(handler('text/model.json')), tokenizer });
    const images = quadrantImages(1);
    expect(Array.from(await clip.encodeImage(images).data())).toEqual(Array.from(await loaded.encodeImage(images).data()));
    expect(oneLine(() => new ExternalClip({ config: config as never, image: {} as never, text: {} as never, tokenizer }))).toMatch(/^image model \(\{\}\) must be a tfjs-converter GraphModel or a tfjs-layers LayersModel/);
    const short = OpenAiClipTokenizer.fromFiles(fs.readFileSync(path.join(dir, 'vocab.json'), 'utf8'), fs.readFileSync(path.join(dir, 'merges.txt'), 'utf8'), { contextLength: 16 });
    expect(oneLine(() => new ExternalClip({ config: config as never, image: {} as never, text: {} as never, tokenizer: short }))).toMatch(/^tokenizer\.contextLength \(16\) must be text\.contextLength \(77\)/);
    clip.dispose();
    loaded.dispose();
  });

  it('refuses guidance with a one-line error when the image tower has no gradient, instead of zero gradients', async () => {
    const config = tinyExternalClipConfig({ image: 'layers', text: 'layers' });
    const dir = await exportDir('graph', 'graph');
    const tokenizer = OpenAiClipTokenizer.fromFiles(fs.readFileSync(path.join(dir, 'vocab.json'), 'utf8'), fs.readFileSync(path.join(dir, 'merges.txt'), 'utf8'));
    const text = { inputNames: ['ids'], outputNames: ['y'], inputs: [{ shape: [null, 77] }], apply: (ids: tf.Tensor) => tf.ones([ids.shape[0], 8]), dispose: () => undefined };
    // Rounded pixels: tfjs's Round gradient is zero. Einsum: tfjs has no gradient for it.
    const rounded = { inputNames: ['x'], outputNames: ['y'], inputs: [{ shape: [null, 8, 8, 3] }], apply: (x: tf.Tensor) => tf.reshape(tf.slice(tf.reshape(tf.round(x), [-1, 192]), [0, 0], [-1, 8]), [-1, 8]), dispose: () => undefined };
    const einsum = { inputNames: ['x'], outputNames: ['y'], inputs: [{ shape: [null, 8, 8, 3] }], apply: (x: tf.Tensor) => tf.einsum('bi,ij->bj', tf.reshape(x, [-1, 192]), tf.ones([192, 8])), dispose: () => undefined };
    for (const [image, why] of [
      [rounded, /the gradient is zero/],
      [einsum, /gradient function not found for Einsum/],
    ] as const) {
      const clip = new ExternalClip({ config: config as never, image, text, tokenizer });
      expect(clip.encodeImage(quadrantImages(1)).shape).toEqual([1, 8]); // inference still works
      const message = oneLine(() => clipGuidance({ clip, prompt: 'top left' }));
      expect(message).toMatch(/^clip \("an ExternalClip with a layers image tower"\) cannot give gradients w\.r\.t\. images \(/);
      expect(message).toMatch(why);
      expect(oneLine(() => clip.checkImageGradients('steering.clip'))).toMatch(/^steering\.clip /);
    }
  });

  it('names the field at fault in one line: missing files, wrong config values, mismatched towers', async () => {
    const cases: Array<[string, Promise<string>]> = [
      ['no folder', oneLineAsync(loadExternalClip(path.join(tmp, 'nowhere')))],
      ['no vocab', oneLineAsync(loadExternalClip(await variant('no-vocab', () => undefined, ['vocab.json'])))],
      ['no weights', oneLineAsync(loadExternalClip(await variant('no-shard', () => undefined, ['image/group1-shard1of1.bin'])))],
      ['no text model', oneLineAsync(loadExternalClip(await variant('no-text', () => undefined, ['text/model.json'])))],
      ['format', oneLineAsync(loadExternalClip(await variant('format', (c) => ({ ...c, format: 'clip' }))))],
      ['size', oneLineAsync(loadExternalClip(await variant('size', (c) => ({ ...c, image: { ...c.image, size: 16 } }))))],
      ['layout', oneLineAsync(loadExternalClip(await variant('layout', (c) => ({ ...c, image: { ...c.image, layout: 'NHWC' } }))))],
      ['bad layout', oneLineAsync(loadExternalClip(await variant('bad-layout', (c) => ({ ...c, image: { ...c.image, layout: 'CHW' } }))))],
      ['mean', oneLineAsync(loadExternalClip(await variant('mean', (c) => ({ ...c, image: { ...c.image, mean: [0.5, 0.5] } }))))],
      ['output', oneLineAsync(loadExternalClip(await variant('output', (c) => ({ ...c, image: { ...c.image, output: 'logits' } }))))],
      ['mask', oneLineAsync(loadExternalClip(await variant('mask', (c) => ({ ...c, text: { ...c.text, mask: undefined } }))))],
      ['context', oneLineAsync(loadExternalClip(await variant('context', (c) => ({ ...c, text: { ...c.text, contextLength: 64 } }))))],
      ['kind', oneLineAsync(loadExternalClip(await variant('kind', (c) => ({ ...c, text: { ...c.text, kind: 'layers' } }))))],
      ['typo', oneLineAsync(loadExternalClip(await variant('typo', (c) => ({ ...c, image: { ...c.image, sise: 8 } }))))],
      ['escape', oneLineAsync(loadExternalClip(await variant('escape', (c) => ({ ...c, tokenizer: { vocab: '../vocab.json' } }))))],
      ['embedDim', oneLineAsync(loadExternalClip(await variant('embed', (c) => ({ ...c, embedDim: 16 }))).then((clip) => clip.encodeImage(quadrantImages(1))))],
    ];
    const messages = Object.fromEntries(await Promise.all(cases.map(async ([name, message]) => [name, await message])));
    expect(messages['no folder']).toMatch(/^source \(.*nowhere"\) must be a folder holding external-clip\.json/);
    expect(messages['no vocab']).toMatch(/^tokenizer\.vocab \("vocab\.json"\) names a missing file/);
    expect(messages['no weights']).toMatch(/^image\.model \("image\/model\.json"\) could not be loaded \(missing weight shard .*group1-shard1of1\.bin\)/);
    expect(messages['no text model']).toMatch(/^text\.model \("text\/model\.json"\) could not be loaded \(no file /);
    expect(messages.format).toMatch(/^format \("clip"\) must be "gen-external-clip"/);
    expect(messages.size).toMatch(/^image\.size \(\[16, 16\]\) must match the image tower's input shape \[\?, 3, 8, 8\]/);
    expect(messages.layout).toMatch(/^image\.layout \("NHWC"\) must match the image tower's input shape/);
    expect(messages['bad layout']).toMatch(/^image\.layout \("CHW"\) must be one of 'NCHW', 'NHWC'/);
    expect(messages.mean).toMatch(/^image\.mean \(.*\) must be 3 finite numbers/);
    expect(messages.output).toMatch(/^image\.output \("logits"\) must name one of the image tower's outputs \[image_embeds\]/);
    expect(messages.mask).toMatch(/^text\.mask \(undefined\) must be set: the text tower also takes \[attention_mask\]/);
    expect(messages.context).toMatch(/^text\.contextLength \(64\) must match the text tower's input shape \[\?, 77\]/);
    expect(messages.kind).toMatch(/^text\.kind \("layers"\) must match text\.model, a graph model/);
    expect(messages.typo).toMatch(/^image\.sise \(8\) is not a field of external-clip\.json image/);
    expect(messages.escape).toMatch(/^tokenizer\.vocab \("\.\.\/vocab\.json"\) must be a path inside the folder/);
    expect(messages.embedDim).toMatch(/^ExternalClip: the image tower's output has shape \[1, 8\], expected \[1, 16\]/);
  });

  it('the committed fixture (docs/models/external-clip.md) is what the builder writes', async () => {
    const committed = path.join(__dirname, '../../fixtures/tiny-external-clip');
    const fresh = path.join(tmp, 'committed-check');
    const config = JSON.parse(fs.readFileSync(path.join(committed, 'external-clip.json'), 'utf8'));
    await writeTinyExternalClip(fresh, { image: config.image.layout === 'NCHW' ? 'graph' : 'layers', text: config.text.mask ? 'graph' : 'layers' });
    const files = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
    expect(files(committed)).toEqual(files(fresh));
    for (const file of files(committed)) expect(fs.readFileSync(path.join(committed, file)).equals(fs.readFileSync(path.join(fresh, file)))).toBe(true);
    const clip = await loadExternalClip(committed);
    expect(Array.from(await tf.argMax(clip.classify(quadrantImages(4), [...TINY_QUADRANTS]), 1).data())).toEqual([0, 1, 2, 3]);
    clip.dispose();
  });
});
