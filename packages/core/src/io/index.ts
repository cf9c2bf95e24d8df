// Public API of the io module (explicit named exports only). Browser-safe: folder paths
// work once '@gen/core/node' is imported (see ./node.ts).
export { saveCheckpoint, encodeCheckpoint } from './save-checkpoint';
export type { SaveCheckpointResult } from './save-checkpoint';
export { loadCheckpoint, decodeCheckpoint } from './load-checkpoint';
export type { LoadCheckpointOptions } from './load-checkpoint';
export { handlerStore } from './checkpoint-store';
export type { CheckpointStore, StoredCheckpoint } from './checkpoint-store';
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  DEFAULT_CHECKPOINT_LIMITS,
} from './checkpoint-format';
export type { CheckpointContents, LoadedCheckpoint, CheckpointLimits } from './checkpoint-format';
export type { CheckpointIOHandler, MetricsSink } from './checkpoint-handlers';
