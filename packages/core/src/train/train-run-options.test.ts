import { trainRunLoopOptions } from './train-run-options';

describe('trainRunLoopOptions', () => {
  const base = { checkpointEvery: 50, keep: 2, checkpointConfig: { family: 'x' }, resume: true, logEvery: 5 };

  it('checkpoints to the folder when one is given (it wins over a handler), else to the handler, else nowhere', () => {
    expect(trainRunLoopOptions({ ...base, checkpointDir: '/runs/a', checkpointHandler: 'indexeddb://a' }).checkpoint).toEqual({ dir: '/runs/a', every: 50, keep: 2, config: { family: 'x' } });
    expect(trainRunLoopOptions({ ...base, checkpointHandler: 'indexeddb://a' }).checkpoint).toEqual({ handler: 'indexeddb://a', every: 50, keep: 2, config: { family: 'x' } });
    expect(trainRunLoopOptions(base).checkpoint).toBeUndefined();
  });

  it('passes the run controls through unchanged', () => {
    const signal = new AbortController().signal;
    const onProgress = () => undefined;
    const onMetrics = () => undefined;
    expect(trainRunLoopOptions({ ...base, signal, onProgress, onMetrics, metricsFile: 'm.jsonl' })).toMatchObject({ resume: true, signal, onProgress, onMetrics, logEvery: 5, metricsFile: 'm.jsonl' });
  });
});
