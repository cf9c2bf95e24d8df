// The per-layer key/value cache of a decoder-only transformer during sampling: the projected
// keys and values of every position fed so far, so the next token costs one step.
import * as tf from '@tensorflow/tfjs-core';
import type { nn } from '@gen/core';

/**
 * Keys and values of each layer, `[batch, heads, length, headDim]`, and the number of
 * positions they cover. Owned by the sampler: `update` replaces (and frees) the old tensors,
 * `dispose()` frees the rest.
 */
export class KeyValueCache {
  private entries: (nn.KeyValue | null)[];

  constructor(readonly layers: number) {
    this.entries = new Array<nn.KeyValue | null>(layers).fill(null);
  }

  /** Positions cached so far (0 before the first call). */
  get length(): number {
    const first = this.entries[0];
    return first ? (first.key.shape[2] as number) : 0;
  }

  /** The cached keys and values of layer `index` (null while empty). */
  layer(index: number): nn.KeyValue | null {
    return this.entries[index];
  }

  /** Replaces layer `index` with `present` (which extends the old entry) and frees the old tensors. */
  update(index: number, present: nn.KeyValue): void {
    const old = this.entries[index];
    this.entries[index] = { key: tf.keep(present.key), value: tf.keep(present.value) };
    if (old) tf.dispose([old.key, old.value]);
  }

  dispose(): void {
    for (const entry of this.entries) if (entry) tf.dispose([entry.key, entry.value]);
    this.entries = this.entries.map(() => null);
  }
}
