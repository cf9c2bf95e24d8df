// Argument checks shared by @gen/gan: one-line InvalidArgumentErrors naming the argument.
import { InvalidArgumentError } from '@gen/core';

export function checkPositiveInteger(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(argument, value, 'must be a positive integer');
  }
  return value;
}

export function checkNonNegativeInteger(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(argument, value, 'must be a non-negative integer');
  }
  return value;
}

export function checkPositiveNumber(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(argument, value, 'must be a positive finite number');
  }
  return value;
}

export function checkNonNegativeNumber(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(argument, value, 'must be a finite number >= 0');
  }
  return value;
}

export function checkBoolean(argument: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidArgumentError(argument, value, 'must be true or false');
  return value;
}

export function checkOneOf<T extends string>(argument: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new InvalidArgumentError(argument, value, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return value as T;
}

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
