import {
  alphasCumprod,
  betasFromConfig,
  DEFAULT_SCHEDULER_CONFIG,
  InvalidArgumentError,
  linearBetas,
  resolveSchedulerConfig,
  spacedTimesteps,
} from '@gen/core';
import type { SchedulerConfig } from '@gen/core';

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

describe('spacedTimesteps', () => {
  // Reference values from diffusers' set_timesteps formulas run in numpy (round half to even).
  it.each([
    ['linspace', 10, 5, 0, [9, 7, 4, 2, 0]],
    ['linspace', 1000, 7, 0, [999, 832, 666, 500, 333, 166, 0]],
    ['linspace', 1000, 1, 0, [0]],
    ['leading', 1000, 7, 1, [853, 711, 569, 427, 285, 143, 1]],
    ['leading', 10, 4, 0, [6, 4, 2, 0]],
    ['trailing', 10, 4, 0, [9, 7, 4, 1]],
    ['trailing', 1000, 7, 0, [999, 856, 713, 570, 428, 285, 142]],
    ['trailing', 1000, 3, 0, [999, 666, 332]],
  ] as const)('%s T=%d n=%d offset=%d', (timestepSpacing, numTrainTimesteps, numInferenceSteps, stepsOffset, expected) => {
    const timesteps = spacedTimesteps({ numTrainTimesteps, numInferenceSteps, timestepSpacing, stepsOffset });
    expect(timesteps).toBeInstanceOf(Int32Array);
    expect(Array.from(timesteps)).toEqual(expected);
  });

  it('rejects more inference steps than training steps', () => {
    expectInvalidArgument(
      () => spacedTimesteps({ numTrainTimesteps: 1000, numInferenceSteps: 1200 }),
      'numInferenceSteps (1200) cannot exceed config.numTrainTimesteps (1000)',
    );
    expectInvalidArgument(
      () => spacedTimesteps({ numTrainTimesteps: 10, numInferenceSteps: 2, timestepSpacing: 'even' as never }),
      `timestepSpacing ("even") must be 'leading', 'trailing' or 'linspace'`,
    );
  });
});

describe('scheduler config', () => {
  it('merges over the defaults and freezes', () => {
    const config = resolveSchedulerConfig(DEFAULT_SCHEDULER_CONFIG, { numTrainTimesteps: 50, predictionType: 'v_prediction' });
    expect(config).toEqual({ ...DEFAULT_SCHEDULER_CONFIG, numTrainTimesteps: 50, predictionType: 'v_prediction' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(DEFAULT_SCHEDULER_CONFIG)).toBe(true);
  });

  it('a scheduler-specific config extends the shared one', () => {
    interface DDIMLikeConfig extends SchedulerConfig {
      eta: number;
    }
    const defaults: DDIMLikeConfig = { ...DEFAULT_SCHEDULER_CONFIG, eta: 0 };
    expect(resolveSchedulerConfig(defaults, { eta: 1 }).eta).toBe(1);
  });

  it('betasFromConfig: trainedBetas, the named schedule, then the zero-SNR rescale', () => {
    const base = resolveSchedulerConfig(DEFAULT_SCHEDULER_CONFIG, { numTrainTimesteps: 20 });
    expect(Array.from(betasFromConfig(base))).toEqual(Array.from(linearBetas(20)));
    const trained = resolveSchedulerConfig(DEFAULT_SCHEDULER_CONFIG, { numTrainTimesteps: 2, trainedBetas: [0.1, 0.2] });
    expect(Array.from(betasFromConfig(trained))).toEqual([0.1, 0.2]);
    const rescaled = resolveSchedulerConfig(DEFAULT_SCHEDULER_CONFIG, { numTrainTimesteps: 20, rescaleBetasZeroSnr: true, predictionType: 'v_prediction' });
    const alphaBar = alphasCumprod(betasFromConfig(rescaled));
    expect(alphaBar[19]).toBe(0);
    expect(alphaBar[0]).toBe(alphasCumprod(linearBetas(20))[0]);
  });

  it('rejects unknown fields and bad values with one-line messages', () => {
    expectInvalidArgument(
      () => resolveSchedulerConfig(DEFAULT_SCHEDULER_CONFIG, { numTrainSteps: 10 } as never),
      "config.numTrainSteps (10) is not a field of this scheduler's config (fields: numTrainTimesteps, betaSchedule, betaStart, betaEnd, trainedBetas, predictionType, timestepSpacing, stepsOffset, rescaleBetasZeroSnr, clipSample, clipSampleRange, thresholding, dynamicThresholdingRatio, sampleMaxValue)",
    );
    expectInvalidArgument(
      () => resolveSchedulerConfig(DEFAULT_SCHEDULER_CONFIG, { predictionType: 'eps' as never }),
      'config.predictionType ("eps") must be one of ["epsilon", "sample", "v_prediction"]',
    );
    expectInvalidArgument(
      () => resolveSchedulerConfig(DEFAULT_SCHEDULER_CONFIG, { numTrainTimesteps: 3, trainedBetas: [0.1, 0.2] }),
      'config.trainedBetas ([0.1, 0.2]) must be null or an array of numTrainTimesteps (3) numbers',
    );
    expectInvalidArgument(
      () => resolveSchedulerConfig(DEFAULT_SCHEDULER_CONFIG, { clipSample: 'yes' as never }),
      'config.clipSample ("yes") must be true or false',
    );
  });
});
