import * as tf from '@tensorflow/tfjs-core';
import { Generator, type EMA } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { tinyConfig } from './__fixtures__/tiny';
import { createGenerator, loadGan, saveGan } from './checkpoint';
import { standingStatistics, withStandingStatistics } from './standing-statistics';
import { sampleLatents } from './truncation';
import type { GanGenerator } from './types';

const buffers = async (g: GanGenerator) => Object.fromEntries(await Promise.all(g.namedBuffers().map(async ([n, v]) => [n, Array.from(await v.data())] as const)));

/** Eval-mode output vs training-mode (batch statistics) output on the same 256 latents. */
function evalTrainGap(g: GanGenerator): number {
  return tf.tidy(() => {
    const z = sampleLatents({ n: 256, latentDim: g.latentDim, rng: new Generator(9) });
    const labels = tf.tensor1d(Int32Array.from({ length: 256 }, (_, i) => i % g.numClasses), 'int32');
    g.eval();
    const evaluated = g.forward(z, labels);
    g.train();
    const batchStats = g.forward(z, labels);
    return tf.max(tf.abs(tf.sub(tf.mean(evaluated, 0), tf.mean(batchStats, 0)))).dataSync()[0];
  });
}

describeWithBackends('@gen/gan standing statistics', () => {
  it('make eval-mode outputs match batch-statistics outputs after the weights change', async () => {
    const g = createGenerator(tinyConfig('conditional', 3).generator, new Generator(1));
    const restore = await buffers(g);
    // Weights change (as when EMA weights are swapped in): the old running statistics no longer fit.
    for (const [, v] of g.namedParameters()) v.assign(tf.tidy(() => tf.add(tf.mul(v, 3), 0.5)));
    const stale = evalTrainGap(g);
    expect(standingStatistics({ generator: g, batches: 8, batchSize: 64 })).toBeGreaterThan(0);
    const fresh = evalTrainGap(g);
    expect(fresh).toBeLessThan(stale / 4);
    expect(await buffers(g)).not.toEqual(restore);
    g.dispose();
  });

  it('withStandingStatistics puts every buffer back and leaks nothing', async () => {
    const g = createGenerator(tinyConfig('conditional', 3).generator, new Generator(1));
    const before = await buffers(g);
    const start = tf.memory().numTensors;
    const small = { batches: 2, batchSize: 16 };
    const inside = withStandingStatistics(g, () => g.namedBuffers()[0][1].dataSync()[0], small);
    expect(inside).not.toBe(before[g.namedBuffers()[0][0]][0]);
    await withStandingStatistics(g, async () => null, small);
    expect(tf.memory().numTensors).toBe(start);
    expect(await buffers(g)).toEqual(before);
    g.dispose();
  });

  it('a checkpoint saved with an EMA loads with statistics of the averaged weights', async () => {
    const g = createGenerator(tinyConfig('conditional', 3).generator, new Generator(1));
    const params = g.namedParameters().filter(([, v]) => v.trainable);
    const averages = Object.fromEntries(params.map(([n, v]) => [n, tf.keep(tf.tidy(() => tf.add(tf.mul(v, 2), 0.1)))]));
    let swaps = 0;
    const ema = {
      averages: () => averages,
      swap: (vars: Record<string, tf.Variable>) => {
        swaps++;
        for (const [n, v] of Object.entries(vars)) {
          const current = tf.keep(tf.clone(v));
          v.assign(averages[n]);
          averages[n].dispose();
          averages[n] = current;
        }
      },
    } as unknown as EMA;
    const saved: { weights?: ArrayBuffer; specs?: tf.io.WeightsManifestEntry[]; meta?: unknown } = {};
    const handler: tf.io.IOHandler = {
      save: async (artifacts) => {
        Object.assign(saved, { weights: artifacts.weightData as ArrayBuffer, specs: artifacts.weightSpecs, meta: artifacts });
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
      load: async () => saved.meta as tf.io.ModelArtifacts,
    };
    const rawBuffers = await buffers(g);
    await saveGan(handler, { generator: g, ema });
    expect(swaps).toBe(2);
    expect(await buffers(g)).toEqual(rawBuffers); // the model is unchanged
    const loaded = await loadGan(handler);
    // Same as measuring standing statistics on a generator holding the averaged weights.
    const reference = createGenerator(g.config, new Generator(1));
    for (const [n, v] of reference.namedParameters()) if (n in averages) v.assign(averages[n]);
    standingStatistics({ generator: reference });
    const expected = await buffers(reference);
    const got = await buffers(loaded.generator);
    for (const name of Object.keys(expected)) {
      expected[name].forEach((value, i) => expect(got[name][i]).toBeCloseTo(value, 4));
    }
    expect(got).not.toEqual(rawBuffers);
    loaded.dispose();
    reference.dispose();
    tf.dispose(Object.values(averages));
    g.dispose();
  });
});
