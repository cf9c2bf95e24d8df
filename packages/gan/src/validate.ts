// Argument checks shared by @gen/gan: one-line InvalidArgumentErrors naming the argument.
import { InvalidArgumentError } from '@gen/core';

// The generic checks live in @gen/core; re-exported so family code imports one place.
export {
  checkPositiveInteger,
  checkNonNegativeInteger,
  checkPositiveNumber,
  checkNonNegativeNumber,
  checkBoolean,
  checkOneOf,
} from '@gen/core';

/** Channel widths per stage: a non-empty array of positive integers. */
export function checkWidths(argument: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((w) => typeof w === 'number' && Number.isSafeInteger(w) && w >= 1)) {
    throw new InvalidArgumentError(argument, value, 'must be a non-empty array of positive integers (channels per stage)');
  }
  return [...value];
}

/** `size` must halve `halvings` times exactly: the models double (or halve) the resolution per stage. */
export function checkDivisible(argument: string, size: number, halvings: number): void {
  const factor = 2 ** halvings;
  if (size % factor !== 0) {
    throw new InvalidArgumentError(argument, size, `must be divisible by ${factor} (2^${halvings}: one halving per stage after the first)`);
  }
}

/** `selfAttention`: null, or the height of a stage the models have. */
export function checkSelfAttention(argument: string, value: unknown, stageHeights: number[]): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !stageHeights.includes(value)) {
    throw new InvalidArgumentError(argument, value, `must be null or the height of a stage (${stageHeights.join(', ')})`);
  }
  return value;
}
