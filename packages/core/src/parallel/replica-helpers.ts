// Helpers for writing replica modules (no Node imports: usable anywhere).
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import type { PhaseOutput, ReplicaFactory, Shard } from './types';

/** Identity, for typing a replica module's factory: `export const createReplica = defineReplica((options) => …)`. */
export function defineReplica(factory: ReplicaFactory): ReplicaFactory {
  return factory;
}

/**
 * Rows `[shard.start, shard.end)` of a tensor that holds the whole global batch along
 * axis 0 (images of the step, noise drawn for the whole batch). A new tensor.
 */
export function sliceShard<T extends tf.Tensor>(batch: T, shard: Shard): T {
  if (batch.shape[0] !== shard.globalBatchSize) {
    throw new InvalidArgumentError('sliceShard batch', batch, `must hold the whole global batch (${shard.globalBatchSize} rows) along axis 0`);
  }
  const begin = batch.shape.map((_, axis) => (axis === 0 ? shard.start : 0));
  const size = batch.shape.map((d, axis) => (axis === 0 ? shard.end - shard.start : d));
  return tf.slice(batch, begin, size);
}

/**
 * The phase output for `params` (a group: stable name → variable): gradients of the scalar
 * `lossFn` returns, keyed by the group's names, and the loss itself as `losses.loss`.
 * `lossFn` may instead return `{ loss, ...more }`: the other scalars are reported too
 * (not differentiated). Only variables that reach the loss get a gradient.
 */
export function gradientsOf(
  params: Record<string, tf.Variable>,
  lossFn: () => tf.Scalar | ({ loss: tf.Scalar } & Record<string, tf.Scalar>),
): PhaseOutput {
  const names = Object.keys(params);
  const variables = names.map((name) => params[name]);
  let extra: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const result = lossFn();
    if (result instanceof tf.Tensor) return result;
    const { loss, ...rest } = result;
    extra = Object.fromEntries(Object.entries(rest).map(([name, scalar]) => [name, tf.keep(scalar)]));
    return loss;
  }, variables);
  const named: Record<string, tf.Tensor> = {};
  names.forEach((name, i) => {
    const grad = grads[variables[i].name];
    if (grad != null) named[name] = grad;
  });
  return { grads: named, losses: { loss: value, ...extra } };
}
