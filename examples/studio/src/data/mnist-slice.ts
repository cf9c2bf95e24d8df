// Decodes the MNIST slice that scripts/studio/make-mnist-slice.ts writes at build time
// ("GMN1" · count · height · width · uint8 pixels · uint8 labels, little-endian) into an
// ImageDataset of @gen/core.
import { GenError, type ImageDataset } from '@gen/core';

export const MNIST_SLICE_URL = 'data/mnist-train.bin';
const HEADER_BYTES = 16;

export function decodeMnistSlice(buffer: ArrayBuffer, where = MNIST_SLICE_URL): ImageDataset {
  if (buffer.byteLength < HEADER_BYTES) throw new GenError(`${where} is too short to be an MNIST slice (${buffer.byteLength} bytes)`);
  const view = new DataView(buffer);
  const magic = String.fromCharCode(...new Uint8Array(buffer, 0, 4));
  if (magic !== 'GMN1') throw new GenError(`${where} is not an MNIST slice (magic "${magic}", expected "GMN1")`);
  const size = view.getUint32(4, true);
  const height = view.getUint32(8, true);
  const width = view.getUint32(12, true);
  const pixels = size * height * width;
  if (buffer.byteLength !== HEADER_BYTES + pixels + size) {
    throw new GenError(`${where} holds ${buffer.byteLength} bytes, expected ${HEADER_BYTES + pixels + size} for ${size} images of ${height}×${width}`);
  }
  const bytes = new Uint8Array(buffer, HEADER_BYTES, pixels);
  const images = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) images[i] = bytes[i] / 255;
  const labels = Int32Array.from(new Uint8Array(buffer, HEADER_BYTES + pixels, size));
  if (labels.some((label) => label > 9)) throw new GenError(`${where} has a label outside 0–9`);
  return { name: 'mnist/train-slice', images, labels, size, height, width, channels: 1, classNames: Array.from({ length: 10 }, (_, k) => String(k)), skipped: 0 };
}

export async function fetchMnistSlice(url = MNIST_SLICE_URL): Promise<ImageDataset> {
  const response = await fetch(url);
  if (!response.ok) throw new GenError(`${url}: HTTP ${response.status} (run the studio build, which writes it)`);
  return decodeMnistSlice(await response.arrayBuffer(), url);
}
