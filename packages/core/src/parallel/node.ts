// Data-parallel training over worker_threads (Node only), gathered by @gen/core/node.
export { DataParallelTrainer, autoWorkerCount } from './data-parallel-trainer';
export type { DataParallelTrainerOptions, StepOptions, StepResult, UpdateMode } from './data-parallel-trainer';
export { gradientsOf, sliceShard, defineReplica } from './replica-helpers';
export { ReplicaExchange, ReplicaExchangeAbortedError } from './replica-exchange';
export { replicaModulePath, sharedDataset } from './replica-files';
export { benchTrainingWorkers } from './bench-training';
export type { BenchTrainingOptions, BenchTrainingRun } from './bench-training';
export type {
  Shard,
  PhaseOutput,
  ReplicaPhase,
  GradientUpdater,
  Replica,
  ReplicaContext,
  ReplicaFactory,
  ReplicaSpec,
  ReplicaLayout,
  GroupLayout,
  ReplicaMemory,
} from './types';
