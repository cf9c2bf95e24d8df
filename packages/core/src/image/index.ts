// Public API of the image module (explicit named exports only). Browser-safe: PNG
// encoding and files live in ./node (exported by @gen/core/node).
export { toUint8Pixels, toUint8PixelsSync, toImageData, pixelsToImageData } from './pixels';
export type { PixelImage, ToPixelsOptions, ImageDataLike } from './pixels';
export { makeGrid, gridLayout } from './make-grid';
export type { GridOptions, GridLayout } from './make-grid';
export { interpolationStrip, interpolateLatents } from './interpolation-strip';
export type { InterpolateLatentsOptions } from './interpolation-strip';
export { resizeBilinear } from './resize';
