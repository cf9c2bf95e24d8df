// Node-only part of the data module, exported from @gen/core/node.
export { loadMnist, loadFashionMnist, loadDataset, clearDatasetCache, MNIST_SPLIT_SEED } from './package-datasets';
export type { LoadDatasetOptions, DatasetSplitName } from './package-datasets';
export { loadPngFolder } from './png-folder';
export type { LoadPngFolderOptions } from './png-folder';
export { MissingPackageError } from './missing-package-error';
