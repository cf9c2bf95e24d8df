/**
 * The part of `Generator` (packages/core/src/random) that the data module draws from.
 * Written structurally so data code depends on behaviour, not on one class: any object
 * with these methods works, and the real `Generator` satisfies it.
 *
 * `fork(label)` must be a pure function of the generator's seed and `label` (the
 * counter-based generator's contract): `DataLoader` forks one child per epoch and per
 * step, which is what makes `batchAt(step)` independent of which steps ran before.
 */
export interface GeneratorLike {
  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): Int32Array;
  /** `n` independent draws from U[0, 1). */
  uniformArray(n: number): ArrayLike<number>;
  /** An independent child stream named `label`. */
  fork(label: string): GeneratorLike;
}
