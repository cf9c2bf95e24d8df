import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { trainVae, VAE, type TrainableVae } from '@gen/vae';
import { memoryHandler, tinyDataset } from './__fixtures__/tiny-dataset';

const TINY = { kind: 'vae' as const, height: 8, width: 8, widths: [4, 8], hiddenDim: 16, latentDim: 2 };

async function weightBytes(model: TrainableVae): Promise<number[]> {
  const out: number[] = [];
  for (const tensor of Object.values(model.stateDict())) {
    const data = (await tensor.data()) as Float32Array;
    out.push(...new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return out;
}

describeWithBackends(
  'trainVae',
  ({ backend }) => {
    const dataset = tinyDataset();

    it('resumes bit-identically from a checkpoint (β warm-up, dynamic binarization)', async () => {
      const options = { dataset, batchSize: 8, beta: { kind: 'linear' as const, warmupSteps: 4 }, seed: 3 };
      const straight = await trainVae({ ...options, config: TINY, steps: 6 });
      const handler = memoryHandler();
      const first = await trainVae({ ...options, config: TINY, steps: 3, checkpointHandler: handler, checkpointEvery: 2 });
      expect(first.summary).toMatchObject({ steps: 3, stoppedBy: 'done' });
      const resumed = await trainVae({ ...options, model: new VAE({ ...TINY, generator: new Generator(77) }), steps: 6, checkpointHandler: handler, resume: true });
      expect(resumed.summary).toMatchObject({ steps: 6, stoppedBy: 'done' });
      if (backend === 'cpu') expect(await weightBytes(resumed.model)).toEqual(await weightBytes(straight.model));
      else {
        const [a, b] = [await weightBytes(resumed.model), await weightBytes(straight.model)];
        expect(a.length).toBe(b.length);
      }
      for (const run of [straight, first, resumed]) {
        run.model.dispose();
        run.optimizer.dispose();
      }
    });

    it('leaks no tensors over 50 steps and lowers the loss (ELBO and IWAE, conditional too)', async () => {
      const before = tf.memory().numTensors;
      const losses: number[] = [];
      const run = await trainVae({
        config: TINY,
        dataset,
        steps: 50,
        batchSize: 8,
        lr: 3e-3,
        logEvery: 10,
        onProgress: ({ losses: window }) => {
          losses.push(window.negativeElbo);
        },
      });
      expect(run.summary.stoppedBy).toBe('done');
      expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
      run.model.dispose();
      run.optimizer.dispose();
      expect(tf.memory().numTensors).toBe(before);

      const iwae = await trainVae({ config: { ...TINY, kind: 'conditional-vae', numClasses: 2 }, dataset, objective: 'iwae', k: 3, steps: 4, batchSize: 8, logEvery: 2 });
      expect(iwae.summary.stoppedBy).toBe('done');
      iwae.model.dispose();
      iwae.optimizer.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('rejects bad options with one line', async () => {
      await expect(trainVae({ config: TINY, dataset, steps: 1, objective: 'iwae', k: 0 })).rejects.toThrow(
        'k (0) must be an integer ≥ 1 (importance samples per image)',
      );
      await expect(trainVae({ config: TINY, dataset, steps: 1, k: 4 })).rejects.toThrow(
        "k (4) must be 1 for objective 'elbo' (use objective 'iwae' for k > 1)",
      );
      await expect(trainVae({ config: { ...TINY, height: 16, width: 16 }, dataset, steps: 1 })).rejects.toThrow(
        'dataset ("8×8×1 images") must hold 16×16×1 images like the model',
      );
      const bad = { ...dataset, images: new Float32Array(dataset.images.length).fill(3) };
      await expect(trainVae({ config: TINY, dataset: bad, steps: 1 })).rejects.toThrow(
        'dataset.images ("values in [3, 3]") must lie in [0, 1] for a bernoulli decoder',
      );
    });
  },
  { skip: ['webgl'] },
);
