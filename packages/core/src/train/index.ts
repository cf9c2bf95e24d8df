// Public API of the train module (explicit named exports only). Browser-safe; checkpoint.dir
// and metricsFile need `import '@gen/core/node'` in Node.
export { trainLoop } from './train-loop';
export type {
  TrainLoopOptions,
  TrainSummary,
  TrainState,
  JsonStateful,
  StepLosses,
  StepContext,
  StepEndContext,
  ProgressEvent,
  MetricsRecord,
  CheckpointInfo,
  TrainCallbacks,
  PeriodicCallback,
  TrainCheckpointOptions,
  LeakGuardOptions,
} from './train-loop';
export { trainRunLoopOptions } from './train-run-options';
export type { TrainRunOptions, ResolvedTrainRun } from './train-run-options';
