// The CLIP a checkpoint names, loaded and checked against it: a text-conditioned UNet or an unCLIP
// decoder only works with the CLIP it was trained with, and a mismatch must say which CLIP it was.
import type * as tf from '@tensorflow/tfjs-core';
import { GenError } from '@gen/core';
import { loadClip, type LoadedClip } from '@gen/clip-guidance';

/** Loads the CLIP at `source` and runs `check` on it; a failed check is one line naming `clipName`, and leaves nothing loaded. */
export async function loadCheckedClip(source: tf.io.IOHandler, clipName: string, check: (clip: LoadedClip) => void): Promise<LoadedClip> {
  const clip = await loadClip(source);
  try {
    check(clip);
    return clip;
  } catch (error) {
    clip.dispose();
    throw new GenError(`${clipName}: ${(error as Error).message}`);
  }
}
