// Public API of the data module (explicit named exports only). Browser-safe: the
// dataset-package and PNG-folder loaders live in ./node (exported by @gen/core/node).
export { ImageDatasetBuilder, subset, classCounts } from './image-dataset';
export type { ImageDataset, ImageDatasetBuilderOptions } from './image-dataset';
export { DataLoader, batches } from './data-loader';
export type { ImageBatch, DataLoaderOptions, PixelRange } from './data-loader';
export { splitDataset } from './split-dataset';
export type { DatasetSplit, SplitDatasetOptions } from './split-dataset';
export { binarize } from './binarize';
export type { BinarizeMode, BinarizeOptions } from './binarize';
export { augment } from './augment';
export type { AugmentOptions } from './augment';
export { classNamesFor, DATASET_NAMES } from './class-names';
export type { DatasetName } from './class-names';
export { seededOrder } from './seeded-order';
export type { GeneratorLike } from './generator-like';
