// Child process for kill-during-save.test.ts: saves ever-newer checkpoints of one large
// tensor to the same folder until it is killed, printing "saved <i>" after each.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { saveCheckpointToDir } from '../node';

async function main(): Promise<void> {
  const [dir, size, first] = process.argv.slice(2);
  await tf.setBackend('cpu');
  for (let i = Number(first); ; i++) {
    const w = tf.fill([Number(size)], i);
    await saveCheckpointToDir(dir, { config: { i }, tensors: { 'model/w': w }, metadata: { i } });
    w.dispose();
    process.stdout.write(`saved ${i}\n`);
  }
}

void main();
