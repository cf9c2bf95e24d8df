// A fast reader for the dataset packages' files, `{"data": [...]}` holding either one flat
// array of numbers (`mnist`) or one array of numbers per image (`fashion-mnist`).
// JSON.parse of Fashion-MNIST's 155 MB builds 55 million boxed values and takes most of
// the load time; this scanner walks the bytes once and hands each record over as a
// Float64Array view. It understands exactly that shape (plain decimal numbers, no
// exponents) and returns `undefined` on anything else, so the caller can fall back to
// JSON.parse, which handles every other (malformed) file generically.

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** What a file holds: flat values, or one array per record. */
export type ScannedData = { kind: 'flat'; values: Float64Array } | { kind: 'rows'; count: number };

const KEY = [0x22, 0x64, 0x61, 0x74, 0x61, 0x22]; // "data"

/**
 * Scans `{"data": [...]}`. For an array of arrays, calls `onRow(values)` per inner array
 * (the view is reused: copy what you keep) and returns `{ kind: 'rows' }`; for a flat
 * array returns its values. Returns `undefined` when the bytes are not in that simple form.
 */
export function scanDataJson(bytes: Uint8Array, onRow: (values: Float64Array) => void): ScannedData | undefined {
  const n = bytes.length;
  let pos = skipSpace(bytes, 0);
  // 1. `{ "data" :` (the only key), then `[`.
  if (bytes[pos++] !== 0x7b) return undefined;
  pos = skipSpace(bytes, pos);
  for (const k of KEY) if (bytes[pos++] !== k) return undefined;
  pos = skipSpace(bytes, pos);
  if (bytes[pos++] !== 0x3a) return undefined;
  pos = skipSpace(bytes, pos);
  if (bytes[pos] !== OPEN) return undefined;
  const reader = new ArrayReader(bytes);
  let result: ScannedData;
  if (bytes[skipSpace(bytes, pos + 1)] === OPEN) {
    // 2a. Array of arrays.
    pos = skipSpace(bytes, pos + 1);
    let count = 0;
    for (;;) {
      if (bytes[pos] !== OPEN) return undefined;
      pos = reader.read(pos);
      if (pos < 0) return undefined;
      onRow(reader.values.subarray(0, reader.length));
      count++;
      pos = skipSpace(bytes, pos);
      const c = bytes[pos++];
      if (c === CLOSE) break;
      if (c !== COMMA) return undefined;
      pos = skipSpace(bytes, pos);
    }
    result = { kind: 'rows', count };
  } else {
    // 2b. Flat array.
    pos = reader.read(pos);
    if (pos < 0) return undefined;
    result = { kind: 'flat', values: reader.values.slice(0, reader.length) };
  }
  // 3. `}` and nothing but space after it.
  pos = skipSpace(bytes, pos);
  if (bytes[pos++] !== 0x7d) return undefined;
  return skipSpace(bytes, pos) === n ? result : undefined;
}

function skipSpace(bytes: Uint8Array, pos: number): number {
  const n = bytes.length;
  while (pos < n) {
    const c = bytes[pos];
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
    pos++;
  }
  return pos;
}

/** Reads one `[n, n, ...]` of plain decimal numbers into a reusable buffer. */
class ArrayReader {
  values = new Float64Array(1024);
  length = 0;
  constructor(private readonly bytes: Uint8Array) {}

  /** Reads the array starting at `pos` (a `[`); returns the position after its `]`, or -1. */
  read(pos: number): number {
    const bytes = this.bytes;
    let values = this.values;
    let length = 0;
    pos = skipSpace(bytes, pos + 1);
    if (bytes[pos] === CLOSE) {
      this.length = 0;
      return pos + 1;
    }
    for (;;) {
      // A plain decimal number: -?digits(.digits)?
      let negative = false;
      let c = bytes[pos];
      if (c === MINUS) {
        negative = true;
        c = bytes[++pos];
      }
      let mantissa = 0;
      let digits = 0;
      let decimals = 0;
      while (c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        c = bytes[++pos];
      }
      if (digits === 0) return -1;
      if (c === DOT) {
        c = bytes[++pos];
        while (c >= ZERO && c <= NINE) {
          mantissa = mantissa * 10 + (c - ZERO);
          digits++;
          decimals++;
          c = bytes[++pos];
        }
        if (decimals === 0) return -1;
      }
      // ≤ 15 significant digits and ≤ 22 decimals: mantissa and 10^decimals are exact
      // doubles, so one division is correctly rounded, i.e. equal to JSON.parse's value.
      if (digits > 15 || decimals > 22 || c === 0x65 || c === 0x45) return -1;
      const magnitude = decimals === 0 ? mantissa : mantissa / POWERS_OF_TEN[decimals];
      if (length === values.length) {
        const grown = new Float64Array(values.length * 2);
        grown.set(values);
        values = this.values = grown;
      }
      values[length++] = negative ? -magnitude : magnitude;
      if (c === SPACE || c === LF || c === CR || c === TAB) {
        pos = skipSpace(bytes, pos);
        c = bytes[pos];
      }
      pos++;
      if (c === CLOSE) break;
      if (c !== COMMA) return -1;
      c = bytes[pos];
      if (c === SPACE || c === LF || c === CR || c === TAB) pos = skipSpace(bytes, pos);
    }
    this.length = length;
    return pos;
  }
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
