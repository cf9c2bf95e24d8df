// The priors on a toy problem: image embedding = normalise(M · text embedding) for a fixed random
// M. Both learn it (loss falls, cosine rises); the diffusion prior samples the right shape with
// guidance; nothing leaks; bad input is one line.
import * as tf from '@tensorflow/tfjs-core';
import { Adam, Generator } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { l2Normalize } from '../model/clip-model';
import { createPrior, DiffusionPrior, type EmbeddingPrior } from './prior';

const D = 8;

/** `count` toy pairs (text, image = normalise(M·text)). */
function toyPairs(count: number, seed: number): { text: tf.Tensor2D; image: tf.Tensor2D } {
  const generator = new Generator(seed);
  return tf.tidy(() => {
    const map = new Generator(99).normal([D, D]);
    const text = l2Normalize(generator.normal([count, D])) as tf.Tensor2D;
    return { text, image: l2Normalize(tf.matMul(text, map)) as tf.Tensor2D };
  });
}

async function fit(prior: EmbeddingPrior, steps: number): Promise<number[]> {
  const optimizer = new Adam({ learningRate: 1e-2 });
  const params = Object.fromEntries(prior.namedParameters());
  const nameOf = new Map(prior.namedParameters().map(([name, variable]) => [variable.name, name]));
  const lossesSeen: number[] = [];
  for (let step = 0; step < steps; step++) {
    const { text, image } = toyPairs(128, step);
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(prior.loss(text, image, new Generator(1000 + step), 0.1), Object.values(params));
      optimizer.step(params, Object.fromEntries(Object.entries(grads).map(([engine, grad]) => [nameOf.get(engine)!, grad])));
      return value;
    });
    lossesSeen.push((await loss.data())[0]);
    tf.dispose([loss, text, image]);
  }
  optimizer.dispose();
  return lossesSeen;
}

async function meanCosine(prior: EmbeddingPrior): Promise<number> {
  const { text, image } = toyPairs(128, 7777);
  const predicted = prior.predict(text, { generator: new Generator(3), numInferenceSteps: 10 });
  const cosine = tf.tidy(() => tf.mean(tf.sum(tf.mul(predicted, image), -1)));
  const value = (await cosine.data())[0];
  tf.dispose([text, image, predicted, cosine]);
  return value;
}

describeWithBackends(
  'unCLIP priors',
  () => {
    for (const kind of ['regression', 'diffusion'] as const) {
      it(`${kind}: learns a toy linear map (loss falls, cosine rises), leaking nothing`, async () => {
        const prior = createPrior({ kind, embedDim: D, hidden: 64, layers: 2, numTrainTimesteps: 100 }, new Generator(1));
        const before = tf.memory().numTensors;
        const cosineBefore = await meanCosine(prior);
        const losses = await fit(prior, kind === 'regression' ? 40 : 80);
        const cosineAfter = await meanCosine(prior);
        const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
        expect(mean(losses.slice(-10))).toBeLessThan(0.5 * mean(losses.slice(0, 10)));
        expect(cosineAfter).toBeGreaterThan(cosineBefore + 0.2);
        expect(cosineAfter).toBeGreaterThan(0.7);
        expect(tf.memory().numTensors).toBe(before);
        prior.dispose();
      }, 60_000);
    }

    it('diffusion prior: [B, D] unit-norm samples, guidance changes them, deterministic per generator, no leaks', async () => {
      const prior = new DiffusionPrior({ kind: 'diffusion', embedDim: D, hidden: 16, layers: 1, numTrainTimesteps: 50, timeEmbeddingDim: 8 }, new Generator(2));
      const { text, image } = toyPairs(5, 1);
      const before = tf.memory().numTensors;
      const a = prior.predict(text, { generator: new Generator(4), numInferenceSteps: 5 });
      const b = prior.predict(text, { generator: new Generator(4), numInferenceSteps: 5 });
      const guided = prior.predict(text, { generator: new Generator(4), numInferenceSteps: 5, guidanceScale: 3 });
      expect(a.shape).toEqual([5, D]);
      const norms = tf.tidy(() => tf.norm(a, 'euclidean', 1));
      Array.from(await norms.data()).forEach((norm) => expect(norm).toBeCloseTo(1, 4));
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
      expect(Array.from(await a.data())).not.toEqual(Array.from(await guided.data()));
      tf.dispose([a, b, guided, norms]);
      expect(tf.memory().numTensors).toBe(before);
      expect(() => prior.predict(tf.reshape(image, [5, 2, 4]) as never)).toThrow('text ("shape [5, 2, 4]") must be [batch, 8] CLIP embeddings');
      expect(() => prior.predict(text, { guidanceScale: -1 })).toThrow('guidanceScale (-1) must be a finite number >= 0');
      expect(() => createPrior({ kind: 'transformer' as never, embedDim: D })).toThrow("config.kind (\"transformer\") must be one of 'regression', 'diffusion'");
      tf.dispose([text, image]);
      prior.dispose();
    });

    it('diffusion prior candidates: of k draws per text, the one of highest cosine to the text is kept (the same draws as k = 1 on the repeated texts)', async () => {
      const prior = new DiffusionPrior({ kind: 'diffusion', embedDim: D, hidden: 16, layers: 1, numTrainTimesteps: 50, timeEmbeddingDim: 8 }, new Generator(2));
      const { text, image } = toyPairs(4, 3);
      const k = 3;
      const before = tf.memory().numTensors;
      const best = prior.predict(text, { generator: new Generator(7), numInferenceSteps: 4, candidates: k });
      // Row i·k + j is candidate j of text i: draw them all with the same generator.
      const repeated = tf.tidy(() => tf.reshape(tf.tile(tf.expandDims(text, 1), [1, k, 1]), [4 * k, D]) as tf.Tensor2D);
      const all = prior.predict(repeated, { generator: new Generator(7), numInferenceSteps: 4 });
      const [bestRows, allRows, texts] = [(await best.array()) as number[][], (await all.array()) as number[][], (await text.array()) as number[][]];
      const dot = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + v * b[i], 0);
      expect(best.shape).toEqual([4, D]);
      texts.forEach((t, i) => {
        const cosines = allRows.slice(i * k, (i + 1) * k).map((row) => dot(row, t));
        const chosen = cosines.indexOf(Math.max(...cosines));
        expect(bestRows[i]).toEqual(allRows[i * k + chosen]);
      });
      tf.dispose([best, repeated, all]);
      expect(tf.memory().numTensors).toBe(before);
      expect(() => prior.predict(text, { candidates: 0 })).toThrow('candidates (0) must be a positive integer');
      tf.dispose([text, image]);
      prior.dispose();
    });
  },
  { only: ['cpu'] },
);
