// Fixture for `node scripts/webgl-suite.mjs --selftest`: checks the in-page jest harness.
// A test whose name contains "fails:" must fail; every other test that runs must pass;
// a test whose name contains "must not run" must not run at all.
import * as tf from '@tensorflow/tfjs-core';
import { describe as describeFromGlobals, expect as expectFromGlobals } from '@jest/globals';
import { describeWithBackends, expectTensorsClose, backendTolerance } from '@gen/core/testing';

const log: string[] = [];

describe('a plain Node describe', () => {
  it('must not run in the browser', () => {
    throw new Error('ran a Node-only test on webgl');
  });
});

describeWithBackends('skipped on webgl', () => {
  it('must not run (skip: webgl)', () => {
    throw new Error('skip option ignored');
  });
}, { skip: ['webgl'] });

describeWithBackends('cpu only', () => {
  it('must not run (only: cpu)', () => {
    throw new Error('only option ignored');
  });
}, { only: ['cpu'] });

describeWithBackends('harness basics', ({ backend }) => {
  beforeAll(() => {
    log.push('beforeAll');
  });
  beforeEach(() => {
    log.push('beforeEach');
  });
  afterEach(() => {
    log.push('afterEach');
  });

  it('runs on webgl with webgl tolerances', async () => {
    expect(backend).toBe('webgl');
    expect(tf.getBackend()).toBe('webgl');
    expect(backendTolerance()).toBe(1e-3);
    await expectTensorsClose(tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])), [3, 3, 3, 3]);
  });

  it('fails: a failing assertion fails the test', () => {
    expect(1 + 1).toBe(3);
  });

  it('fails: expectTensorsClose beyond tolerance', async () => {
    await expectTensorsClose(tf.tensor1d([1, 2, 3]), [1, 2, 3.1]);
  });

  it('fails: a rejected promise fails the test', async () => {
    await Promise.reject(new Error('async failure'));
  });

  it('fails: a test past its timeout fails', () => new Promise(() => {}), 300);

  it('fails: expect.assertions is enforced', () => {
    expect.assertions(2);
    expect([1, 2]).toHaveLength(2); // one assertion of the two declared: the harness must fail this test
  });

  it('runs afterEach after a failing test (hook order)', () => {
    // beforeAll, then for each of the 6 tests above and this one: beforeEach (+ afterEach)
    expect(log[0]).toBe('beforeAll');
    expect(log.filter((e) => e === 'afterEach')).toHaveLength(6);
    expect(log.filter((e) => e === 'beforeEach')).toHaveLength(7);
  });

  it('supports the matchers the repo uses', async () => {
    expect({ a: [1, { b: 2 }] }).toEqual({ a: [1, { b: 2 }] });
    expect({ a: 1 }).toStrictEqual({ a: 1 });
    expect(0.1 + 0.2).toBeCloseTo(0.3, 10);
    expect([1, 2, 3]).toContain(2);
    expect('one line').toMatch(/^one/);
    expect(() => {
      throw new Error('backend ("x") is bad');
    }).toThrow(/^backend \("x"\)/);
    expect(() => {
      throw new Error('exact message');
    }).toThrow('exact message');
    await expect(Promise.reject(new Error('nope'))).rejects.toThrow('nope');
    await expect(Promise.resolve(5)).resolves.toBe(5);
    expect(NaN).toBeNaN();
    expect(undefined).toBeUndefined();
    expect(new Float32Array(2)).toBeInstanceOf(Float32Array);
    expect({ a: 1, b: 2 }).toMatchObject({ a: 1 });
    expect(3).not.toBeGreaterThan(4);
    expect(3).toBeLessThanOrEqual(3);
    const spy = jest.fn((x: number) => x * 2);
    expect(spy(2)).toBe(4);
    expect(spy).toHaveBeenCalledWith(2);
    expectFromGlobals(typeof describeFromGlobals).toBe('function');
  });

  it.each([
    [1, 2, 3],
    [2, 3, 5],
  ])('each: %i + %i = %i', async (a, b, sum) => {
    const [v] = await tf.add(tf.scalar(a), tf.scalar(b)).data();
    expect(v).toBe(sum);
  });

  it.skip('must not run (it.skip)', () => {
    throw new Error('it.skip ignored');
  });

  describe('nested describe inside a backend suite', () => {
    it('runs, with the outer hooks', () => {
      expect(log.filter((e) => e === 'beforeAll')).toHaveLength(1);
    });
  });

  let countBefore = -1;
  it('creates a tensor and forgets it', () => {
    countBefore = tf.memory().numTensors;
    tf.ones([4]);
    expect(tf.memory().numTensors).toBe(countBefore + 1);
  });
  it('finds the forgotten tensor freed by the engine scope of describeWithBackends', () => {
    expect(tf.memory().numTensors).toBe(countBefore);
  });
});

describeWithBackends('failing beforeAll', () => {
  beforeAll(() => {
    throw new Error('setup failed');
  });
  it('fails: first test of a block whose beforeAll threw', () => {});
  it('fails: second test of a block whose beforeAll threw', () => {});
});
