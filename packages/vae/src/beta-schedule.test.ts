import { betaSchedule, constantBeta, cyclicalBeta, linearBetaWarmup } from '@gen/vae';

describe('β schedules', () => {
  it('constant', () => {
    const beta = constantBeta(4);
    expect([0, 10, 1e6].map(beta)).toEqual([4, 4, 4]);
  });

  it('linear warm-up with a delay', () => {
    const beta = linearBetaWarmup({ warmupSteps: 10, delaySteps: 5, start: 0, end: 2 });
    expect([0, 5, 6, 10, 15, 100].map(beta)).toEqual([0, 0, 0.2, 1, 2, 2]);
  });

  it('cyclical annealing ramps within each cycle, then holds', () => {
    const beta = cyclicalBeta({ cycleSteps: 10, rampFraction: 0.5 });
    expect([0, 1, 4, 5, 9, 10, 12].map(beta)).toEqual([0, 0.2, 0.8, 1, 1, 0, 0.4]);
  });

  it('is pure: the same step always gives the same value', () => {
    const beta = cyclicalBeta({ cycleSteps: 7, rampFraction: 0.3, min: 0.1, max: 3 });
    const first = Array.from({ length: 30 }, (_, s) => beta(s));
    const again = Array.from({ length: 30 }, (_, s) => beta(29 - s)).reverse();
    expect(again).toEqual(first);
  });

  it('builds from JSON specs and rejects bad ones with one line', () => {
    expect(betaSchedule(0.5)(3)).toBe(0.5);
    expect(betaSchedule({ kind: 'linear', warmupSteps: 4 })(2)).toBe(0.5);
    expect(betaSchedule({ kind: 'cyclical', cycleSteps: 4 })(1)).toBe(0.5);
    expect(() => betaSchedule({ kind: 'cosine' } as never)).toThrow(
      `beta ({"kind":"cosine"}) must be a number, a function of the step, or { kind: 'constant' | 'linear' | 'cyclical', … }`,
    );
    expect(() => linearBetaWarmup({ warmupSteps: 0 })).toThrow('warmupSteps (0) must be a positive integer');
    expect(() => constantBeta(-1)).toThrow('beta (-1) must be a finite number >= 0');
    expect(() => constantBeta(1)(-1)).toThrow('step (-1) must be an integer >= 0');
  });
});
