// Splitting a global batch over replicas and averaging their gradients (pure functions).

/**
 * `[start, end)` of each replica's shard: contiguous, in replica order, sizes differing by
 * at most one (the first `B mod n` replicas get one more). With fewer samples than
 * replicas the last shards are empty (`start === end`).
 */
export function splitBatch(globalBatchSize: number, replicas: number): Array<[number, number]> {
  const base = Math.floor(globalBatchSize / replicas);
  const extra = globalBatchSize % replicas;
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let r = 0; r < replicas; r++) {
    const end = start + base + (r < extra ? 1 : 0);
    out.push([start, end]);
    start = end;
  }
  return out;
}

/**
 * `target[k] = Σ_r weights[r] · grads[r·size + k]` for `k` in each `[offset, offset + length)`
 * of `ranges`, summed in float64 in replica order (0, 1, …) and rounded once to float32, so
 * the result does not depend on timing. Replicas with weight 0 are skipped (their slots may
 * hold stale values).
 */
export function weightedAverageInto(
  target: Float32Array,
  grads: Float32Array,
  size: number,
  weights: number[],
  ranges: Array<[number, number]>,
): void {
  const active = weights.map((w, r) => [w, r] as const).filter(([w]) => w > 0);
  if (active.length === 2) {
    // The common two-replica case, without the inner loop.
    const [[w0, r0], [w1, r1]] = active;
    const g0 = grads.subarray(r0 * size, (r0 + 1) * size);
    const g1 = grads.subarray(r1 * size, (r1 + 1) * size);
    for (const [offset, length] of ranges) {
      for (let k = offset, end = offset + length; k < end; k++) target[k] = w0 * g0[k] + w1 * g1[k];
    }
    return;
  }
  for (const [offset, length] of ranges) {
    for (let k = offset, end = offset + length; k < end; k++) {
      let sum = 0;
      for (const [w, r] of active) sum += w * grads[r * size + k];
      target[k] = sum;
    }
  }
}

/** Contiguous `[offset, length]` runs covering the present parameters. */
export function presentRanges(present: number[], offsets: number[], sizes: number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const i of present) {
    const last = out[out.length - 1];
    if (last && last[0] + last[1] === offsets[i]) last[1] += sizes[i];
    else out.push([offsets[i], sizes[i]]);
  }
  return out;
}
