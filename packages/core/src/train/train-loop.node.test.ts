import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { GenError } from '../errors';
import { loadCheckpointFromDir } from '../io/node';
import { trainLoop, type ProgressEvent } from './index';
import { makeRegression, regressionStep, snapshot, type Regression } from './__fixtures__/linear-regression';

let root: string;
const runs: Regression[] = [];
const fresh = (init = 0) => {
  const run = makeRegression(init);
  runs.push(run);
  return run;
};
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(async () => {
  root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'gen-train-'));
});
afterEach(async () => {
  runs.splice(0).forEach((run) => run.dispose());
  await fs.promises.rm(root, { recursive: true, force: true });
});

const folders = (dir: string) => fs.readdirSync(dir).filter((entry) => !entry.startsWith('.')).sort();

describe('trainLoop: exact resume (cpu)', () => {
  it('an aborted run resumed from its checkpoint ends bit-identical to an uninterrupted run', async () => {
    const straight = fresh();
    const whole = await trainLoop({
      totalSteps: 20,
      step: regressionStep(straight),
      state: straight.state,
      checkpoint: { dir: path.join(root, 'straight'), every: 5 },
      logEvery: 5,
    });
    expect(whole).toMatchObject({ steps: 20, stoppedBy: 'done', lastCheckpoint: { step: 20 } });

    const first = fresh();
    const controller = new AbortController();
    const dir = path.join(root, 'interrupted');
    const part1 = await trainLoop({
      totalSteps: 20,
      step: regressionStep(first),
      state: first.state,
      checkpoint: { dir, every: 5, keep: 2, config: { lr: 0.1 } },
      logEvery: 5,
      signal: controller.signal,
      callbacks: { onStepEnd: ({ step }) => (step === 8 ? controller.abort() : undefined) },
    });
    expect(part1).toMatchObject({ steps: 8, stoppedBy: 'aborted', lastCheckpoint: { step: 8, location: path.join(dir, 'step-00000008') } });
    expect(folders(dir)).toEqual(['step-00000005', 'step-00000008']);

    // A new process: different initial weights, RNG at another position — all restored.
    const second = fresh(0.7);
    second.rng.counter = 999;
    const part2 = await trainLoop({
      totalSteps: 20,
      step: regressionStep(second),
      state: second.state,
      checkpoint: { dir, every: 5, keep: 2, config: { lr: 0.1 } },
      logEvery: 5,
      resume: true,
    });
    expect(part2).toMatchObject({ steps: 20, stoppedBy: 'done', lastCheckpoint: { step: 20 } });
    expect(folders(dir)).toEqual(['step-00000015', 'step-00000020']);
    expect(await snapshot(second)).toEqual(await snapshot(straight));
    // The weights moved most of the way to w* = [1, -2, 0.5]: the comparison is of a real training run.
    const w = await straight.model.w.data();
    expect(Math.hypot(w[0] - 1, w[1] + 2, w[2] - 0.5)).toBeLessThan(0.5 * Math.hypot(1, 2, 0.5));

    const saved = await loadCheckpointFromDir(path.join(dir, 'step-00000020'));
    expect(saved.config).toEqual({ lr: 0.1 });
    expect(saved.metadata).toEqual({ trainLoop: { step: 20, totalSteps: 20, state: { rng: second.rng.getState() } } });
    expect(Object.keys(saved.tensors).sort()).toEqual(
      ['ema/b', 'ema/w', 'model/b', 'model/w', 'optimizer/iterations', 'optimizer/velocity/b', 'optimizer/velocity/w'],
    );
    tf.dispose(saved.tensors);
  });

  it('resume without a checkpoint starts at step 0; a finished run resumes to done at once', async () => {
    const run = fresh();
    const dir = path.join(root, 'run');
    expect(await trainLoop({ totalSteps: 3, step: regressionStep(run), state: run.state, checkpoint: { dir, every: 2 }, resume: true })).toMatchObject({
      steps: 3,
      stoppedBy: 'done',
      lastCheckpoint: { step: 3 },
    });
    const again = fresh();
    let calls = 0;
    const summary = await trainLoop({ totalSteps: 3, step: () => (calls++, { loss: tf.scalar(0) }), state: again.state, checkpoint: { dir, every: 2 }, resume: true });
    expect(summary).toMatchObject({ steps: 3, stoppedBy: 'done', lastCheckpoint: { step: 3 } });
    expect(calls).toBe(0);
  });

  it('refuses a checkpoint that does not match the state', async () => {
    const run = fresh();
    const dir = path.join(root, 'run');
    await trainLoop({ totalSteps: 2, step: regressionStep(run), state: run.state, checkpoint: { dir, every: 2 } });
    const other = fresh();
    await expect(
      trainLoop({ totalSteps: 4, step: regressionStep(other), state: { model: other.model, rng: other.rng }, checkpoint: { dir, every: 2 }, resume: true }),
    ).rejects.toThrow(`trainLoop resume: ${path.join(dir, 'step-00000002')} holds tensors of "optimizer", which options.state lacks (its Stateful parts: model)`);
  });
});

