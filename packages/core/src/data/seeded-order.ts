// A tiny, frozen, integer-hash ordering used for *fixed* splits and orders that must
// never change between versions of @gen/core (the documented MNIST split, splitDataset's
// `seed`). Random draws in training go through `Generator`; this is deliberately separate
// so that improving the generator can never silently move an image between train and test.

/** lowbias32 integer finaliser (C. Wellons, "Prospecting for hash functions"). */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** 32-bit FNV-1a of a string. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** hash32(seed, stream, index): a stable pseudo-random 32-bit key. */
export function seededKey(seed: number, stream: string, index: number): number {
  return mix32(mix32((seed >>> 0) ^ hashString(stream)) ^ mix32(index >>> 0));
}

/**
 * A permutation of 0..n-1 ordered by `seededKey(seed, stream, i)` (ties by index): the
 * same `(seed, stream, n)` gives the same order in every version, on every platform.
 */
export function seededOrder(n: number, seed: number, stream: string): Int32Array {
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) keys[i] = seededKey(seed, stream, i);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((a, b) => keys[a] - keys[b] || a - b);
}
