import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { TINY_UNET_CONFIG, UNet2DModel, type UNet2DConfigInput } from '../models/unet';
import { DDIMScheduler } from '../schedulers/scheduling-ddim';
import { DDPMScheduler } from '../schedulers/scheduling-ddpm';
import { EulerDiscreteScheduler } from '../schedulers/scheduling-euler-discrete';
import { DPMSolverMultistepScheduler } from '../schedulers/scheduling-dpmsolver-multistep';
import { classConditionalPipeline } from './class-conditional';
import { img2imgPipeline } from './img2img';
import { inpaintPipeline } from './inpaint';
import { classifierFreeGuidance } from './pipeline-utils';
import { textToImagePipeline } from './text-to-image';
import { unconditionalPipeline } from './unconditional';

const tiny = (overrides: Partial<UNet2DConfigInput> = {}) => new UNet2DModel({ ...TINY_UNET_CONFIG, ...overrides, generator: new Generator(11) });
const steps = 4;

describeWithBackends('classifierFreeGuidance', () => {
  it('is ε_∅ + w(ε_c − ε_∅): w = 1 gives the conditional prediction, w = 0 the unconditional one', async () => {
    const g = new Generator(1);
    const conditional = g.normal([2, 3, 3, 1]);
    const unconditional = g.normal([2, 3, 3, 1]);
    await expectTensorsClose(classifierFreeGuidance({ conditional, unconditional, guidanceScale: 1 }), conditional);
    await expectTensorsClose(classifierFreeGuidance({ conditional, unconditional, guidanceScale: 0 }), unconditional);
    const expected = tf.add(unconditional, tf.mul(tf.sub(conditional, unconditional), 4));
    await expectTensorsClose(classifierFreeGuidance({ conditional, unconditional, guidanceScale: 4 }), expected, { atol: 1e-4 });
  });

  it('guidanceRescale φ = 1 matches the per-sample std of the conditional prediction; φ mixes linearly', async () => {
    const g = new Generator(2);
    const conditional = g.normal([2, 4, 4, 1]);
    const unconditional = tf.mul(g.normal([2, 4, 4, 1]), 0.3);
    const std = (x: tf.Tensor) => tf.sqrt(tf.moments(x, [1, 2, 3]).variance);
    const full = classifierFreeGuidance({ conditional, unconditional, guidanceScale: 5, guidanceRescale: 1 });
    await expectTensorsClose(std(full), std(conditional), { atol: 1e-3 });
    const guided = classifierFreeGuidance({ conditional, unconditional, guidanceScale: 5 });
    const half = classifierFreeGuidance({ conditional, unconditional, guidanceScale: 5, guidanceRescale: 0.5 });
    await expectTensorsClose(half, tf.mul(tf.add(full, guided), 0.5), { atol: 1e-3 });
    expect(() => classifierFreeGuidance({ conditional, unconditional, guidanceScale: 5, guidanceRescale: 2 })).toThrow(
      'guidanceRescale (2) must be a number in [0, 1]',
    );
  });
});