describe('trainLoop: NaN guard', () => {
  it('stops at a non-finite loss, names the step and loss, and keeps the last good checkpoint', async () => {
    const run = fresh();
    const dir = path.join(root, 'run');
    const summary = await trainLoop({
      totalSteps: 30,
      step: regressionStep(run, { corruptAt: 12 }),
      state: run.state,
      checkpoint: { dir, every: 5 },
      logEvery: 5,
    });
    expect(summary).toMatchObject({ steps: 15, stoppedBy: 'nan', lastCheckpoint: { step: 10 } });
    expect(summary.message).toBe(
      `trainLoop: loss "mse" is NaN at step 12; stopped after step 14, the last good checkpoint is step 10 at ${path.join(dir, 'step-00000010')}`,
    );
    expect(folders(dir)).toEqual(['step-00000005', 'step-00000010']);
    const good = await loadCheckpointFromDir(path.join(dir, 'step-00000010'));
    expect(Array.from(await good.tensors['model/w'].data()).every(Number.isFinite)).toBe(true);
    tf.dispose(good.tensors);
  });

  it('stops at a non-finite state tensor even when the losses look fine, before any checkpoint', async () => {
    const run = fresh();
    const summary = await trainLoop({
      totalSteps: 20,
      step: ({ step }) => {
        if (step === 3) run.model.w.assign(tf.fill([3, 1], Infinity));
        return { loss: tf.scalar(1) };
      },
      state: run.state,
      checkpoint: { dir: path.join(root, 'run'), every: 5 },
      logEvery: 5,
    });
    expect(summary).toMatchObject({ steps: 5, stoppedBy: 'nan', lastCheckpoint: null });
    expect(summary.message).toBe(
      'trainLoop: state tensor "model/w" is not finite after step 4 (losses were finite up to there; checked every 5 steps), no checkpoint was written',
    );
    expect(fs.existsSync(path.join(root, 'run'))).toBe(false);
  });
});

