import * as tf from '@tensorflow/tfjs-core';
import { EMA, InvalidArgumentError } from '@gen/core';
import { backendTolerance, describeWithBackends, expectTensorsClose } from '@gen/core/testing';

function expectInvalidArgument(fn: () => unknown, message: string): void {
  let error: unknown;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  expect(InvalidArgumentError.isInstance(error)).toBe(true);
  expect((error as Error).message).toBe(message);
}

const valuesAt = (step: number) => [Math.sin(step + 1), Math.cos(2 * step), 0.1 * step];

describeWithBackends('EMA', ({ backend }) => {
  const atol = backendTolerance(backend);

  it('constant decay: sₙ = dⁿ s₀ + (1 − d) Σₖ d^(n−k) θₖ', async () => {
    const w = tf.variable(tf.tensor1d(valuesAt(0)));
    const d = 0.8;
    const ema = new EMA({ w }, { decay: d });
    const n = 7;
    for (let k = 1; k <= n; k++) {
      w.assign(tf.tensor1d(valuesAt(k)));
      ema.update({ w });
    }
    const expected = valuesAt(0).map((s0, i) => {
      let sum = d ** n * s0;
      for (let k = 1; k <= n; k++) sum += (1 - d) * d ** (n - k) * valuesAt(k)[i];
      return sum;
    });
    await expectTensorsClose(ema.averages().w, expected, { atol });
    expect(ema.stepCount).toBe(n);
    ema.dispose();
  });

  it('warm-up copies first, then follows the diffusers EMAModel decay', async () => {
    const w = tf.variable(tf.tensor1d([0, 0, 0]));
    const ema = new EMA({ w }, { decay: 0.999, warmup: 'power', power: 0.75, updateAfterStep: 2 });
    expect([1, 2, 3].map((u) => ema.decayAt(u))).toEqual([0, 0, 0]);
    expect(ema.decayAt(4)).toBeCloseTo(1 - 2 ** -0.75, 15);
    expect(ema.decayAt(10_000_000)).toBe(0.999);
    const ratio = new EMA({ w }, { decay: 0.5, warmup: 'ratio', minDecay: 0.2 });
    expect([1, 2, 3, 100].map((u) => ratio.decayAt(u))).toEqual([0, Math.max(0.2, 2 / 11), 0.25, 0.5]); // the copy step ignores minDecay, as diffusers
    ratio.dispose();

    w.assign(tf.tensor1d(valuesAt(1)));
    ema.update({ w }); // decay 0: a copy
    await expectTensorsClose(ema.averages().w, valuesAt(1), { atol });
    ema.dispose();
  });

  it('swap exchanges model and averages, twice restores; copyTo writes the averages', async () => {
    const w = tf.variable(tf.tensor1d([1, 2, 3]));
    const ema = new EMA({ w }, { decay: 0.5 });
    w.assign(tf.tensor1d([3, 4, 5]));
    ema.update({ w }); // shadow = (2, 3, 4)
    ema.swap({ w });
    await expectTensorsClose(w, [2, 3, 4], { atol });
    await expectTensorsClose(ema.averages().w, [3, 4, 5], { atol });
    ema.swap({ w });
    await expectTensorsClose(w, [3, 4, 5], { atol });
    ema.copyTo({ w });
    await expectTensorsClose(w, [2, 3, 4], { atol });
    ema.update({ w }); // the shadow does not alias the variable
    await expectTensorsClose(w, [2, 3, 4], { atol });
    ema.dispose();
  });

  it('state round trip continues bit-identically', async () => {
    const w = tf.variable(tf.tensor1d(valuesAt(0)));
    const options = { decay: 0.99, warmup: 'power' as const };
    const first = new EMA({ w }, options);
    for (let k = 1; k <= 3; k++) {
      w.assign(tf.tensor1d(valuesAt(k)));
      first.update({ w });
    }
    const resumed = new EMA({ w }, options);
    resumed.loadStateDict(first.stateDict());
    for (let k = 4; k <= 6; k++) {
      w.assign(tf.tensor1d(valuesAt(k)));
      first.update({ w });
      resumed.update({ w });
    }
    expect(resumed.stepCount).toBe(6);
    expect(Array.from(await resumed.averages().w.data())).toEqual(Array.from(await first.averages().w.data()));
    expectInvalidArgument(
      () => resumed.loadStateDict({ step: tf.scalar(1, 'int32') }),
      `state['shadow/w'] (undefined) is required: the EMA tracks this parameter`,
    );
    first.dispose();
    resumed.dispose();
  });

  it('leaks no tensors over 50 updates and swaps', () => {
    const params = { a: tf.variable(tf.ones([2, 2])), b: tf.variable(tf.zeros([3])) };
    const ema = new EMA(params, { decay: 0.9, warmup: 'ratio' });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) {
      ema.update(params);
      ema.swap(params);
    }
    ema.stateDict();
    expect(tf.memory().numTensors).toBe(before + 1);
    ema.dispose();
    expect(tf.memory().numTensors).toBe(before - 2);
  });

  it('rejects parameters that do not match the tracked ones', () => {
    const w = tf.variable(tf.zeros([2]));
    const ema = new EMA({ w });
    expectInvalidArgument(() => ema.update({}), `params['w'] (undefined) is required: the EMA was created with this parameter`);
    expectInvalidArgument(() => ema.update({ w, x: w }), `params['x'] (Tensor<float32>[2]) is not tracked by this EMA (it holds ["w"])`);
    expectInvalidArgument(() => ema.update({ w: tf.zeros([3]) }), `params['w'] (Tensor<float32>[3]) must have shape [2] as at construction`);
    ema.dispose();
  });
});

describe('EMA options', () => {
  it.each([
    [{ decay: 1.5 }, 'decay (1.5) must be a number in [0, 1]'],
    [{ decay: 0.9, minDecay: 0.95 }, 'minDecay (0.95) must be a number in [0, decay (0.9)]'],
    [{ updateAfterStep: -1 }, 'updateAfterStep (-1) must be an integer >= 0'],
    [{ warmup: 'linear' as never }, `warmup ("linear") must be 'none', 'power' or 'ratio'`],
    [{ invGamma: 0 }, 'invGamma (0) must be a finite number > 0'],
  ])('%#: rejects bad options with a one-line message', (options, message) => {
    expectInvalidArgument(() => new EMA({}, options), message);
  });
});
