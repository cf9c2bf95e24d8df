import * as tf from '@tensorflow/tfjs-core';

/**
 * Creates the trainable weights of a bench network. Values come from tfjs's seeded
 * normal draw (seed, seed + 1, …), He-style scaled by 1/√fanIn: the bench times
 * arithmetic, so only the shapes and a sane scale matter, and a fixed seed keeps runs alike.
 */
export class ParamFactory {
  readonly variables: tf.Variable[] = [];
  private nextSeed: number;

  constructor(seed: number) {
    this.nextSeed = seed >>> 0;
  }

  /** A weight of `shape` drawn from N(0, 1/fanIn). */
  weight(name: string, shape: number[], fanIn: number): tf.Variable {
    const value = tf.tidy(() => tf.randomNormal(shape, 0, 1 / Math.sqrt(fanIn), 'float32', this.nextSeed++));
    return this.keep(tf.variable(value, true, name));
  }

  /** A bias (zeros) or a scale (ones) of `shape`. */
  constant(name: string, shape: number[], value: 0 | 1): tf.Variable {
    const init = value === 0 ? tf.zeros(shape) : tf.ones(shape);
    return this.keep(tf.variable(init, true, name));
  }

  dispose(): void {
    for (const variable of this.variables) variable.dispose();
    this.variables.length = 0;
  }

  private keep(variable: tf.Variable): tf.Variable {
    this.variables.push(variable);
    return variable;
  }
}

let uniqueId = 0;
/** Variable names must be unique per engine; bench networks can be built many times. */
export function uniqueName(prefix: string): string {
  uniqueId += 1;
  return `bench_${prefix}_${uniqueId}`;
}
