import { InvalidArgumentError } from '../errors';

/** The datasets @gen/core can load by name (`loadDataset` in @gen/core/node). */
export type DatasetName = 'mnist' | 'fashion';

/** Names accepted by `loadDataset` and `classNamesFor`. */
export const DATASET_NAMES: readonly DatasetName[] = ['mnist', 'fashion'];

const CLASS_NAMES: Record<DatasetName, readonly string[]> = {
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  // Label order of Zalando's Fashion-MNIST (and of the `fashion-mnist` package's files).
  fashion: [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ],
};

/** Throws the one-line error for a dataset name outside `DATASET_NAMES`. */
export function assertDatasetName(name: unknown, argument = 'name'): asserts name is DatasetName {
  if (typeof name !== 'string' || !(DATASET_NAMES as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(argument, name, `is not a known dataset; use ${DATASET_NAMES.map((n) => `'${n}'`).join(' or ')}`);
  }
}

/** Class names of a named dataset, indexed by label: `classNamesFor('fashion')[9] === 'Ankle boot'`. */
export function classNamesFor(name: DatasetName): string[] {
  assertDatasetName(name);
  return [...CLASS_NAMES[name]];
}
