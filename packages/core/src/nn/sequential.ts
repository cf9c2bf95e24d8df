import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { Module } from './module';
import type { UnaryModule } from './module';

/** What `Sequential` chains: a module with `forward(x)`, or a parameter-free function such as `nn.silu`. */
export type SequentialItem = UnaryModule | ((x: tf.Tensor) => tf.Tensor);

/**
 * Chains items in order. Modules are registered under their index ('0', '1', …); a
 * function takes an index too but holds no state, so names match PyTorch's
 * `nn.Sequential(conv, nn.ReLU(), conv)` → '0.weight', '2.weight'.
 */
export class Sequential extends Module {
  private readonly items: SequentialItem[];

  constructor(items: SequentialItem[]) {
    super();
    if (!Array.isArray(items)) throw new InvalidArgumentError('Sequential items', items, 'must be an array of modules or functions');
    this.items = [...items];
    this.items.forEach((item, index) => {
      if (item instanceof Module) {
        if (typeof (item as UnaryModule).forward !== 'function') {
          throw new InvalidArgumentError(`Sequential item ${index}`, item.constructor.name, 'must have a forward(x) method');
        }
        this.registerModule(String(index), item);
      } else if (typeof item !== 'function') {
        throw new InvalidArgumentError(`Sequential item ${index}`, item, 'must be an nn.Module or a function of one tensor');
      }
    });
  }

  /** Number of items. */
  get length(): number {
    return this.items.length;
  }

  /** The item at `index`. */
  at(index: number): SequentialItem | undefined {
    return this.items.at(index);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = x;
      for (const item of this.items) y = item instanceof Module ? item.forward(y) : item(y);
      return y === x ? tf.clone(x) : y;
    });
  }
}
