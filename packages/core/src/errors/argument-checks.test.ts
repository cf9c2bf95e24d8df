import {
  checkBoolean,
  checkNonNegativeInteger,
  checkNonNegativeNumber,
  checkOneOf,
  checkPositiveInteger,
  checkPositiveNumber,
} from '@gen/core';

describe('argument checks', () => {
  it('return valid values unchanged', () => {
    expect(checkPositiveInteger('n', 3)).toBe(3);
    expect(checkNonNegativeInteger('n', 0)).toBe(0);
    expect(checkPositiveNumber('lr', 1e-4)).toBe(1e-4);
    expect(checkNonNegativeNumber('gamma', 0)).toBe(0);
    expect(checkBoolean('ema', false)).toBe(false);
    expect(checkOneOf('loss', 'hinge', ['hinge', 'wasserstein'] as const)).toBe('hinge');
  });

  it('reject with one line naming the argument, the value and what is allowed', () => {
    expect(() => checkPositiveInteger('steps', 0)).toThrow(/^steps \(0\) must be a positive integer$/);
    expect(() => checkPositiveInteger('steps', 2.5)).toThrow('steps (2.5) must be a positive integer');
    expect(() => checkNonNegativeInteger('every', -1)).toThrow('every (-1) must be a non-negative integer');
    expect(() => checkPositiveNumber('lr', Number.NaN)).toThrow('lr (NaN) must be a positive finite number');
    expect(() => checkNonNegativeNumber('gamma', -0.5)).toThrow('gamma (-0.5) must be a finite number >= 0');
    expect(() => checkBoolean('ema', 'yes')).toThrow('ema ("yes") must be true or false');
    expect(() => checkOneOf('loss', 'lsgan', ['hinge', 'wasserstein'])).toThrow(`loss ("lsgan") must be one of 'hinge', 'wasserstein'`);
  });
});
