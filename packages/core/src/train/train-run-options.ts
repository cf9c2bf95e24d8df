// The run-control options every family's train function takes (trainVae, trainVqVae,
// trainClip, trainDalle…): where checkpoints go, resuming, stopping, progress and metrics.
// Each function documents its own defaults and what its `onProgress` losses are.
import type * as tf from '@tensorflow/tfjs-core';
import type { JsonValue } from '../types';
import type { MetricsRecord, ProgressEvent, TrainLoopOptions } from './train-loop';

export interface TrainRunOptions {
  /** Seeds every random draw of the run (weights, data order, noise). Default 0. */
  seed?: number;
  /** Folder of step-numbered checkpoints (Node; `import '@gen/core/node'`). Or give `checkpointHandler`. */
  checkpointDir?: string;
  /** A tf.io handler or URL ('indexeddb://run') overwritten at each checkpoint (browser). */
  checkpointHandler?: tf.io.IOHandler | string;
  /** Steps between checkpoints (and one at the end). Default 1000 in every family's train function. */
  checkpointEvery?: number;
  /** Checkpoints kept in `checkpointDir`. Default 3. */
  keep?: number;
  /** Continue from the newest checkpoint, bit-exactly (same backend). Default false. */
  resume?: boolean;
  /** Stop after the current step and write a final checkpoint. */
  signal?: AbortSignal;
  /** Window means of the losses every `logEvery` steps. */
  onProgress?(event: ProgressEvent): void | Promise<void>;
  /** Steps per progress report and metrics line. Default 10. */
  logEvery?: number;
  /** JSON-lines metrics file (Node). */
  metricsFile?: string;
  onMetrics?(record: MetricsRecord): void | Promise<void>;
}

/** {@link TrainRunOptions} with its defaults filled, plus the config each checkpoint records. */
export interface ResolvedTrainRun extends Omit<TrainRunOptions, 'seed' | 'checkpointEvery'> {
  checkpointEvery: number;
  checkpointConfig: JsonValue;
}

/** The trainLoop options a family's train function passes on: a checkpoint target when a folder or handler was given, and the run controls. */
export function trainRunLoopOptions(run: ResolvedTrainRun): Pick<TrainLoopOptions, 'checkpoint' | 'resume' | 'signal' | 'onProgress' | 'logEvery' | 'metricsFile' | 'onMetrics'> {
  const { checkpointDir, checkpointHandler, checkpointEvery, keep, checkpointConfig, resume, signal, onProgress, logEvery, metricsFile, onMetrics } = run;
  const target = checkpointDir !== undefined ? { dir: checkpointDir } : checkpointHandler !== undefined ? { handler: checkpointHandler } : null;
  return {
    checkpoint: target ? { ...target, every: checkpointEvery, keep, config: checkpointConfig } : undefined,
    resume,
    signal,
    onProgress,
    logEvery,
    metricsFile,
    onMetrics,
  };
}
