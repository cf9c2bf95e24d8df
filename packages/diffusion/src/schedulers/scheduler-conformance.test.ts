// The contract every scheduler shares (core's `Scheduler`), run for each entry of SCHEDULERS:
// config round trip and swapping, shapes, a full loop without leaks, seeded reproducibility,
// and the exact one-line messages of bad arguments.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, InvalidArgumentError } from '@gen/core';
import type { Scheduler } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { DDIMScheduler, DDPMScheduler, DPMSolverMultistepSDEScheduler, SCHEDULERS } from '@gen/diffusion';
import type { SchedulerName } from '@gen/diffusion';

const NAMES = Object.keys(SCHEDULERS) as SchedulerName[];
const STOCHASTIC: SchedulerName[] = ['ddpm', 'euler-ancestral', 'dpmpp-2m-sde'];
const SHAPE = [2, 3, 3, 1];

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

function create(name: SchedulerName, config: object = {}): Scheduler {
  return new (SCHEDULERS[name] as unknown as new (config: object) => Scheduler)({ numTrainTimesteps: 50, ...config });
}

/** A full loop with a dummy denoiser (x·t/(t+1), as diffusers' tests); returns the final sample. */
function runLoop(scheduler: Scheduler, seed: number, numInferenceSteps = 4): tf.Tensor {
  const generator = new Generator(seed);
  scheduler.setTimesteps(numInferenceSteps);
  let sample = tf.tidy(() => tf.mul(generator.normal(SHAPE), scheduler.initNoiseSigma));
  for (const t of Array.from(scheduler.timesteps)) {
    const next = tf.tidy(() => {
      const input = scheduler.scaleModelInput(sample, t);
      const modelOutput = tf.mul(input, t / (t + 1));
      return scheduler.step(modelOutput, t, sample, { generator }).prevSample;
    });
    sample.dispose();
    sample = next;
  }
  return sample;
}

