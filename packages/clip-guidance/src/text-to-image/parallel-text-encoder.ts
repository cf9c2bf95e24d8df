// How trainTextToImage (browser-safe) reaches data-parallel training: a worker thread cannot get
// its CLIP as an object, so it gets a recipe; '@gen/clip-guidance/node' registers the function
// that makes one (textEncoderRecipe) when imported, as '@gen/diffusion/node' registers its runner.
import type { HookRecipe } from '@gen/diffusion';
import type { CaptionTextEncoderOptions } from './caption-text-encoder';

/** Makes the `encodeText` recipe every thread builds the caption text encoder from. */
export type TextEncoderRecipeMaker = (options: CaptionTextEncoderOptions) => HookRecipe;

let registered: TextEncoderRecipeMaker | null = null;

/** Called by '@gen/clip-guidance/node'. */
export function registerTextEncoderRecipe(maker: TextEncoderRecipeMaker): void {
  registered = maker;
}

/** The registered maker, or null (in a browser, or before '@gen/clip-guidance/node' is imported). */
export function textEncoderRecipeMaker(): TextEncoderRecipeMaker | null {
  return registered;
}
