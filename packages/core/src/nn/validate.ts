// Argument checks shared by the nn layers: one-line InvalidArgumentErrors naming the layer and option.
import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import type { Generator } from '../random';

export function checkPositiveInteger(layer: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${layer} ${name}`, value, 'must be a positive integer');
  }
  return value;
}

export function checkNonNegativeInteger(layer: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${layer} ${name}`, value, 'must be a non-negative integer');
  }
  return value;
}

/** A number or [height, width] pair of integers ≥ min; returns the pair. */
export function checkPair(layer: string, name: string, value: unknown, min: number): [number, number] {
  const ok = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= min;
  if (ok(value)) return [value as number, value as number];
  if (Array.isArray(value) && value.length === 2 && value.every(ok)) return [value[0], value[1]];
  const what = min === 0 ? 'non-negative integer' : 'positive integer';
  throw new InvalidArgumentError(`${layer} ${name}`, value, `must be a ${what} or a [height, width] pair of them`);
}

export function checkPositiveNumber(layer: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`${layer} ${name}`, value, 'must be a positive finite number');
  }
  return value;
}

export function checkBoolean(layer: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidArgumentError(`${layer} ${name}`, value, 'must be true or false');
  return value;
}

/** Layers that draw initial weights need a Generator (duck-typed: two copies of @gen/core may be installed). */
export function checkGenerator(layer: string, generator: unknown): Generator {
  const candidate = generator as Partial<Generator> | undefined;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.uniform !== 'function' ||
    typeof candidate.normal !== 'function'
  ) {
    throw new InvalidArgumentError(
      `${layer} generator`,
      generator,
      'must be a Generator from @gen/core (weights are drawn from it; new Generator(seed))',
    );
  }
  return candidate as Generator;
}

/** Checks an input's rank and its last (channel / feature) dimension; `expected` describes the shape in words. */
export function checkInput(
  layer: string,
  x: tf.Tensor,
  { rank, minRank, lastDim, expected }: { rank?: number; minRank?: number; lastDim?: number; expected: string },
): void {
  const isTensor = typeof x === 'object' && x !== null && Array.isArray((x as tf.Tensor).shape);
  const ok =
    isTensor &&
    (rank === undefined || x.rank === rank) &&
    (minRank === undefined || x.rank >= minRank) &&
    (lastDim === undefined || x.shape[x.rank - 1] === lastDim);
  if (!ok) throw new InvalidArgumentError(`${layer} input`, x, `must have shape ${expected}`);
}
