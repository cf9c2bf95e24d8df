import { nn } from '@gen/core';

/** A module that only holds numbered children (`blocks.0`, `blocks.1`, …), so their tensors get those names. */
export class ModuleList extends nn.Module {
  add<M extends nn.Module>(name: string, module: M): M {
    return this.registerModule(name, module);
  }
}
