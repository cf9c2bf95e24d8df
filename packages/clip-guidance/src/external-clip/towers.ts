// The two kinds of converted towers behind one `run(inputs) → output` call: a tfjs-converter
// GraphModel (`execute` with a map of named inputs) or a tfjs-layers LayersModel (`apply` on
// concrete tensors). Only their shapes are used, so neither package is imported here.
import type * as tf from '@tensorflow/tfjs-core';
import { GenError, InvalidArgumentError } from '@gen/core';
import type { ExternalModelKind } from './config';

/** The part of a tfjs-converter `GraphModel` an ExternalClip uses. */
export interface GraphModelLike {
  /** Input names (signature keys when the model has a signature). */
  readonly inputNodes: string[];
  /** Output names (signature keys when the model has a signature). */
  readonly outputNodes: string[];
  /** Input nodes with their shapes (-1 or undefined where free). */
  readonly inputs: ReadonlyArray<{ name: string; shape?: number[] }>;
  /** Output nodes. */
  readonly outputs: ReadonlyArray<{ name: string }>;
  execute(inputs: tf.NamedTensorMap, outputs?: string | string[]): tf.Tensor | tf.Tensor[];
  dispose(): void;
}

/** The part of a tfjs-layers `LayersModel` an ExternalClip uses. */
export interface LayersModelLike {
  readonly inputNames: string[];
  readonly outputNames: string[];
  /** Symbolic inputs with their shapes (null where free). */
  readonly inputs: ReadonlyArray<{ shape: ReadonlyArray<number | null> }>;
  apply(inputs: tf.Tensor | tf.Tensor[], kwargs?: { training?: boolean }): unknown;
  dispose(): unknown;
}

/** A converted tower: a GraphModel (tfjs-converter) or a LayersModel (tfjs-layers). */
export type ExternalTowerModel = GraphModelLike | LayersModelLike;

/** One tower with its inputs resolved: `run` feeds them in the order given and returns the chosen output. */
export interface Tower {
  readonly kind: ExternalModelKind;
  /** Shape the model declares for each fed input (null / -1 where free), in feed order. */
  readonly inputShapes: Array<ReadonlyArray<number | null> | undefined>;
  run(inputs: tf.Tensor[]): tf.Tensor;
  dispose(): void;
}

function isLayersModel(model: ExternalTowerModel): model is LayersModelLike {
  return typeof (model as LayersModelLike).apply === 'function' && Array.isArray((model as LayersModelLike).inputNames);
}

function isGraphModel(model: ExternalTowerModel): model is GraphModelLike {
  return typeof (model as GraphModelLike).execute === 'function' && Array.isArray((model as GraphModelLike).inputNodes);
}

const bare = (name: string) => name.replace(/:0$/, '');
const listed = (names: readonly string[]) => `[${names.join(', ')}]`;

/**
 * The roles a tower is fed with, as the config names them: `[argument, name | undefined]`, e.g.
 * `[['text.input', 'input_ids'], ['text.mask', undefined]]`. A role left undefined takes the one
 * input no other role names, when there is exactly one; optional roles (`optional`) may stay unfed.
 */
export interface TowerRoles {
  where: 'image' | 'text';
  inputs: Array<{ argument: string; name: string | undefined; optional?: boolean }>;
  output: { argument: string; name: string | undefined };
}

