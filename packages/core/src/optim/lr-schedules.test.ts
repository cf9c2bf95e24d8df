import { constantLr, cosineWithWarmupLr, InvalidArgumentError, linearWarmupLr } from '@gen/core';

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

describe('learning-rate schedules', () => {
  it('constantLr gives the same rate at every step', () => {
    const schedule = constantLr(3e-4);
    expect([0, 1, 1000].map(schedule)).toEqual([3e-4, 3e-4, 3e-4]);
  });

  it('linearWarmupLr rises as peak·(s+1)/W, then holds', () => {
    const schedule = linearWarmupLr({ peak: 1, warmupSteps: 4 });
    expect([0, 1, 2, 3, 4, 100].map(schedule)).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
    expect(linearWarmupLr({ peak: 2, warmupSteps: 0 })(0)).toBe(2);
  });

  it('cosineWithWarmupLr: warm-up, then (1 + cos πp)/2 from peak to final, then final', () => {
    const [peak, final] = [0.1, 0.01];
    const schedule = cosineWithWarmupLr({ peak, warmupSteps: 10, totalSteps: 110, final });
    expect(schedule(4)).toBeCloseTo(0.05, 15);
    expect(schedule(10)).toBeCloseTo(peak, 15);
    expect(schedule(60)).toBeCloseTo((peak + final) / 2, 15);
    expect(schedule(35)).toBeCloseTo(final + ((peak - final) * (1 + Math.cos(Math.PI / 4))) / 2, 15);
    expect(schedule(110)).toBeCloseTo(final, 15);
    expect(schedule(10_000)).toBeCloseTo(final, 15);
    const values = Array.from({ length: 100 }, (_, i) => schedule(i + 10));
    expect(values.every((v, i) => i === 0 || v <= values[i - 1])).toBe(true);
  });

  it('rejects bad arguments with one-line messages', () => {
    expectInvalidArgument(() => constantLr(-1), 'value (-1) must be a finite number >= 0');
    expectInvalidArgument(() => linearWarmupLr({ peak: 1, warmupSteps: 2.5 }), 'warmupSteps (2.5) must be an integer >= 0');
    expectInvalidArgument(
      () => cosineWithWarmupLr({ peak: 1, warmupSteps: 10, totalSteps: 10 }),
      'totalSteps (10) must be an integer greater than warmupSteps (10)',
    );
    expectInvalidArgument(() => constantLr(1)(-1), 'step (-1) must be an integer >= 0');
  });
});
