import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@gen/core/node';
import { TINY_UNET_CONFIG } from '../models/unet';
import { twoPatternDataset } from './__fixtures__/two-patterns';
import { trainDiffusion, type TrainDiffusionOptions, type TrainDiffusionResult } from './train-diffusion';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'gen-diffusion-'));
});
afterAll(async () => {
  await fs.promises.rm(root, { recursive: true, force: true });
});

async function snapshot(result: TrainDiffusionResult): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [name, tensor] of Object.entries(result.model.stateDict())) out[`model/${name}`] = (await tensor.data()) as Float32Array;
  for (const [name, tensor] of Object.entries(result.ema?.stateDict() ?? {})) out[`ema/${name}`] = (await tensor.data()) as Float32Array;
  for (const [name, tensor] of Object.entries(result.optimizer.stateDict())) out[`optimizer/${name}`] = (await tensor.data()) as Float32Array;
  return out;
}

describe('trainDiffusion: exact resume (cpu)', () => {
  it('an aborted and resumed run ends bit-identical to an uninterrupted one', async () => {
    const options = (seed: number): TrainDiffusionOptions => ({
      config: { ...TINY_UNET_CONFIG, height: 4, width: 4, numClasses: 2, selfConditioning: true },
      dataset: { ...twoPatternDataset(12), images: Float32Array.from({ length: 12 * 16 }, (_, i) => (i % 7) / 7), height: 4, width: 4 },
      steps: 8,
      batchSize: 4,
      predictionType: 'v_prediction',
      snrGamma: 5,
      offsetNoise: 0.1,
      conditionDropProb: 0.3,
      lr: 2e-3,
      seed,
      logEvery: 5,
      checkpointEvery: 4,
    });
    const straight = await trainDiffusion({ ...options(1), checkpointDir: path.join(root, 'straight') });
    expect(straight.summary).toMatchObject({ steps: 8, stoppedBy: 'done' });

    const dir = path.join(root, 'interrupted');
    const controller = new AbortController();
    const first = await trainDiffusion({ ...options(1), checkpointDir: dir, signal: controller.signal, onProgress: ({ step }) => (step === 5 ? controller.abort() : undefined) });
    expect(first.summary).toMatchObject({ steps: 5, stoppedBy: 'aborted', lastCheckpoint: { step: 5 } });
    first.dispose();

    // A fresh process: another seed (other initial weights); the checkpoint restores everything.
    const resumed = await trainDiffusion({ ...options(99), checkpointDir: dir, resume: true });
    expect(resumed.summary).toMatchObject({ steps: 8, stoppedBy: 'done' });
    const expected = await snapshot(straight);
    const actual = await snapshot(resumed);
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    for (const name of Object.keys(expected)) expect([name, Array.from(actual[name])]).toEqual([name, Array.from(expected[name])]);
    straight.dispose();
    resumed.dispose();
  });
});
