import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { backendTolerance, describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { tokenTensors } from '../clip';
import { shapesDataset, SIZE, tinyClip } from '../__fixtures__/tiny-clip';
import { ClipModel, clipModelConfig } from './clip-model';

describeWithBackends('ClipModel', ({ backend }) => {
  it('gives unit-norm embeddings and the logit scale exp(t), clamped at maxLogitScale', async () => {
    const clip = tinyClip();
    const texts = clip.encodeText(['a square', 'a photo of the cross']);
    const images = clip.encodeImage(tf.tensor4d(shapesDataset(3).images, [3, SIZE, SIZE, 1]));
    expect(texts.shape).toEqual([2, 16]);
    await expectTensorsClose(tf.norm(texts, 'euclidean', -1), [1, 1], { atol: 1e-4 });
    await expectTensorsClose(tf.norm(images, 'euclidean', -1), [1, 1, 1], { atol: 1e-4 });
    expect((await clip.model.logitScale().data())[0]).toBeCloseTo(1 / 0.07, 2);
    clip.model.logLogitScale.assign(tf.scalar(10));
    expect((await clip.model.logitScale().data())[0]).toBeCloseTo(100, 2);
    clip.dispose();
  });

  it('pools at eos: padding and tokens after eos change nothing (padding mask + causal attention)', async () => {
    for (const pooling of ['eos', 'mean'] as const) {
      const clip = tinyClip(1, { pooling });
      const short = clip.tokenizer.encodeBatch(['a photo of the cross'], { maxLength: 8 });
      const long = clip.tokenizer.encodeBatch(['a photo of the cross'], { maxLength: 12 });
      const garbage = { ...long, ids: long.ids.map((id, i) => (long.mask[i] === 0 ? 5 + i : id)) };
      const [a, b, c] = [short, long, garbage].map((batch) => {
        const tokens = tokenTensors(batch);
        return clip.model.encodeTokens(tokens);
      });
      await expectTensorsClose(b, a, { atol: 10 * backendTolerance(backend) });
      await expectTensorsClose(c, a, { atol: 10 * backendTolerance(backend) });
      clip.dispose();
    }
  });

  it('embeds a text the same alone and batched with a longer text (row padding is masked)', async () => {
    const clip = tinyClip(2);
    const one = clip.encodeText(['a square']);
    const two = clip.encodeText(['a square', 'a photo of the horizontal bar']);
    await expectTensorsClose(tf.slice(two, [0, 0], [1, -1]), one, { atol: 10 * backendTolerance(backend) });
    clip.dispose();
  });

  it('restores identical outputs from its config and state dict', async () => {
    const clip = tinyClip(3);
    const copy = ClipModel.fromConfig(clip.model.config, new Generator(99));
    const images = tf.tensor4d(shapesDataset(2).images, [2, SIZE, SIZE, 1]);
    const before = copy.encodeImages(images);
    copy.loadStateDict(clip.model.stateDict());
    await expectTensorsClose(copy.encodeImages(images), clip.model.encodeImages(images), { atol: backendTolerance(backend) });
    expect(tf.max(tf.abs(tf.sub(before, clip.model.encodeImages(images)))).dataSync()[0]).toBeGreaterThan(1e-3);
    expect(Object.keys(clip.model.stateDict())).toEqual(expect.arrayContaining(['logLogitScale', 'text.positions', 'text.blocks.0.attention.query.weight', 'image.stages.1.weight', 'textProjection.weight']));
    clip.dispose();
    copy.dispose();
  });

  it('rejects bad configs and inputs with one-line errors', () => {
    expect(() => clipModelConfig({ text: { vocabSize: 600, width: 10, heads: 4 } })).toThrow('text.heads (4) must divide text.width (10)');
    expect(() => clipModelConfig({ text: { vocabSize: 600 }, initTemperature: 0.001 })).toThrow('initTemperature (0.001) must give a logit scale 1/τ ≤ maxLogitScale (100)');
    expect(() => clipModelConfig({ text: { vocabSize: 600, pooling: 'max' as never } })).toThrow("text.pooling (\"max\") must be one of 'eos', 'mean'");
    const clip = tinyClip();
    expect(() => clip.encodeImage(tf.zeros([1, 28, 28, 1]))).toThrow('images (Tensor<float32>[1, 28, 28, 1]) must be a float32 tensor [batch, 16, 16, 1] with values in [0, 1]');
    expect(() => clip.model.encodeTokens({ ids: tf.zeros([1, 20], 'int32'), mask: tf.zeros([1, 20]), eosIndex: tf.zeros([1], 'int32') })).toThrow(
      'text ids (Tensor<int32>[1, 20]) must be an int32 tensor [batch, length ≤ 12]',
    );
    clip.dispose();
  });
});
