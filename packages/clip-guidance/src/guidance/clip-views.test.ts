import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { tinyClip } from '../__fixtures__/tiny-clip';
import { drawShifts, fitToClip, viewStatistics } from './clip-views';

describeWithBackends('CLIP views', () => {
  it('fits images to the encoder: a constant image stays constant under the resize, 3 channels average to 1', async () => {
    const clip = tinyClip(); // 16×16×1
    const small = tf.fill([2, 8, 8, 1], 0.25);
    await expectTensorsClose(fitToClip(clip, small), tf.fill([2, 16, 16, 1], 0.25));
    const rgb = tf.concat([tf.fill([1, 16, 16, 1], 0.2), tf.fill([1, 16, 16, 1], 0.4), tf.fill([1, 16, 16, 1], 0.9)], 3);
    await expectTensorsClose(fitToClip(clip, rgb), tf.fill([1, 16, 16, 1], 0.5));
    const same = tf.fill([1, 16, 16, 1], 0.7);
    const fitted = fitToClip(clip, same);
    expect(fitted).not.toBe(same);
    await expectTensorsClose(fitted, same);
    expect(() => fitToClip(clip, tf.zeros([1, 16, 16, 2]))).toThrow('images (Tensor<float32>[1, 16, 16, 2]) must have 1 channels (or 1 ↔ 3) for this CLIP\'s image encoder');
    clip.dispose();
  });

  it('draws shifts in [−maxShift, maxShift] from the generator, reproducibly', () => {
    const shifts = drawShifts(new Generator(1), 50, 2);
    expect(shifts).toEqual(drawShifts(new Generator(1), 50, 2));
    const flat = shifts.flat();
    expect(Math.min(...flat)).toBe(-2);
    expect(Math.max(...flat)).toBe(2);
    expect(drawShifts(new Generator(1), 3, 0)).toEqual([[0, 0], [0, 0], [0, 0]]);
  });

  it('view statistics: distance = 2·arcsin(√((1 − cos)/2))² for a single view, means over several', async () => {
    const clip = tinyClip(3);
    const images = new Generator(2).uniform([2, 16, 16, 1]);
    const text = clip.encodeText(['a square']);
    const one = viewStatistics(clip, images, text, [[1, 0]]);
    const cos = await one.cosine.data();
    const expected = Array.from(cos, (c) => 2 * Math.asin(Math.sqrt((1 - c) / 2)) ** 2);
    await expectTensorsClose(one.distance, expected, { atol: 1e-4 });
    const two = viewStatistics(clip, images, text, [[1, 0], [0, -1]]);
    const other = viewStatistics(clip, images, text, [[0, -1]]);
    await expectTensorsClose(two.cosine, tf.div(tf.add(one.cosine, other.cosine), 2));
    expect(() => viewStatistics(clip, images, text, [])).toThrow('shifts ([]) must hold at least one (dy, dx) view');
    clip.dispose();
  });
});
