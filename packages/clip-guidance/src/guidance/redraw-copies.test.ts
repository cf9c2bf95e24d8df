// redrawCopies on hand-made images whose distances are known in closed form: which rows are drawn
// again, how often, what happens when copies persist, memory and one-line errors.
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { redrawCopies, rmsDistances } from './redraw-copies';

// Image filled with value v (reference 0): its RMS distance to the reference is exactly |v|.
const filled = (values: number[]) => tf.tidy(() => tf.mul(tf.ones([values.length, 2, 2, 1]), tf.reshape(tf.tensor1d(values), [values.length, 1, 1, 1])) as tf.Tensor4D);

describeWithBackends(
  'redrawCopies',
  () => {
    it('rmsDistances: the RMS pixel distance of each row, [H, W, C] or [1, H, W, C] reference', async () => {
      const images = filled([0.5, 0.25]);
      const reference = tf.fill([2, 2, 1], 0.25);
      expect(await rmsDistances(images, reference)).toEqual([0.25, 0].map((v) => expect.closeTo(v, 6)));
      const batched = tf.expandDims(reference, 0);
      expect(await rmsDistances(images, batched)).toEqual([0.25, 0].map((v) => expect.closeTo(v, 6)));
      tf.dispose([images, reference, batched]);
    });

    it('draws again exactly the rows closer than redrawBelow, from fresh generators, keeping the others in place', async () => {
      const reference = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      const calls: Array<{ count: number; key: string }> = [];
      // Round 0 gives rows that are still copies (0.05), round 1 gives far rows (0.9).
      const draws = [[0.05, 0.05], [0.9, 0.9]];
      const result = await redrawCopies({
        reference,
        images: filled([0.02, 0.5, 0.01, 0.3]),
        redrawBelow: 0.1,
        generator: new Generator(7),
        draw: async (count, generator) => {
          calls.push({ count, key: generator.getState().path.join('/') });
          return filled(draws[calls.length - 1].slice(0, count));
        },
      });
      expect(calls).toEqual([{ count: 2, key: 'redraw/0' }, { count: 2, key: 'redraw/1' }]);
      expect(result.redrawn).toBe(4);
      expect(result.copiesLeft).toBe(0);
      expect(result.distances).toEqual([0.9, 0.5, 0.9, 0.3].map((v) => expect.closeTo(v, 6)));
      expect(await rmsDistances(result.images, reference)).toEqual(result.distances.map((v) => expect.closeTo(v, 6)));
      result.images.dispose();
      expect(tf.memory().numTensors).toBe(before);
      reference.dispose();
    });

    it('stops after maxRedraws and reports the copies left; redrawBelow 0 never draws', async () => {
      const reference = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
      let draws = 0;
      const stubborn = await redrawCopies({ reference, images: filled([0.01, 0.5]), redrawBelow: 0.1, maxRedraws: 3, generator: new Generator(1), draw: async (count) => (draws++, filled(Array(count).fill(0.02))) });
      expect(draws).toBe(3);
      expect(stubborn).toMatchObject({ redrawn: 3, copiesLeft: 1 });
      stubborn.images.dispose();
      const off = await redrawCopies({ reference, images: filled([0, 0]), redrawBelow: 0, generator: new Generator(1), draw: async () => { throw new Error('must not draw'); } });
      expect(off).toMatchObject({ redrawn: 0, copiesLeft: 0 });
      off.images.dispose();
      reference.dispose();
    });

    it('one-line errors name the argument; the first draw is disposed on error', async () => {
      const reference = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      await expect(redrawCopies({ reference, images: filled([0]), redrawBelow: -1, generator: new Generator(0), draw: async (c) => filled(Array(c).fill(1)) })).rejects.toThrow(/redrawBelow.*>= 0/);
      await expect(redrawCopies({ reference, images: filled([0]), redrawBelow: 0.1, maxRedraws: 1.5, generator: new Generator(0), draw: async (c) => filled(Array(c).fill(1)) })).rejects.toThrow(/maxRedraws/);
      await expect(redrawCopies({ reference, images: filled([0]), redrawBelow: 0.1, generator: new Generator(0), draw: async () => filled([1, 1]) })).rejects.toThrow(/draw.*must return \[1, 2, 2, 1\]/);
      expect(tf.memory().numTensors).toBe(before);
      reference.dispose();
    });
  },
);
