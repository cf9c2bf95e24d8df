import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { corruptTextRows, nullTextRows } from '@gen/transformer';

// Rows of textLength 6: [bos, tokens…, eos, pad…]; ids 0–2 are pad, bos, eos.
const ROWS = Int32Array.from([1, 10, 11, 12, 2, 0, 1, 20, 2, 0, 0, 0]);

describe('text rows', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('nullTextRows is the empty caption [bos, eos, pad…]; bad sizes are one line', async () => {
    const rows = nullTextRows(2, 4);
    expect(rows.dtype).toBe('int32');
    expect(await rows.array()).toEqual([
      [1, 2, 0, 0],
      [1, 2, 0, 0],
    ]);
    rows.dispose();
    expect(() => nullTextRows(1, 1)).toThrow('textLength (1) must be an integer >= 2 (bos and eos)');
  });

  it('corruptTextRows: no corruption is a copy; drop 1 gives null rows; noise touches caption tokens only, with non-special ids; deterministic in the generator', () => {
    const vocab = { vocabSize: 40 };
    const copy = corruptTextRows(ROWS, 6, { dropProb: 0, noiseProb: 0, ...vocab }, new Generator(1));
    expect(Array.from(copy)).toEqual(Array.from(ROWS));
    expect(copy).not.toBe(ROWS);
    // dropProb just below 1: every uniform in [0, 1) is below it except a vanishing set.
    const dropped = corruptTextRows(ROWS, 6, { dropProb: 0.999999, noiseProb: 0, ...vocab }, new Generator(1));
    expect(Array.from(dropped)).toEqual([1, 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0]);
    const noisy = corruptTextRows(ROWS, 6, { dropProb: 0, noiseProb: 0.999999, ...vocab }, new Generator(2));
    for (let j = 0; j < ROWS.length; j++) {
      if (ROWS[j] < 3) expect(noisy[j]).toBe(ROWS[j]); // bos, eos and pad stay
      else expect(noisy[j] >= 3 && noisy[j] < 40).toBe(true);
    }
    expect(Array.from(noisy)).not.toEqual(Array.from(ROWS));
    expect(Array.from(corruptTextRows(ROWS, 6, { dropProb: 0.3, noiseProb: 0.3, ...vocab }, new Generator(3)))).toEqual(
      Array.from(corruptTextRows(ROWS, 6, { dropProb: 0.3, noiseProb: 0.3, ...vocab }, new Generator(3))),
    );
  });

  it('corruptTextRows: the drop and noise rates are what was asked (10,000 rows)', () => {
    const rows = new Int32Array(10000 * 6);
    for (let r = 0; r < 10000; r++) rows.set([1, 10, 11, 12, 2, 0], r * 6);
    const out = corruptTextRows(rows, 6, { dropProb: 0.1, noiseProb: 0.2, vocabSize: 1000 }, new Generator(4));
    let dropped = 0;
    let changed = 0;
    let kept = 0;
    for (let r = 0; r < 10000; r++) {
      const row = out.subarray(r * 6, r * 6 + 6);
      if (row[1] === 2) {
        dropped += 1;
        continue;
      }
      kept += 1;
      for (const j of [1, 2, 3]) if (row[j] !== rows[r * 6 + j]) changed += 1;
    }
    // Binomial: 3 standard deviations.
    expect(Math.abs(dropped / 10000 - 0.1)).toBeLessThan(3 * Math.sqrt(0.09 / 10000));
    // A replaced token can draw its own id back (1 in 997): the change rate is 0.2 · 996/997.
    expect(Math.abs(changed / (3 * kept) - 0.2 * (996 / 997))).toBeLessThan(3 * Math.sqrt(0.16 / (3 * kept)));
  });

  it('bad options are one line', () => {
    expect(() => corruptTextRows(ROWS, 6, { dropProb: 1, noiseProb: 0, vocabSize: 40 }, new Generator(1))).toThrow('dropProb (1) must be a number in [0, 1)');
    expect(() => corruptTextRows(ROWS, 6, { dropProb: 0, noiseProb: -0.1, vocabSize: 40 }, new Generator(1))).toThrow('noiseProb (-0.1) must be a number in [0, 1)');
    expect(() => corruptTextRows(ROWS, 5, { dropProb: 0, noiseProb: 0, vocabSize: 40 }, new Generator(1))).toThrow('rows (12) must hold whole rows of 5 ids');
    expect(() => corruptTextRows(ROWS, 6, { dropProb: 0, noiseProb: 0, vocabSize: 3 }, new Generator(1))).toThrow('vocabSize (3) must be an integer > 3 (the special tokens)');
  });
});
