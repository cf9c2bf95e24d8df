// Latent diffusion over a real (tiny) AutoencoderKL with worker threads: trainDiffusion with
// @gen/vae/node's latentEncoderRecipe (each thread loads the autoencoder from its folder) agrees
// with single-thread training, and the recipe's encodeRows gives the rows of encode.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as core from '@gen/core';
import * as coreNode from '@gen/core/node';
import { TINY_UNET_CONFIG, trainDiffusion, type TrainDiffusionResult } from '@gen/diffusion';
import '@gen/diffusion/node';
import { AutoencoderKL } from '@gen/vae';
import { createLatentEncoder, latentEncoderRecipe } from '@gen/vae/node';

let dir: string;
const aeDir = () => join(dir, 'ae', 'step-00000001');

beforeAll(async () => {
  await coreNode.loadNodeBackends({ only: ['wasm'] });
  await core.initBackend({ prefer: 'wasm' });
  dir = mkdtempSync(join(tmpdir(), 'gen-latent-parallel-'));
  // 8×8×1 images → 4×4×2 latents (untrained weights: the plumbing does not depend on them).
  const autoencoder = new AutoencoderKL({ height: 8, width: 8, blockChannels: [4, 4], normGroups: 2, latentChannels: 2, generator: new core.Generator(7) });
  await core.saveCheckpoint(coreNode.fileCheckpoint(aeDir()), {
    config: { family: 'vae', model: autoencoder.config as unknown as core.JsonValue },
    tensors: Object.fromEntries(Object.entries(autoencoder.stateDict()).map(([name, t]) => [`model/${name}`, t])),
  });
  autoencoder.dispose();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function dataset(size: number): core.ImageDataset {
  const images = Float32Array.from({ length: size * 64 }, (_, i) => ((i * 7 + Math.floor(i / 64) * 3) % 11) / 10);
  return { name: 'stripes', images, labels: new Int32Array(size), size, height: 8, width: 8, channels: 1, classNames: ['x'], skipped: 0 };
}

async function weights(result: TrainDiffusionResult): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [name, tensor] of Object.entries(result.model.stateDict())) out[name] = (await tensor.data()) as Float32Array;
  return out;
}

describe('latent diffusion with workers over an AutoencoderKL folder (latentEncoderRecipe)', () => {
  it('encodeRows gives rows [start, end) of encode, from the same draw', async () => {
    const encoder = await createLatentEncoder({ autoencoder: aeDir(), scalingFactor: 0.7 });
    try {
      const images = tf.tidy(() => tf.sub(tf.mul(tf.tensor4d(dataset(6).images, [6, 8, 8, 1]), 2), 1) as tf.Tensor4D);
      const whole = encoder.encode(images, new core.Generator(3).fork('x'));
      const part = tf.slice(images, [2, 0, 0, 0], [3, -1, -1, -1]) as tf.Tensor4D;
      const rows = encoder.encodeRows(part, new core.Generator(3).fork('x'), { start: 2, end: 5, batchSize: 6 });
      expect(whole.shape).toEqual([6, 4, 4, 2]);
      const expected = tf.slice(whole, [2, 0, 0, 0], [3, -1, -1, -1]);
      const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(rows, expected))).dataSync()[0]);
      expect(difference).toBeLessThan(1e-5);
      tf.dispose([images, whole, part, rows, expected]);
    } finally {
      encoder.dispose();
    }
  });

  it('2 workers agree with 1 thread within 1e-5 relative (4 steps, EMA and clipping on)', async () => {
    const before = tf.memory().numTensors;
    const run = (workers: number) =>
      trainDiffusion({
        config: { ...TINY_UNET_CONFIG, height: 4, width: 4, inChannels: 2, outChannels: 2 },
        dataset: dataset(32),
        steps: 4,
        batchSize: 16,
        lr: 2e-3,
        warmupSteps: 2,
        seed: 4,
        workers,
        encodeImages: latentEncoderRecipe({ autoencoder: aeDir(), scalingFactor: 0.8 }),
      });
    const single = await run(1);
    const parallel = await run(2);
    try {
      expect(parallel.workers).toBe(2);
      const a = await weights(parallel);
      const b = await weights(single);
      let worst = 0;
      for (const name of Object.keys(b)) {
        if (/attention\.key\.bias$/.test(name)) continue; // zero gradient: rounding noise (train-diffusion.parallel.test.ts)
        const d = Math.hypot(...a[name].map((x, i) => x - b[name][i]));
        const n = Math.hypot(...b[name]);
        worst = Math.max(worst, n > 0 ? d / n : d);
      }
      console.log(`AutoencoderKL latents, workers 2 vs 1, 4 steps: worst per-tensor relative difference ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-5);
    } finally {
      single.dispose();
      parallel.dispose();
    }
    // Both runs' autoencoders (this thread's and replica 0's) are freed.
    expect(tf.memory().numTensors).toBe(before);
  }, 600_000);
});
