import { measureImage } from './image-attributes';

const H = 28;
const W = 28;

function image(points: Array<[number, number]>, value = 1): Float32Array {
  const pixels = new Float32Array(H * W);
  for (const [row, column] of points) pixels[row * W + column] = value;
  return pixels;
}

function rectangle(top: number, left: number, height: number, width: number): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (let r = top; r < top + height; r++) for (let c = left; c < left + width; c++) points.push([r, c]);
  return points;
}

describe('measureImage', () => {
  it('gives a w×L bar the stroke width wL/(w+L) and the size √(wL)', () => {
    for (const w of [1, 2, 3, 5]) {
      const a = measureImage(image(rectangle(4, 10, 20, w)), H, W)!;
      expect(a.strokeWidth).toBeCloseTo((w * 20) / (w + 20), 10);
      expect(a.size).toBeCloseTo(Math.sqrt(w * 20), 10);
    }
    // bolder strokes of the same length measure wider
    const thin = measureImage(image(rectangle(4, 10, 20, 2)), H, W)!.strokeWidth;
    const bold = measureImage(image(rectangle(4, 10, 20, 4)), H, W)!.strokeWidth;
    expect(bold).toBeGreaterThan(thin);
  });

  it('counts the image border as background for the edges', () => {
    const a = measureImage(image(rectangle(0, 0, 28, 2)), H, W)!; // touches three borders
    expect(a.strokeWidth).toBeCloseTo((2 * 56) / (2 * (28 + 2)), 10);
  });

  it('measures the slant of collinear strokes as their exact shear dx per pixel of height (top right = positive)', () => {
    // Pixels exactly on x = x0 + s·(y0 − y): every row for |s| = 1, every second row for |s| = 1/2.
    const right1 = Array.from({ length: 21 }, (_, k): [number, number] => [4 + k, 24 - k]);
    expect(measureImage(image(right1), H, W)!.slant).toBeCloseTo(1, 10);
    const rightHalf = Array.from({ length: 11 }, (_, k): [number, number] => [4 + 2 * k, 19 - k]);
    expect(measureImage(image(rightHalf), H, W)!.slant).toBeCloseTo(0.5, 10);
    const leftHalf = Array.from({ length: 11 }, (_, k): [number, number] => [4 + 2 * k, 9 + k]);
    expect(measureImage(image(leftHalf), H, W)!.slant).toBeCloseTo(-0.5, 10);
    expect(measureImage(image(rectangle(4, 13, 20, 2)), H, W)!.slant).toBeCloseTo(0, 10);
  });

  it('weights the slant and centroid by intensity, and averages channels', () => {
    // two pixels of weights 1 and 0.5: centroid at the weighted mean
    const pixels = image([[10, 10]]);
    pixels[20 * W + 16] = 0.5;
    const a = measureImage(pixels, H, W)!;
    expect(a.x).toBeCloseTo((10 + 0.5 * 16) / 1.5 - 13.5, 10);
    expect(a.y).toBeCloseTo((10 + 0.5 * 20) / 1.5 - 13.5, 10);
    // the line through them goes down-right: top leans left, slant = −(16 − 10)/(20 − 10)
    expect(a.slant).toBeCloseTo(-0.6, 10);
    // RGB copy with equal channels measures the same
    const rgb = new Float32Array(H * W * 3);
    for (let i = 0; i < H * W; i++) rgb.fill(pixels[i], 3 * i, 3 * i + 3);
    expect(measureImage(rgb, H, W, 3)).toEqual(a);
  });

  it('puts the centroid relative to the image centre', () => {
    const a = measureImage(image(rectangle(2, 3, 4, 4)), H, W)!;
    expect(a.x).toBeCloseTo(4.5 - 13.5, 10);
    expect(a.y).toBeCloseTo(3.5 - 13.5, 10);
  });

  it('reads the image at an offset and returns null for an image without ink', () => {
    const two = new Float32Array(2 * H * W);
    two.set(image(rectangle(4, 10, 20, 3)), H * W);
    expect(measureImage(two, H, W, 1, 0)).toBeNull();
    expect(measureImage(two, H, W, 1, H * W)!.size).toBeCloseTo(Math.sqrt(60), 10);
    expect(measureImage(image([[5, 5]], 0.4), H, W)).toBeNull();
  });

  it('rejects bad arguments with one-line errors', () => {
    expect(() => measureImage([] as unknown as Float32Array, H, W)).toThrow('pixels ([]) must be a Float32Array');
    expect(() => measureImage(new Float32Array(10), 0, W)).toThrow('height (0) must be a positive integer');
    expect(() => measureImage(new Float32Array(10), H, W)).toThrow('offset (0) must leave 784 values inside pixels (length 10)');
  });
});
