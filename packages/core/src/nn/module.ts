import * as tf from '@tensorflow/tfjs-core';
import { GenError, InvalidArgumentError } from '../errors';
import type { NamedTensors, Stateful } from '../types';

let nextVariableId = 0;

/**
 * tfjs registers every `tf.Variable` under a process-wide name and throws on a duplicate,
 * so two copies of a model could not coexist under their stable names. Each variable gets
 * a unique engine name (`gen.nn/<id>/<local name>`); the stable dotted names
 * (`down.0.conv.weight`) are the `stateDict` keys.
 */
function uniqueVariableName(localName: string): string {
  nextVariableId += 1;
  return `gen.nn/${nextVariableId}/${localName}`;
}

export interface LoadStateDictOptions {
  /**
   * `true` (default): the checkpoint must hold exactly the model's tensors; a missing or
   * unexpected name throws. `false`: names only on one side are ignored (the model keeps
   * its values). Shapes and dtypes of names on both sides must match either way.
   */
  strict?: boolean;
}

/**
 * Base class of every layer and model: a PyTorch-like module on tfjs-core variables.
 *
 * A module registers its parameters (trainable `tf.Variable`s), buffers (non-trainable
 * state such as BatchNorm running statistics or the spectral-norm `u` vector) and child
 * modules under local names; the full names join them with dots (`down.0.conv.weight`),
 * and are the keys of `stateDict()` / `loadStateDict()`.
 *
 * Calling convention: a layer is called with `layer.forward(x, …)`. Every `forward` runs
 * inside `tf.tidy`, returns a new tensor the caller owns and leaves no intermediates
 * behind. Layers read their parameters through `param(name)`, so a wrapper such as
 * `SpectralNorm` can substitute a value for one call (`withParameterOverride`).
 *
 * ```ts
 * class Block extends nn.Module {
 *   readonly conv: nn.Conv2d;
 *   readonly norm: nn.GroupNorm;
 *   constructor(channels: number, generator: Generator) {
 *     super();
 *     this.conv = this.registerModule('conv', new nn.Conv2d({ inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1, generator }));
 *     this.norm = this.registerModule('norm', new nn.GroupNorm({ numGroups: 8, numChannels: channels }));
 *   }
 *   forward(x: tf.Tensor): tf.Tensor {
 *     return tf.tidy(() => nn.silu(this.norm.forward(this.conv.forward(x))));
 *   }
 * }
 * ```
 */
export abstract class Module implements Stateful {
  private readonly ownParameters = new Map<string, tf.Variable>();
  private readonly ownBuffers = new Map<string, tf.Variable>();
  private readonly ownChildren = new Map<string, Module>();
  private readonly overrides = new Map<string, tf.Tensor>();
  private isTraining = true;
  private isDisposed = false;

  /** `true` in training mode (the default), `false` after `eval()`. */
  get training(): boolean {
    return this.isTraining;
  }

  /** `true` once `dispose()` has run. */
  get disposed(): boolean {
    return this.isDisposed;
  }

  /** Sets training mode on this module and all its descendants (dropout active, batch statistics used and tracked, spectral-norm power iteration). */
  train(mode = true): this {
    this.isTraining = mode;
    for (const child of this.ownChildren.values()) child.train(mode);
    return this;
  }

  /** Evaluation mode on this module and all its descendants; same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Registers a trainable parameter initialised from `initial`, which the module takes
   * over (it is disposed). Returns the variable.
   */
  protected registerParameter(name: string, initial: tf.Tensor): tf.Variable {
    return this.registerVariable(name, initial, true, this.ownParameters);
  }

  /** Registers a buffer: saved in `stateDict`, never trained. Takes over `initial`. */
  protected registerBuffer(name: string, initial: tf.Tensor): tf.Variable {
    return this.registerVariable(name, initial, false, this.ownBuffers);
  }

