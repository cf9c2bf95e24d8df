// Synchronised batch norm for data-parallel training: while a replica runs its rows of the
// batch through a model, every BatchNorm in it normalises with the statistics of all replicas'
// rows (crossReplicaMoments), so the model computes what it computes on the whole batch in
// one thread. Outside the scope (sampling, standing statistics) the model is unchanged.
import { BatchNorm } from './batch-norm';
import type { ReplicaGather } from './cross-replica-moments';
import type { Module } from './module';

/**
 * Runs `fn` with every `BatchNorm` of `model` taking its training-mode statistics over the
 * replicas of `replicas` (each replica calling this with its own rows, the same model and the
 * same sequence of calls); restores the plain batch norm afterwards. The backward pass of what
 * `fn` builds exchanges too (inside `tf.variableGrads`, which may run after `fn` returns).
 */
export function withCrossReplicaBatchNorm<T>(model: Module, replicas: ReplicaGather, fn: () => T): T {
  const norms = [model, ...model.namedModules().map(([, module]) => module)].filter((module): module is BatchNorm => module instanceof BatchNorm);
  const previous = norms.map((norm) => norm.crossReplica);
  for (const norm of norms) norm.crossReplica = replicas;
  try {
    return fn();
  } finally {
    norms.forEach((norm, i) => (norm.crossReplica = previous[i]));
  }
}
