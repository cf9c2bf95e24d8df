/**
 * Bilinear resize of one image held as a flat `[H, W, C]` array, with half-pixel centres
 * (the convention of tf.image.resizeBilinear's `halfPixelCenters: true`, PIL and OpenCV).
 * Pure JavaScript so loaders can resize without a tfjs backend.
 */
export function resizeBilinear(
  source: ArrayLike<number>,
  height: number,
  width: number,
  channels: number,
  outHeight: number,
  outWidth: number,
): Float32Array {
  const out = new Float32Array(outHeight * outWidth * channels);
  const scaleY = height / outHeight;
  const scaleX = width / outWidth;
  for (let y = 0; y < outHeight; y++) {
    const sy = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), height - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, height - 1);
    const fy = sy - y0;
    for (let x = 0; x < outWidth; x++) {
      const sx = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), width - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, width - 1);
      const fx = sx - x0;
      for (let c = 0; c < channels; c++) {
        const top = source[(y0 * width + x0) * channels + c] * (1 - fx) + source[(y0 * width + x1) * channels + c] * fx;
        const bottom = source[(y1 * width + x0) * channels + c] * (1 - fx) + source[(y1 * width + x1) * channels + c] * fx;
        out[(y * outWidth + x) * channels + c] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}
