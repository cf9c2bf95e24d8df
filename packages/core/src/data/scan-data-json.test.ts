import { scanDataJson } from './scan-data-json';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

function scan(text: string): { result: ReturnType<typeof scanDataJson>; rows: number[][] } {
  const rows: number[][] = [];
  const result = scanDataJson(encode(text), (values) => rows.push(Array.from(values)));
  return { result, rows };
}

describe('scanDataJson', () => {
  it('reads one array per record exactly as JSON.parse does', () => {
    const text = '{"data":[[0,1,255],[],[ 3 , 4 ],\n[0.624,0.1,-2.5,12.000001]]}\n';
    const { result, rows } = scan(text);
    expect(result).toEqual({ kind: 'rows', count: 4 });
    expect(rows).toEqual(JSON.parse(text).data);
  });

  it('reads a flat array exactly as JSON.parse does', () => {
    const values = Array.from({ length: 3000 }, (_, i) => Math.round(((i * 7919) % 1000) / 1000 * 1000) / 1000);
    const text = `{ "data": [${values.join(',')}] }`;
    const { result } = scan(text);
    expect(result?.kind).toBe('flat');
    expect(Array.from((result as { values: Float64Array }).values)).toEqual(JSON.parse(text).data);
  });

  it('returns undefined for anything outside the simple form (the caller falls back to JSON.parse)', () => {
    for (const text of [
      '{"data":[[1,null]]}',
      '{"data":[1,"2"]}',
      '{"data":[1e3]}',
      '{"data":[1.]}',
      '{"data":[[1,2],3]}',
      '{"data":[1,2]',
      '{"data":[1,2]} x',
      '{"other":[1]}',
      '{"data":[0.1234567890123456]}',
      '[1,2]',
    ]) {
      expect(scan(text).result).toBeUndefined();
    }
  });
});
