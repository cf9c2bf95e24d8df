import { ProgressBar } from './progress-bar';

function recorder(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { write: (text: string) => writes.push(text), isTTY }, writes };
}

describe('ProgressBar', () => {
  test('on a terminal it redraws one line in place and ends it once', () => {
    const { stream, writes } = recorder(true);
    let clock = 0;
    const bar = new ProgressBar({ total: 4, label: 'train', stream, now: () => clock });
    clock = 1000;
    bar.tick(1, 'loss 0.5');
    bar.tick(1);
    bar.done();
    expect(writes.every((w, i) => (i === writes.length - 1 ? w === '\n' : w.startsWith('\r')))).toBe(true);
    expect(writes[0]).toBe('\rtrain [#####---------------] 25% 1/4 1.0s eta 3.0s  loss 0.5');
    expect(writes.join('')).not.toMatch(/\n.*\n/);
  });

  test('elsewhere it prints plain lines every 10 % (or 10 s) and a final one', () => {
    const { stream, writes } = recorder(false);
    let clock = 0;
    const bar = new ProgressBar({ total: 100, label: 'bench', stream, now: () => clock });
    for (let i = 0; i < 100; i++) {
      clock += 10;
      bar.tick();
    }
    bar.done();
    expect(writes.every((w) => w.endsWith('\n') && !w.includes('\r'))).toBe(true);
    expect(writes.length).toBe(10);
    expect(writes[0]).toMatch(/^bench 10% 10\/100 /);
    expect(writes[writes.length - 1]).toMatch(/^bench 100% 100\/100 /);
  });

  test('done(info, current) ends where an interrupted run stopped, not at 100 %', () => {
    const { stream, writes } = recorder(false);
    const bar = new ProgressBar({ total: 900, label: 'train', stream, now: () => 0 });
    bar.update(300);
    bar.done(undefined, 300);
    expect(writes.at(-1)).toMatch(/^train 33% 300\/900 /);
    bar.done();
    expect(writes.filter((w) => w.startsWith('train 100%'))).toEqual([]);
  });

  test('plain mode also prints when 10 s pass without 10 % of progress', () => {
    const { stream, writes } = recorder(false);
    let clock = 0;
    const bar = new ProgressBar({ total: 1000, stream, now: () => clock });
    clock = 11_000;
    bar.tick();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^0% 1\/1000 11s eta \d+m\d\ds\n$/);
  });

  test('log() writes above the bar on a terminal', () => {
    const { stream, writes } = recorder(true);
    const bar = new ProgressBar({ total: 2, stream, now: () => 0 });
    bar.tick();
    bar.log('cpu matmul-512: 3.1 GFLOP/s');
    expect(writes.join('')).toContain('cpu matmul-512: 3.1 GFLOP/s\n\r');
  });
});