describe('trainLoop: tensor-leak guard and memory', () => {
  it('fails on a step that leaks, naming how many tensors leak per step', async () => {
    const leaked: tf.Tensor[] = [];
    const promise = trainLoop({
      totalSteps: 100,
      step: () => {
        leaked.push(tf.ones([2]), tf.ones([2])); // forgotten intermediates
        return { loss: tf.scalar(0.5) };
      },
      logEvery: 2,
    });
    await expect(promise).rejects.toThrow(
      /^trainLoop: 2 tensors leaked per step \(tf\.memory\(\)\.numTensors grew from (\d+) to (\d+) over steps 2–8\); dispose what step\(\) and the callbacks create \(wrap them in tf\.tidy\), or raise leakGuard\.tolerance$/,
    );
    await promise.catch((error) => expect(GenError.isInstance(error)).toBe(true));
    expect(leaked.length).toBe(16);
    tf.dispose(leaked);
  });

  it('keeps numTensors flat across 50 steps with logging, checkpoints and callbacks', async () => {
    const run = fresh();
    const before = tf.memory().numTensors;
    const summary = await trainLoop({
      totalSteps: 50,
      step: regressionStep(run),
      state: run.state,
      checkpoint: { dir: path.join(root, 'run'), every: 10, keep: 1 },
      logEvery: 5,
      callbacks: { periodic: [{ every: 25, run: () => tf.tidy(() => void tf.matMul(run.model.w, run.model.w, true)) }] },
    });
    expect(summary.stoppedBy).toBe('done');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('trainLoop: progress, metrics and callbacks', () => {
  it('reports progress and JSON-lines metrics every logEvery steps and at the end', async () => {
    const run = fresh();
    const events: ProgressEvent[] = [];
    const checkpoints: number[] = [];
    const periodic: number[] = [];
    const metricsFile = path.join(root, 'logs', 'metrics.jsonl');
    await trainLoop({
      totalSteps: 12,
      step: regressionStep(run),
      state: run.state,
      logEvery: 5,
      metricsFile,
      onProgress: (event) => void events.push(event),
      checkpoint: { dir: path.join(root, 'run'), every: 4 },
      callbacks: { onCheckpoint: ({ step }) => void checkpoints.push(step), periodic: [{ every: 6, run: ({ step }) => void periodic.push(step) }] },
    });
    expect(events.map((event) => event.step)).toEqual([4, 5, 8, 10, 12]);
    expect(events.every((event) => event.totalSteps === 12 && event.losses.mse > 0 && event.stepsPerSecond > 0)).toBe(true);
    expect(events[events.length - 1].eta).toBe(0);
    expect(checkpoints).toEqual([4, 8, 12]);
    expect(periodic).toEqual([6, 12]);
    const lines = fs.readFileSync(metricsFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.step)).toEqual([4, 5, 8, 10, 12]);
    expect(Object.keys(lines[0]).sort()).toEqual(['elapsed', 'losses', 'step', 'stepsPerSecond']);
  });

  it('stops cleanly on an AbortSignal and writes a final checkpoint', async () => {
    const run = fresh();
    const controller = new AbortController();
    const summary = await trainLoop({
      totalSteps: 100,
      step: (context) => {
        if (context.step === 6) controller.abort();
        return regressionStep(run)(context);
      },
      state: run.state,
      checkpoint: { dir: path.join(root, 'run'), every: 50 },
      signal: controller.signal,
    });
    expect(summary).toMatchObject({ steps: 7, stoppedBy: 'aborted', lastCheckpoint: { step: 7 } });
    expect(folders(path.join(root, 'run'))).toEqual(['step-00000007']);
  });

  it('refuses bad options with one-line messages', async () => {
    const step = () => ({ loss: tf.scalar(0) });
    await expect(trainLoop({ totalSteps: -1, step })).rejects.toThrow('totalSteps (-1) must be a non-negative integer');
    await expect(trainLoop({ totalSteps: 1, step, checkpoint: { every: 5 } })).rejects.toThrow(
      'checkpoint ({"every":5}) needs exactly one of dir, handler or store',
    );
    await expect(trainLoop({ totalSteps: 1, step, resume: true })).rejects.toThrow('resume (true) needs options.checkpoint (where to resume from)');
    await expect(trainLoop({ totalSteps: 1, step: () => ({ loss: tf.ones([2]) as tf.Scalar }) })).rejects.toThrow(
      'step(0) result.loss (Tensor<float32>[2]) must be a scalar tf.Tensor (rank 0)',
    );
    await expect(trainLoop({ totalSteps: 1, step, state: { 'a/b': fresh().model } })).rejects.toThrow(
      `state key ("a/b") must be a non-empty name without '/'`,
    );
  });
});
