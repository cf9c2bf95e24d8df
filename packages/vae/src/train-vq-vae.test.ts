import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { evaluateVqVae, loadVaeModel, loadVqVae, trainVqVae, VQVAE } from '@gen/vae';
import { memoryHandler, tinyDataset } from './__fixtures__/tiny-dataset';

const TINY = { height: 8, width: 8, blockChannels: [4, 8], normGroups: 4, codebookSize: 16, codeDim: 4, deadCodeSteps: 5 };

async function stateBytes(model: VQVAE): Promise<number[]> {
  const out: number[] = [];
  for (const tensor of Object.values(model.stateDict())) {
    const data = (await tensor.data()) as Float32Array;
    out.push(...new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return out;
}

describeWithBackends(
  'trainVqVae',
  ({ backend }) => {
    const dataset = tinyDataset();

    it('lowers the reconstruction loss over 40 steps, reports perplexity and restarts, and leaks no tensors', async () => {
      const before = tf.memory().numTensors;
      const windows: Record<string, number>[] = [];
      const run = await trainVqVae({ config: TINY, dataset, steps: 40, batchSize: 8, lr: 3e-3, logEvery: 10, onProgress: ({ losses }) => void windows.push(losses) });
      expect(run.summary.stoppedBy).toBe('done');
      expect(windows.length).toBe(4);
      expect(Object.keys(windows[0]).sort()).toEqual(['commitment', 'loss', 'perplexity', 'reconstruction', 'restartedCodes', 'usedCodes']);
      expect(windows[3].reconstruction).toBeLessThan(0.7 * windows[0].reconstruction);
      for (const w of windows) {
        expect(w.perplexity).toBeGreaterThanOrEqual(1 - 1e-4);
        expect(w.perplexity).toBeLessThanOrEqual(Math.min(16, w.usedCodes) + 1e-3);
      }
      // With 5-step restarts, codes the initial encoder never picks are moved to the data.
      expect(windows.reduce((sum, w) => sum + w.restartedCodes, 0)).toBeGreaterThan(0);
      const all = tf.tensor4d(dataset.images, [32, 8, 8, 1]);
      const evaluation = await evaluateVqVae({ model: run.model, images: all, batchSize: 10 });
      all.dispose();
      expect(evaluation).toMatchObject({ count: 32, codebookSize: 16 });
      expect(evaluation.perplexity).toBeLessThanOrEqual(evaluation.usedCodes + 1e-3);
      expect(evaluation.mse).toBeLessThan(windows[0].reconstruction);
      run.model.dispose();
      run.optimizer.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('resumes bit-identically (EMA statistics and restart counters included) and loads through loadVqVae', async () => {
      const options = { dataset, batchSize: 8, seed: 3 };
      const straight = await trainVqVae({ ...options, config: TINY, steps: 6 });
      const handler = memoryHandler();
      const first = await trainVqVae({ ...options, config: TINY, steps: 3, checkpointHandler: handler, checkpointEvery: 2 });
      const resumed = await trainVqVae({ ...options, model: new VQVAE({ ...TINY, generator: new Generator(77) }), steps: 6, checkpointHandler: handler, resume: true });
      expect(resumed.summary).toMatchObject({ steps: 6, stoppedBy: 'done' });
      if (backend === 'cpu') expect(await stateBytes(resumed.model)).toEqual(await stateBytes(straight.model));
      const { model: loaded, config } = await loadVqVae({ source: handler });
      expect(config).toMatchObject({ family: 'vae', model: { kind: 'vq-vae', codebookSize: 16 } });
      const x = tf.tensor4d(dataset.images.slice(0, 4 * 64), [4, 8, 8, 1]);
      const [a, b] = [resumed.model.encodeToTokens(x), loaded.encodeToTokens(x)];
      expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
      await expect(loadVaeModel({ source: handler })).rejects.toThrow('loadVaeModel: the checkpoint holds a VQ-VAE: load it with loadVqVae');
      tf.dispose([x, a, b]);
      for (const run of [straight, first, resumed]) {
        run.model.dispose();
        run.optimizer.dispose();
      }
      loaded.dispose();
    });

    it('rejects bad options with one line', async () => {
      await expect(trainVqVae({ config: { ...TINY, height: 16, width: 16 }, dataset, steps: 1 })).rejects.toThrow('dataset ("8×8×1 images") must hold 16×16×1 images like the model');
      await expect(trainVqVae({ config: { ...TINY, decay: 0 }, dataset, steps: 1 })).rejects.toThrow('VQVAE decay (0) must lie in (0, 1)');
      await expect(trainVqVae({ config: TINY, dataset, steps: 0 })).rejects.toThrow('steps (0) must be a positive integer');
    });
  },
  { skip: ['webgl'] },
);