describeWithBackends('pipelines', () => {
  let model: UNet2DModel;
  beforeAll(() => {
    model = tiny({ numClasses: 2 });
  });
  afterAll(() => model.dispose());
  const ddim = () => new DDIMScheduler();

  it('classConditionalPipeline with guidanceScale 1 equals a hand-written loop of conditional predictions', async () => {
    const scheduler = ddim();
    const { images, interrupted, stepsCompleted } = await classConditionalPipeline({
      model, scheduler, classLabels: [0, 1], guidanceScale: 1, numInferenceSteps: steps, generator: new Generator(3), outputType: 'sample',
    });
    expect({ interrupted, stepsCompleted }).toEqual({ interrupted: false, stepsCompleted: steps });
    // The loop of the pipeline, by hand.
    const manual = new DDIMScheduler();
    manual.setTimesteps(steps);
    let x = new Generator(3).normal([2, 8, 8, 1]);
    for (const t of manual.timesteps) {
      const epsilon = model.forward(x, t, { classLabels: [0, 1] }).sample;
      x = manual.step(epsilon, t, x).prevSample;
    }
    await expectTensorsClose(images, x, { atol: 1e-4 });
  });

  it('guidanceScale 0 is the unconditional (null-class) model', async () => {
    const guided = await classConditionalPipeline({ model, scheduler: ddim(), classLabels: [0, 1], guidanceScale: 0, numInferenceSteps: steps, generator: new Generator(4) });
    const plain = await unconditionalPipeline({ model, scheduler: ddim(), batchSize: 2, numInferenceSteps: steps, generator: new Generator(4) });
    await expectTensorsClose(guided.images, plain.images, { atol: 1e-4 });
  });

  it('img2img with strength 0 returns the input; strength 0.5 runs the last half of the schedule', async () => {
    const image = new Generator(5).uniform([1, 8, 8, 1]);
    const kept = await img2imgPipeline({ model, scheduler: ddim(), image, strength: 0, numInferenceSteps: steps });
    expect(kept.stepsCompleted).toBe(0);
    await expectTensorsClose(kept.images, image, { atol: 1e-6 });
    const partial = await img2imgPipeline({ model, scheduler: ddim(), image, strength: 0.5, numInferenceSteps: steps });
    expect(partial.stepsCompleted).toBe(2);
  });

  it('latent img2img encodes the image to the posterior mean × scaling factor: strength 0 decodes exactly that', async () => {
    // A toy autoencoder: 8×8×1 pixels ↔ 4×4×2 latents (2×2 mean-pooling, channel doubled; decode upsamples one channel).
    const latent = tiny({ height: 4, width: 4, inChannels: 2, outChannels: 2 });
    const vae = {
      encode: (x: tf.Tensor) => ({ latentDist: { mean: tf.concat([tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid'), tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid')], 3) } }),
      decode: (z: tf.Tensor) => tf.image.resizeNearestNeighbor(tf.slice(z, [0, 0, 0, 0], [-1, -1, -1, 1]) as tf.Tensor4D, [8, 8]),
    };
    const image = new Generator(5).uniform([1, 8, 8, 1]);
    const kept = await img2imgPipeline({ model: latent, scheduler: ddim(), image, strength: 0, numInferenceSteps: steps, vae, vaeScalingFactor: 2 });
    expect(kept.stepsCompleted).toBe(0);
    // decode(2·mean / 2) = the pooled image upsampled, mapped back to [0, 1].
    const expected = tf.tidy(() => tf.div(tf.add(tf.image.resizeNearestNeighbor(tf.avgPool(tf.sub(tf.mul(image, 2), 1) as tf.Tensor4D, 2, 2, 'valid'), [8, 8]), 1), 2));
    await expectTensorsClose(kept.images, expected, { atol: 1e-5 });
    const partial = await img2imgPipeline({ model: latent, scheduler: ddim(), image, strength: 0.5, numInferenceSteps: steps, vae, vaeScalingFactor: 2 });
    expect(partial.stepsCompleted).toBe(2);
    expect(partial.images.shape).toEqual([1, 8, 8, 1]);
    await expect(img2imgPipeline({ model: latent, scheduler: ddim(), image, vae: { decode: vae.decode } })).rejects.toThrow('vae ({}) must have an encode(images) method for img2img');
    await expect(img2imgPipeline({ model, scheduler: ddim(), image, vae })).rejects.toThrow("image (Tensor<float32>[1, 8, 8, 1]) must encode to the UNet's latents [batch, 8, 8, 1] (the autoencoder gives [1, 4, 4, 2])");
    tf.dispose([image, kept.images, expected, partial.images]);
    latent.dispose();
  });

  it('inpainting keeps the unmasked pixels exactly', async () => {
    const image = new Generator(6).uniform([2, 8, 8, 1]);
    const columns = tf.tensor4d(Array.from({ length: 64 }, (_, i) => (i % 8 < 4 ? 1 : 0)), [1, 8, 8, 1]);
    const { images } = await inpaintPipeline({ model, scheduler: ddim(), image, mask: columns, classLabels: [1, 0], guidanceScale: 2, numInferenceSteps: steps });
    const right = (t: tf.Tensor) => tf.slice(t, [0, 0, 4, 0], [-1, -1, 4, -1]);
    const left = (t: tf.Tensor) => tf.slice(t, [0, 0, 0, 0], [-1, -1, 4, -1]);
    await expectTensorsClose(right(images), right(image), { atol: 1e-5 });
    expect((await tf.max(tf.abs(tf.sub(left(images), left(image)))).data())[0]).toBeGreaterThan(1e-2);
  });

  it('the guidance hook moves samples along its gradient', async () => {
    const base = await unconditionalPipeline({ model, scheduler: ddim(), batchSize: 2, numInferenceSteps: steps, generator: new Generator(7), outputType: 'sample' });
    const seen: number[] = [];
    const pushed = await unconditionalPipeline({
      model, scheduler: ddim(), batchSize: 2, numInferenceSteps: steps, generator: new Generator(7), outputType: 'sample',
      guidance: ({ predOriginalSample, timestep }) => {
        seen.push(timestep);
        return tf.fill(predOriginalSample.shape, -0.3);
      },
    });
    expect(seen).toHaveLength(steps);
    const shift = tf.sub(pushed.images, base.images);
    expect((await tf.mean(shift).data())[0]).toBeLessThan(-0.1);
    expect((await tf.max(shift).data())[0]).toBeLessThanOrEqual(1e-5);
  });

  it('the callback sees every step and can interrupt; so can an AbortSignal', async () => {
    const calls: Array<{ step: number; timestep: number; shapes: number[][] }> = [];
    const stopped = await classConditionalPipeline({
      model, scheduler: ddim(), classLabels: [1], numInferenceSteps: steps,
      callback: ({ step, timestep, latents, predOriginalSample }) => {
        calls.push({ step, timestep, shapes: [latents.shape, predOriginalSample.shape] });
        return step < 1;
      },
    });
    expect(stopped).toMatchObject({ interrupted: true, stepsCompleted: 2 });
    expect(calls.map((call) => call.step)).toEqual([0, 1]);
    expect(calls[0].shapes).toEqual([[1, 8, 8, 1], [1, 8, 8, 1]]);
    expect(calls[0].timestep).toBeGreaterThan(calls[1].timestep);
    const controller = new AbortController();
    const aborted = await unconditionalPipeline({ model, scheduler: ddim(), numInferenceSteps: steps, signal: controller.signal, callback: () => controller.abort() });
    expect(aborted).toMatchObject({ interrupted: true, stepsCompleted: 1 });
    expect(stopped.images.shape).toEqual([1, 8, 8, 1]);
  });

  it('rejects bad input with one-line errors', async () => {
    const image = tf.zeros([1, 8, 8, 1]);
    await expect(classConditionalPipeline({ model, scheduler: ddim(), classLabels: [0, 7] })).rejects.toThrow(
      'classLabels (7) is not a class label: use integers in [0, 1], or 2 for the null class',
    );
    await expect(classConditionalPipeline({ model, scheduler: ddim(), classLabels: [0], guidanceScale: '3' as never })).rejects.toThrow(
      'guidanceScale ("3") must be a finite number >= 0 (1 = no guidance)',
    );
    await expect(img2imgPipeline({ model, scheduler: ddim(), image, strength: 1.5 })).rejects.toThrow(
      'strength (1.5) must be a number in [0, 1] (0 = keep the image, 1 = start from noise)',
    );
    await expect(img2imgPipeline({ model, scheduler: ddim(), image: tf.zeros([1, 9, 9, 1]) })).rejects.toThrow(
      'image (Tensor<float32>[1, 9, 9, 1]) must have shape [batch, 8, 8, 1] with values in [0, 1]',
    );
    await expect(inpaintPipeline({ model, scheduler: ddim(), image, mask: tf.ones([1, 4, 4, 1]) })).rejects.toThrow(
      'mask (Tensor<float32>[1, 4, 4, 1]) must have shape [1, 8, 8, 1] (1 = generate, 0 = keep)',
    );
    await expect(unconditionalPipeline({ model, scheduler: ddim(), numInferenceSteps: 2000 })).rejects.toThrow(/^numInferenceSteps \(2000\)/);
  });
});

