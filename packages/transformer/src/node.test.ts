// @gen/transformer/node: the shipped transformer loads with its tokenizer and VQ-VAE and draws
// images; config.vq naming (a shipped pretrained:<name>, or a folder path).
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { pretrainedVqVaeDir } from '@gen/vae/node';
import { generateImages } from '@gen/transformer';
import { loadPretrainedDalle, pretrainedDalleCard, vqLocationOf } from './node';

describe('@gen/transformer/node', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('vqLocationOf: a shipped pretrained:<name> is its folder, a path stays a path, anything else is one line', () => {
    expect(vqLocationOf({ vq: 'pretrained:mnist-vq' }, 'here')).toBe(pretrainedVqVaeDir('mnist-vq'));
    expect(vqLocationOf({ vq: '/runs/vq/checkpoints/step-00001200' }, 'here')).toBe('/runs/vq/checkpoints/step-00001200');
    expect(() => vqLocationOf({ vq: 'pretrained:cifar-vq' }, 'here')).toThrow("here names the VQ-VAE 'pretrained:cifar-vq', which @gen/vae does not ship (pretrained:mnist-vq, pretrained:fashion-vq)");
    expect(() => vqLocationOf({}, 'here')).toThrow('here does not record its VQ-VAE (config.vq)');
  });

  it.each([
    ['mnist', 'a bold seven'],
    ['fashion', 'a sketch of a sneaker'],
  ] as const)("loadPretrainedDalle('%s'): transformer, tokenizer and VQ-VAE that fit together; images in the decoder's 28×28 range; nothing leaked", async (name, prompt) => {
    const before = tf.memory().numTensors;
    const dalle = await loadPretrainedDalle(name);
    expect(dalle.tokenizer).not.toBeNull();
    expect(dalle.model.config.tokenShape).toEqual(dalle.imageTokenizer.tokenShape);
    expect(dalle.model.config.imageVocabSize).toBe(dalle.imageTokenizer.codebookSize);
    expect(dalle.config.vq).toBe(`pretrained:${name}-vq`);
    const { images, tokens } = generateImages({ model: dalle.model, tokenizer: dalle.tokenizer!, imageTokenizer: dalle.imageTokenizer, prompt, n: 2, generator: new Generator(1) });
    expect(images.shape).toEqual([2, 28, 28, 1]);
    expect(tokens.shape).toEqual([2, 7, 7]);
    tf.dispose([images, tokens]);
    dalle.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const card = pretrainedDalleCard(name);
    expect(card.command).toMatch(new RegExp(`^gen train dalle --dataset ${name} `));
    expect(card.metrics).toMatchObject({ family: 'dalle', plain: { n: 1000 }, reranked: { n: 1000 } });
  });
});