/** Matches configured names to the model's inputs; returns the model's input index of each role (−1: unfed optional role). */
function resolveInputs(names: readonly string[][], roles: TowerRoles): number[] {
  const indexOf = (name: string) => names.findIndex((aliases) => aliases.some((alias) => alias === name || bare(alias) === bare(name)));
  const shown = listed(names.map((aliases) => aliases[0]));
  const chosen = roles.inputs.map(({ argument, name }) => {
    if (name === undefined) return undefined;
    const index = indexOf(name);
    if (index < 0) throw new InvalidArgumentError(argument, name, `must name one of the ${roles.where} tower's inputs ${shown}`);
    return index;
  });
  const free = names.map((_, i) => i).filter((i) => !chosen.includes(i));
  const result = roles.inputs.map(({ argument, optional }, r) => {
    if (chosen[r] !== undefined) return chosen[r]!;
    if (optional) return -1;
    if (free.length === 1) return free.shift()!;
    throw new InvalidArgumentError(argument, undefined, `must name one of the ${roles.where} tower's inputs ${shown} (it has ${names.length})`);
  });
  const unfed = names.map((aliases, i) => (result.includes(i) ? null : aliases[0])).filter((name): name is string => name !== null);
  if (unfed.length > 0) {
    const optional = roles.inputs.find((role) => role.optional && role.name === undefined);
    throw new InvalidArgumentError(optional?.argument ?? roles.inputs[0].argument, optional ? undefined : roles.inputs[0].name, `must be set: the ${roles.where} tower also takes ${listed(unfed)} (its inputs: ${shown})`);
  }
  return result;
}

function resolveOutput(names: readonly string[][], roles: TowerRoles): number {
  const { argument, name } = roles.output;
  const shown = listed(names.map((aliases) => aliases[0]));
  if (name === undefined) {
    if (names.length === 1) return 0;
    throw new InvalidArgumentError(argument, undefined, `must name the embedding among the ${roles.where} tower's outputs ${shown}`);
  }
  const index = names.findIndex((aliases) => aliases.some((alias) => alias === name || bare(alias) === bare(name)));
  if (index < 0) throw new InvalidArgumentError(argument, name, `must name one of the ${roles.where} tower's outputs ${shown}`);
  return index;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
}

/** Wraps a loaded GraphModel or LayersModel as a Tower fed in the roles' order. Errors are one line naming the config field. */
export function towerOf(model: ExternalTowerModel, roles: TowerRoles): Tower {
  const where = roles.where;
  if (isLayersModel(model)) {
    const inputs = model.inputNames.map((name) => [name]);
    const order = resolveInputs(inputs, roles);
    const output = resolveOutput(
      model.outputNames.map((name) => [name]),
      roles,
    );
    return {
      kind: 'layers',
      inputShapes: order.map((i) => (i < 0 ? undefined : model.inputs[i]?.shape)),
      run(tensors) {
        const fed = new Array<tf.Tensor>(model.inputNames.length);
        order.forEach((i, r) => {
          if (i >= 0) fed[i] = tensors[r];
        });
        let result: unknown;
        try {
          result = model.apply(fed.length === 1 ? fed[0] : fed, { training: false });
        } catch (error) {
          throw new GenError(`ExternalClip: the ${where} tower (LayersModel) failed: ${firstLine(error)}`);
        }
        return (Array.isArray(result) ? result[output] : result) as tf.Tensor;
      },
      dispose: () => void model.dispose(),
    };
  }
  if (isGraphModel(model)) {
    const inputs = model.inputNodes.map((key, i) => [key, model.inputs[i]?.name ?? key]);
    const order = resolveInputs(inputs, roles);
    const outputs = model.outputNodes.map((key, i) => [key, model.outputs[i]?.name ?? key]);
    const output = outputs[resolveOutput(outputs, roles)][0];
    return {
      kind: 'graph',
      inputShapes: order.map((i) => (i < 0 ? undefined : model.inputs[i]?.shape)),
      run(tensors) {
        const feeds: tf.NamedTensorMap = {};
        order.forEach((i, r) => {
          if (i >= 0) feeds[model.inputNodes[i]] = tensors[r];
        });
        let result: tf.Tensor | tf.Tensor[];
        try {
          result = model.execute(feeds, output);
        } catch (error) {
          throw new GenError(`ExternalClip: the ${where} tower (GraphModel) failed: ${firstLine(error)}`);
        }
        return Array.isArray(result) ? result[0] : result;
      },
      dispose: () => model.dispose(),
    };
  }
  throw new InvalidArgumentError(`${where} model`, model, 'must be a tfjs-converter GraphModel or a tfjs-layers LayersModel');
}
