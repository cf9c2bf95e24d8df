// Turns the `destination` / `source` of saveCheckpoint / loadCheckpoint into a tf.io handler.
// URLs with a scheme ('indexeddb://run1', 'http://…', 'localstorage://…') go through tf.io's
// router registry; plain paths (and file://) go to the folder handler that
// `@gen/core/node` registers on import, so this file stays browser-safe.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import type { CheckpointLimits } from './checkpoint-format';
import type { CheckpointStore } from './checkpoint-store';

/** A tf.io handler that can also apply load limits before it reads anything (the folder handler). */
export interface CheckpointIOHandler extends tf.io.IOHandler {
  loadWithLimits?(limits: CheckpointLimits): Promise<tf.io.ModelArtifacts>;
  /** Human-readable location for messages (a path or URL). */
  readonly location?: string;
}

/** Where JSON-lines metrics go (a file in Node). */
export interface MetricsSink {
  write(record: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/** What `@gen/core/node` registers: the file-system side of checkpoints and metrics. */
export interface NodeCheckpointIO {
  folderHandler(path: string): CheckpointIOHandler;
  folderStore(dir: string): CheckpointStore;
  metricsFile(path: string): MetricsSink;
}

let nodeIO: NodeCheckpointIO | null = null;

/** Called by `@gen/core/node` when it is imported. Not part of the public API. */
export function registerNodeCheckpointIO(io: NodeCheckpointIO): void {
  nodeIO = io;
}

/** The registered Node file-system side, or a one-line error naming `argument`. */
export function requireNodeCheckpointIO(argument: string, value: string): NodeCheckpointIO {
  if (nodeIO === null) {
    throw new InvalidArgumentError(
      argument,
      value,
      "is a file path, which needs Node: import '@gen/core/node' (or pass a tf.io handler / a URL such as 'indexeddb://name')",
    );
  }
  return nodeIO;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Resolves a handler, URL or path to a tf.io handler with `save` (kind 'save') or `load`. */
export function resolveCheckpointHandler(
  target: tf.io.IOHandler | string,
  kind: 'save' | 'load',
  argument: string,
): CheckpointIOHandler {
  if (typeof target === 'string') {
    const scheme = SCHEME.exec(target)?.[1]?.toLowerCase();
    if (scheme === undefined || scheme === 'file') {
      const path = scheme === 'file' ? target.slice('file://'.length) : target;
      if (path.length === 0) throw new InvalidArgumentError(argument, target, 'must name a folder');
      return requireNodeCheckpointIO(argument, target).folderHandler(path);
    }
    const handlers = kind === 'save' ? tf.io.getSaveHandlers(target) : tf.io.getLoadHandlers(target);
    if (handlers.length !== 1) {
      throw new InvalidArgumentError(
        argument,
        target,
        handlers.length === 0
          ? `has no tf.io ${kind} handler registered for "${scheme}://" (built in: indexeddb://, localstorage:// in browsers, http(s)://)`
          : `matches ${handlers.length} tf.io ${kind} handlers; pass the handler itself`,
      );
    }
    return handlers[0] as CheckpointIOHandler;
  }
  if (typeof target !== 'object' || target === null || typeof target[kind] !== 'function') {
    throw new InvalidArgumentError(argument, target, `must be a tf.io.IOHandler with a ${kind}() method, a URL or a folder path`);
  }
  return target as CheckpointIOHandler;
}

/** Where a checkpoint lives, for messages. */
export function describeCheckpointTarget(target: tf.io.IOHandler | string, handler?: CheckpointIOHandler): string {
  if (typeof target === 'string') return handler?.location ?? target;
  return (target as CheckpointIOHandler).location ?? 'the given tf.io handler';
}