describe('scheduler configs', () => {
  it.each(NAMES)('%s: merges defaults into a frozen config; getConfig/fromConfig round-trip', (name) => {
    const Class = SCHEDULERS[name] as unknown as { fromConfig(config: object): Scheduler };
    const scheduler = create(name, { predictionType: 'v_prediction', timestepSpacing: 'trailing' });
    expect(Object.isFrozen(scheduler.config)).toBe(true);
    expect(scheduler.config).toMatchObject({ numTrainTimesteps: 50, predictionType: 'v_prediction', timestepSpacing: 'trailing' });
    const copy = scheduler.getConfig();
    expect(Object.isFrozen(copy)).toBe(false);
    expect(copy).toEqual(scheduler.config);
    expect(Class.fromConfig(copy).config).toEqual(scheduler.config);
  });

  it.each(NAMES)('%s.fromConfig takes the shared fields of every other scheduler and ignores the rest', (name) => {
    const Class = SCHEDULERS[name] as unknown as { fromConfig(config: object): Scheduler };
    for (const other of NAMES) {
      const source = create(other, { betaSchedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012, predictionType: 'sample' });
      const swapped = Class.fromConfig(source.getConfig());
      expect([other, swapped.config.numTrainTimesteps, swapped.config.betaSchedule, swapped.config.betaEnd, swapped.config.predictionType]).toEqual([
        other,
        50,
        'scaled_linear',
        0.012,
        'sample',
      ]);
    }
    // diffusers' README example: DDIMScheduler.fromConfig(ddpm.config).
    const ddpm = new DDPMScheduler({ varianceType: 'fixed_large' });
    expect(DDIMScheduler.fromConfig(ddpm.getConfig()).config).toEqual({ ...new DDIMScheduler().config, clipSample: true });
    // The SDE class stays stochastic when built from the ODE solver's config.
    expect(DPMSolverMultistepSDEScheduler.fromConfig(create('dpmpp-2m').getConfig()).config.algorithmType).toBe('sde-dpmsolver++');
  });

  it.each(NAMES)('%s rejects bad arguments with one-line messages', (name) => {
    expect(() => create(name, { numTrainSteps: 10 })).toThrow(/^config\.numTrainSteps \(10\) is not a field of this scheduler's config \(fields: numTrainTimesteps, .*\)$/);
    const scheduler = create(name, { numTrainTimesteps: 1000 });
    expectInvalidArgument(() => scheduler.setTimesteps(1200), 'numInferenceSteps (1200) cannot exceed config.numTrainTimesteps (1000)');
    expectInvalidArgument(() => scheduler.setTimesteps(0), 'numInferenceSteps (0) must be an integer >= 1');
    expectInvalidArgument(() => scheduler.setTimesteps(2.5), 'numInferenceSteps (2.5) must be an integer >= 1');
    expectInvalidArgument(() => create(name, { predictionType: 'eps' as never }), 'config.predictionType ("eps") must be one of ["epsilon", "sample", "v_prediction"]');
  });
});

describeWithBackends('scheduler contract', () => {
  it.each(NAMES)('%s: step before setTimesteps, unknown timesteps and wrong shapes are refused', (name) => {
    const scheduler = create(name);
    // Bundlers may prefix class names (esbuild emits _DDPMScheduler); the messages use the real name.
    const Name = (SCHEDULERS[name] as { name: string }).name.replace(/^_/, '');
    const sample = tf.zeros(SHAPE);
    const generator = new Generator(0);
    expectInvalidArgument(() => scheduler.step(sample, 10, sample, { generator }), `timestep (10) cannot be stepped: call ${Name}.setTimesteps(numInferenceSteps) first`);
    scheduler.setTimesteps(5);
    const bad = scheduler.timesteps[0] - 1;
    expect(() => scheduler.step(sample, bad, sample, { generator })).toThrow(`timestep (${bad}) is not one of`);
    expectInvalidArgument(() => scheduler.step(tf.zeros([2, 3]), scheduler.timesteps[0], sample, { generator }), 'modelOutput (Tensor<float32>[2, 3]) must have the shape of sample [2, 3, 3, 1]');
  });

  it.each(STOCHASTIC)('%s needs a generator', (name) => {
    const scheduler = create(name);
    scheduler.setTimesteps(5);
    const sample = tf.zeros(SHAPE);
    expect(() => scheduler.step(sample, scheduler.timesteps[0], sample)).toThrow(/^options\.generator \(undefined\) is required: \w+\.step .* \(pass \{ generator: new Generator\(seed\) \}\)$/);
  });

  it.each(NAMES)('%s: shapes of step, scaleModelInput and addNoise', (name) => {
    const scheduler = create(name);
    scheduler.setTimesteps(5);
    const t = scheduler.timesteps[0];
    const sample = tf.ones(SHAPE);
    const input = scheduler.scaleModelInput(sample, t);
    expect(input.shape).toEqual(SHAPE);
    const out = scheduler.step(tf.zerosLike(sample), t, sample, { generator: new Generator(1) });
    expect(out.prevSample.shape).toEqual(SHAPE);
    expect(out.predOriginalSample?.shape).toEqual(SHAPE);
    const noisy = scheduler.addNoise(sample, tf.zerosLike(sample), Int32Array.from([0, 49]));
    expect(noisy.shape).toEqual(SHAPE);
    expect(scheduler.addNoise(sample, sample, tf.tensor1d([3, 4], 'int32')).shape).toEqual(SHAPE);
    expectInvalidArgument(() => scheduler.addNoise(sample, sample, Int32Array.from([0, 50])), 'timesteps[1] (50) must be in [0, 49]');
  });

  it.each(NAMES)('%s: a full sampling loop leaks no tensor, and the same seed gives the same samples', async (name) => {
    const scheduler = create(name);
    const before = tf.memory().numTensors;
    const first = runLoop(scheduler, 7);
    expect(tf.memory().numTensors).toBe(before + 1); // only the returned sample
    const second = runLoop(scheduler, 7);
    const other = runLoop(scheduler, 8);
    expect(Array.from(await second.data())).toEqual(Array.from(await first.data()));
    const differs = Array.from(await other.data()).some((v, i) => v !== first.dataSync()[i]);
    expect(differs).toBe(true); // the initial noise differs
    tf.dispose([first, second, other]);
    // reset() / setTimesteps free a loop stopped half-way.
    scheduler.setTimesteps(4);
    const generator = new Generator(0);
    const sample = tf.ones(SHAPE);
    const mid = tf.memory().numTensors;
    for (const t of Array.from(scheduler.timesteps).slice(0, 2)) tf.tidy(() => { scheduler.step(tf.mul(sample, 0.1), t, sample, { generator }); });
    (scheduler as unknown as { reset(): void }).reset();
    expect(tf.memory().numTensors).toBe(mid);
  });

  it.each(['euler', 'heun', 'dpmpp-2m', 'unipc'] as SchedulerName[])('%s: a stateful scheduler refuses timesteps out of order', (name) => {
    const scheduler = create(name);
    scheduler.setTimesteps(4);
    const [t0, t1] = Array.from(scheduler.timesteps);
    const sample = tf.ones(SHAPE);
    scheduler.step(sample, t0, sample);
    expect(() => scheduler.step(sample, t0, sample)).toThrow(`timestep (${t0}) is not the next timestep of`);
    expect(t1).toBeDefined();
  });
});