// Heavier loops: Node backends only (the webgl leg runs the suite above).
describeWithBackends(
  'pipelines: schedulers and memory',
  () => {
    let model: UNet2DModel;
    beforeAll(() => {
      model = tiny({ numClasses: 2 });
    });
    afterAll(() => model.dispose());
    const ddim = () => new DDIMScheduler();

  it('works with other schedulers (DDPM, Euler, DPM-Solver++), giving images in [0, 1]', async () => {
    for (const scheduler of [new DDPMScheduler(), new EulerDiscreteScheduler(), new DPMSolverMultistepScheduler()]) {
      const { images, stepsCompleted } = await classConditionalPipeline({ model, scheduler, classLabels: [0], numInferenceSteps: steps, generator: new Generator(8) });
      expect(stepsCompleted).toBe(scheduler.timesteps.length);
      const [low, high] = await Promise.all([tf.min(images).data(), tf.max(images).data()]);
      expect(low[0]).toBeGreaterThanOrEqual(0);
      expect(high[0]).toBeLessThanOrEqual(1);
    }
  });

  it('leaves no tensors behind over full sampling loops (CFG, hook, self-conditioning, text, inpainting)', async () => {
    const selfConditioned = tiny({ numClasses: 2, selfConditioning: true });
    const text = tiny({ crossAttentionDim: 4 });
    const states = new Generator(9).normal([1, 3, 4]);
    const image = tf.fill([1, 8, 8, 1], 0.5);
    const mask = tf.ones([1, 8, 8, 1]);
    const runs = [
      () => classConditionalPipeline({ model: selfConditioned, scheduler: new DPMSolverMultistepScheduler(), classLabels: [0, 1], guidanceRescale: 0.7, numInferenceSteps: steps, guidance: ({ predOriginalSample }) => tf.mul(predOriginalSample, 0.01), callback: () => undefined }),
      () => textToImagePipeline({ model: text, scheduler: ddim(), encoderHiddenStates: states, numInferenceSteps: steps }),
      () => inpaintPipeline({ model, scheduler: new EulerDiscreteScheduler(), image, mask, strength: 0.5, numInferenceSteps: steps }),
    ];
    for (const run of runs) {
      const before = tf.memory().numTensors;
      const { images } = await run();
      expect(tf.memory().numTensors).toBe(before + 1);
      images.dispose();
    }
    selfConditioned.dispose();
    text.dispose();
  });
  },
  { skip: ['webgl'] },
);
