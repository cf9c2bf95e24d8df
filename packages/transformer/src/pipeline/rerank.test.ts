import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { rerank } from '@gen/transformer';
import { shapesDataset, SIZE, tinyClip } from '../../../clip-guidance/src/__fixtures__/tiny-clip';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
};

describeWithBackends('rerank', ({ backend }) => {
  const atol = backend === 'webgl' ? 1e-3 : 1e-5;

  it('rerank keeps the top candidates by CLIP score, best first', async () => {
    const clip = tinyClip(1);
    const images = tf.tensor4d(shapesDataset(8).images, [8, SIZE, SIZE, 1]);
    const result = rerank({ clip, prompt: 'a square', images, top: 3 });
    const all = Array.from(await clip.clipScore(images, ['a square']).data());
    const order = all.map((score, i) => [score, i]).sort((a, b) => b[0] - a[0]).slice(0, 3);
    expect(Array.from(await result.indices.data())).toEqual(order.map(([, i]) => i));
    await expectTensorsClose(result.scores, order.map(([s]) => s), { atol });
    await expectTensorsClose(result.allScores, all, { atol });
    await expectTensorsClose(result.images, tf.gather(images, order.map(([, i]) => i)), { atol: 0 });
    expect(messageOf(() => rerank({ clip, prompt: ' ', images }))).toBe('prompt (" ") must be a non-empty string');
    expect(messageOf(() => rerank({ clip, prompt: 'a square', images, top: 9 }))).toBe('top (9) must be at most the number of candidates (8)');
    clip.dispose();
  });
}, { skip: ['webgl'] }); // sampling loops: too slow for Chromium's software GPU; the cache itself is checked on webgl in dalle-transformer.test.ts
