// A variation that lands within `redrawBelow` RMS pixels of its reference is a copy, not a
// variation. Copies are rare but real (a plain "1" has few ways to be drawn), and no amount of
// decoder guidance removes them without also losing the class; so the rows that copy are drawn
// again from fresh noise, a bounded number of rounds, and every caller gets the distances.
import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, Generator, InvalidArgumentError } from '@gen/core';

/** Rounds of redrawing at most, by default. */
export const DEFAULT_MAX_REDRAWS = 4;

/** Throws unless `redrawBelow` is a finite number >= 0 and `maxRedraws` a whole number >= 0 (checked before any drawing). */
export function checkRedrawOptions(redrawBelow: unknown, maxRedraws: unknown): void {
  if (typeof redrawBelow !== 'number' || !(redrawBelow >= 0) || !Number.isFinite(redrawBelow)) {
    throw new InvalidArgumentError('redrawBelow', redrawBelow, 'must be a finite number >= 0 (RMS pixel distance; 0 keeps every variation)');
  }
  if (maxRedraws !== 0) checkPositiveInteger('maxRedraws', maxRedraws as number);
}

/** Options of {@link redrawCopies}. */
export interface RedrawCopiesOptions {
  /** `[1, H, W, C]` the reference in [0, 1]. */
  reference: tf.Tensor4D;
  /** `[n, H, W, C]` the first draw in [0, 1]; redrawCopies owns (and disposes) it. */
  images: tf.Tensor4D;
  /** RMS pixel distance below which a row is a copy and drawn again (0: keep every row). */
  redrawBelow: number;
  /** Rounds of redrawing at most (default DEFAULT_MAX_REDRAWS = 4); rows still closer after them are kept as they are. */
  maxRedraws?: number;
  /** Round r draws with `generator.fork('redraw/r')`. */
  generator: Generator;
  /** `count` fresh rows `[count, H, W, C]` in [0, 1] (redrawCopies disposes them). */
  draw: (count: number, generator: Generator) => Promise<tf.Tensor4D>;
}

/** What {@link redrawCopies} returns. */
export interface RedrawCopiesResult {
  /** `[n, H, W, C]`: no row closer than redrawBelow unless it stayed so after maxRedraws; the caller disposes it. */
  images: tf.Tensor4D;
  /** RMS pixel distance of each returned row to the reference. */
  distances: number[];
  /** Rows drawn again, over all rounds. */
  redrawn: number;
  /** Rows still closer than redrawBelow after the last round. */
  copiesLeft: number;
}

/** RMS pixel distance of each row of `images` `[n, H, W, C]` to `reference` (`[H, W, C]` or `[1, H, W, C]`). */
export async function rmsDistances(images: tf.Tensor, reference: tf.Tensor): Promise<number[]> {
  const distances = tf.tidy(() => {
    const ref = reference.rank === 3 ? tf.expandDims(reference, 0) : reference;
    return tf.sqrt(tf.mean(tf.square(tf.sub(images, ref)), [1, 2, 3]));
  });
  try {
    return Array.from(await distances.data());
  } finally {
    distances.dispose();
  }
}

/** Draws again, from fresh noise, the rows of `images` that copy the reference (see the file's header). */
export async function redrawCopies(options: RedrawCopiesOptions): Promise<RedrawCopiesResult> {
  const { reference, redrawBelow, maxRedraws = DEFAULT_MAX_REDRAWS, generator, draw } = options;
  let images = options.images;
  try {
    checkRedrawOptions(redrawBelow, maxRedraws);
    if (!(generator instanceof Generator)) throw new InvalidArgumentError('generator', generator, 'must be a Generator');
    const distances = await rmsDistances(images, reference);
    let redrawn = 0;
    for (let round = 0; round < maxRedraws; round++) {
      const rows = distances.flatMap((distance, row) => (distance < redrawBelow ? [row] : []));
      if (rows.length === 0) break;
      const fresh = await draw(rows.length, generator.fork(`redraw/${round}`));
      try {
        if (!(fresh instanceof tf.Tensor) || !tf.util.arraysEqual(fresh.shape, [rows.length, ...images.shape.slice(1)])) {
          throw new InvalidArgumentError('draw', fresh instanceof tf.Tensor ? `shape [${fresh.shape.join(', ')}]` : fresh, `must return [${rows.length}, ${images.shape.slice(1).join(', ')}]`);
        }
        const freshDistances = await rmsDistances(fresh, reference);
        const replaced = tf.tidy(() => {
          // Row i takes fresh row k when rows[k] = i: one gather over [images ; fresh].
          const source = Array.from({ length: images.shape[0] }, (_, i) => i);
          rows.forEach((row, k) => (source[row] = images.shape[0] + k));
          return tf.gather(tf.concat([images, fresh]), source) as tf.Tensor4D;
        });
        images.dispose();
        images = replaced;
        rows.forEach((row, k) => (distances[row] = freshDistances[k]));
        redrawn += rows.length;
      } finally {
        if (fresh instanceof tf.Tensor) fresh.dispose();
      }
    }
    const copiesLeft = distances.filter((distance) => distance < redrawBelow).length;
    return { images, distances, redrawn, copiesLeft };
  } catch (error) {
    images.dispose();
    throw error;
  }
}