  /** Registers a child module; its tensors appear under `name.`. Returns the child. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    this.checkLocalName(name);
    if (!(module instanceof Module)) {
      throw new InvalidArgumentError(`${this.constructor.name} child '${name}'`, module, 'must be an nn.Module');
    }
    this.ownChildren.set(name, module);
    return module;
  }

  /**
   * The value of own parameter or buffer `name` for this forward pass: the registered
   * variable, or the tensor set by `withParameterOverride`.
   */
  protected param(name: string): tf.Tensor {
    const override = this.overrides.get(name);
    if (override) return override;
    const variable = this.ownParameters.get(name) ?? this.ownBuffers.get(name);
    if (!variable) throw new GenError(`${this.constructor.name} has no parameter or buffer named '${name}'`);
    return variable;
  }

  /**
   * Runs `fn` with own parameter `name` replaced by `value` (which the caller keeps
   * owning), then restores it. Used by wrappers that reparametrise a weight
   * (`SpectralNorm`) and by gradient checks.
   */
  withParameterOverride<T>(name: string, value: tf.Tensor, fn: () => T): T {
    const variable = this.ownParameters.get(name);
    if (!variable) {
      throw new InvalidArgumentError(
        'withParameterOverride name',
        name,
        `is not a parameter of ${this.constructor.name}; its parameters: ${[...this.ownParameters.keys()].join(', ') || 'none'}`,
      );
    }
    if (!tf.util.arraysEqual(value.shape, variable.shape)) {
      throw new InvalidArgumentError(
        `withParameterOverride '${name}'`,
        value,
        `must have the parameter's shape [${variable.shape.join(', ')}]`,
      );
    }
    const previous = this.overrides.get(name);
    this.overrides.set(name, value);
    try {
      return fn();
    } finally {
      if (previous) this.overrides.set(name, previous);
      else this.overrides.delete(name);
    }
  }

  /** Own parameter variable `name` (not an override), or undefined. */
  getParameter(name: string): tf.Variable | undefined {
    return this.ownParameters.get(name);
  }

  /** Own buffer variable `name`, or undefined. */
  getBuffer(name: string): tf.Variable | undefined {
    return this.ownBuffers.get(name);
  }

  /** Direct children as `[name, module]` pairs, in registration order. */
  children(): Array<[string, Module]> {
    return [...this.ownChildren.entries()];
  }

