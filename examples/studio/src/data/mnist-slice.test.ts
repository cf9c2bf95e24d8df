import { decodeMnistSlice } from './mnist-slice';

/** The layout make-mnist-slice.ts writes, built by hand: "GMN1" · count · height · width · pixels · labels. */
function slice(count: number, height: number, width: number, pixels: number[], labels: number[], magic = 'GMN1'): ArrayBuffer {
  const bytes = new Uint8Array(16 + pixels.length + labels.length);
  bytes.set([...magic].map((c) => c.charCodeAt(0)), 0);
  const view = new DataView(bytes.buffer);
  view.setUint32(4, count, true);
  view.setUint32(8, height, true);
  view.setUint32(12, width, true);
  bytes.set(pixels, 16);
  bytes.set(labels, 16 + pixels.length);
  return bytes.buffer;
}

describe('decodeMnistSlice', () => {
  it('maps bytes to [0, 1] image-major and keeps the labels', () => {
    const pixels = [0, 255, 51, 102, 7, 8, 9, 10];
    const dataset = decodeMnistSlice(slice(2, 2, 2, pixels, [3, 9]));
    expect(dataset).toMatchObject({ size: 2, height: 2, width: 2, channels: 1, skipped: 0 });
    expect(Array.from(dataset.images)).toEqual(pixels.map((p) => Math.fround(p / 255)));
    expect(Array.from(dataset.labels)).toEqual([3, 9]);
    expect(dataset.classNames).toHaveLength(10);
  });

  it('refuses other files and wrong sizes with one-line errors', () => {
    expect(() => decodeMnistSlice(slice(1, 1, 1, [0], [0], 'PNG!'), 'x.bin')).toThrow('x.bin is not an MNIST slice (magic "PNG!", expected "GMN1")');
    expect(() => decodeMnistSlice(slice(2, 2, 2, [0, 0, 0], [0, 0]), 'x.bin')).toThrow('x.bin holds 21 bytes, expected 26 for 2 images of 2×2');
    expect(() => decodeMnistSlice(slice(1, 1, 1, [0], [10]), 'x.bin')).toThrow('x.bin has a label outside 0–9');
    expect(() => decodeMnistSlice(new ArrayBuffer(3), 'x.bin')).toThrow('x.bin is too short to be an MNIST slice (3 bytes)');
  });
});
