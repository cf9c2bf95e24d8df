import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends, memoryIOHandler } from '@gen/core/testing';
import { trainLoop } from './train-loop';
import { makeRegression, regressionStep, snapshot } from './__fixtures__/linear-regression';

describeWithBackends('trainLoop with a tf.io handler', () => {
  it('resumes bit-exactly from a handler checkpoint and leaves numTensors flat', async () => {
    const straight = makeRegression();
    const before = tf.memory().numTensors;
    await trainLoop({ totalSteps: 6, step: regressionStep(straight), state: straight.state, logEvery: 2 });
    expect(tf.memory().numTensors).toBe(before);

    const handler = memoryIOHandler();
    const first = makeRegression();
    const stopped = await trainLoop({
      totalSteps: 3,
      step: regressionStep(first),
      state: first.state,
      checkpoint: { handler, every: 2 },
    });
    expect(stopped).toMatchObject({ steps: 3, stoppedBy: 'done', lastCheckpoint: { step: 3, location: 'the given tf.io handler' } });
    const second = makeRegression(0.5);
    const resumed = await trainLoop({
      totalSteps: 6,
      step: regressionStep(second),
      state: second.state,
      checkpoint: { handler, every: 2 },
      resume: true,
    });
    expect(resumed).toMatchObject({ steps: 6, stoppedBy: 'done' });
    expect(await snapshot(second)).toEqual(await snapshot(straight));
    [straight, first, second].forEach((run) => run.dispose());
  });
});

describeWithBackends('trainLoop and the event loop', () => {
  it('stops on an abort fired from a timer even when every step resolves as a microtask (Ctrl-C handlers are macrotasks too)', async () => {
    const model = makeRegression(3);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 0);
    let steps = 0;
    const summary = await trainLoop({
      totalSteps: 100_000,
      // Synchronous work and an already-resolved promise: nothing here gives the event loop a turn.
      step: async (context) => {
        steps += 1;
        return regressionStep(model)(context);
      },
      state: model.state,
      logEvery: 100_000,
      signal: controller.signal,
    });
    expect(summary.stoppedBy).toBe('aborted');
    expect(steps).toBeLessThan(100);
  });
});