  /** All descendants as `[dotted name, module]` pairs, depth first (this module excluded). */
  namedModules(): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    for (const [name, child] of this.ownChildren) {
      out.push([name, child]);
      for (const [sub, module] of child.namedModules()) out.push([`${name}.${sub}`, module]);
    }
    return out;
  }

  /** Every parameter (trainable or frozen) as `[dotted name, variable]`, own first, then children in order. */
  namedParameters(): Array<[string, tf.Variable]> {
    return this.collect((module) => module.ownParameters);
  }

  /** Every buffer as `[dotted name, variable]`. */
  namedBuffers(): Array<[string, tf.Variable]> {
    return this.collect((module) => module.ownBuffers);
  }

  /** Every parameter variable, in `namedParameters()` order. */
  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, variable]) => variable);
  }

  /** The parameters an optimizer should update: those whose `trainable` flag is set (buffers never are). */
  trainableVariables(): tf.Variable[] {
    return this.parameters().filter((variable) => variable.trainable);
  }

  /** Total number of scalar values in the parameters (buffers not counted). */
  numParameters(): number {
    return this.parameters().reduce((total, variable) => total + variable.size, 0);
  }

  /**
   * Parameters and buffers by dotted name. The tensors are the live variables: read or
   * save them, but do not dispose them (the module owns them).
   */
  stateDict(): NamedTensors {
    const state: NamedTensors = {};
    this.collectState(state, '');
    return state;
  }

  /**
   * Copies `state` into the module's parameters and buffers (the caller keeps owning
   * `state`). Everything is checked before anything is written, so a failed load
   * leaves the module unchanged. Errors name the first offending tensor.
   */
  loadStateDict(state: NamedTensors, options: LoadStateDictOptions = {}): void {
    const { strict = true } = options;
    if (typeof state !== 'object' || state === null) {
      throw new InvalidArgumentError('loadStateDict state', state, 'must be an object of named tensors');
    }
    const own = this.stateDict();
    const pairs: Array<[tf.Variable, tf.Tensor]> = [];
    for (const [name, target] of Object.entries(own)) {
      const source = state[name];
      if (source === undefined) {
        if (strict) {
          throw new GenError(
            `loadStateDict: '${name}' is missing from the checkpoint (pass { strict: false } to keep the model's value)`,
          );
        }
        continue;
      }
      if (!(source instanceof tf.Tensor) || source.isDisposed) {
        throw new GenError(`loadStateDict: '${name}' in the checkpoint is not a live tensor`);
      }
      if (!tf.util.arraysEqual(source.shape, target.shape)) {
        throw new GenError(
          `loadStateDict: '${name}' has shape [${source.shape.join(',')}] in the checkpoint but [${target.shape.join(',')}] in the model`,
        );
      }
      if (source.dtype !== target.dtype) {
        throw new GenError(
          `loadStateDict: '${name}' has dtype ${source.dtype} in the checkpoint but ${target.dtype} in the model`,
        );
      }
      pairs.push([target as tf.Variable, source]);
    }
    if (strict) {
      const unexpected = Object.keys(state).find((name) => !(name in own));
      if (unexpected !== undefined) {
        throw new GenError(
          `loadStateDict: '${unexpected}' is in the checkpoint but not in the model (pass { strict: false } to ignore it)`,
        );
      }
    }
    // assign() shares the source's (immutable) data by reference count, so the caller may dispose `state` afterwards.
    for (const [variable, value] of pairs) variable.assign(value);
  }

  /** Frees every parameter and buffer of this module and its descendants. Idempotent. */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    for (const variable of this.ownParameters.values()) variable.dispose();
    for (const variable of this.ownBuffers.values()) variable.dispose();
    for (const child of this.ownChildren.values()) child.dispose();
  }

  private registerVariable(
    name: string,
    initial: tf.Tensor,
    trainable: boolean,
    into: Map<string, tf.Variable>,
  ): tf.Variable {
    this.checkLocalName(name);
    if (!(initial instanceof tf.Tensor)) {
      throw new InvalidArgumentError(`${this.constructor.name} '${name}' initial value`, initial, 'must be a tf.Tensor');
    }
    const variable = tf.variable(initial, trainable, uniqueVariableName(name));
    initial.dispose();
    into.set(name, variable);
    return variable;
  }

  private checkLocalName(name: string): void {
    if (typeof name !== 'string' || name.length === 0 || name.includes('.')) {
      throw new InvalidArgumentError(`${this.constructor.name} registered name`, name, 'must be a non-empty string without dots');
    }
    if (this.ownParameters.has(name) || this.ownBuffers.has(name) || this.ownChildren.has(name)) {
      throw new InvalidArgumentError(`${this.constructor.name} registered name`, name, 'is already registered on this module');
    }
  }

  private collect(pick: (module: Module) => Map<string, tf.Variable>): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [...pick(this).entries()];
    for (const [name, child] of this.ownChildren) {
      for (const [sub, variable] of child.collect(pick)) out.push([`${name}.${sub}`, variable]);
    }
    return out;
  }

  private collectState(state: NamedTensors, prefix: string): void {
    for (const [name, variable] of this.ownParameters) state[prefix + name] = variable;
    for (const [name, variable] of this.ownBuffers) state[prefix + name] = variable;
    for (const [name, child] of this.ownChildren) child.collectState(state, `${prefix}${name}.`);
  }
}

/** A module called with one tensor, returning one tensor: what `Sequential` chains. */
export interface UnaryModule extends Module {
  forward(x: tf.Tensor): tf.Tensor;
}
