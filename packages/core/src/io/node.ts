// Node-only part of the io module, exported from @gen/core/node. Importing it also lets
// folder paths stand in for tf.io handlers in saveCheckpoint / loadCheckpoint and lets
// trainLoop take `checkpoint.dir` and `metricsFile`.
import { registerNodeCheckpointIO } from './checkpoint-handlers';
import { fileCheckpoint } from './file-checkpoint';
import { folderStore } from './folder-store';
import { jsonLinesFile } from './metrics-file';

registerNodeCheckpointIO({
  folderHandler: (dir) => fileCheckpoint(dir),
  folderStore: (dir) => folderStore(dir),
  metricsFile: (file) => jsonLinesFile(file),
});

export { fileCheckpoint, saveCheckpointToDir, loadCheckpointFromDir } from './file-checkpoint';
export type { FileCheckpointOptions, SaveStage } from './file-checkpoint';
export { folderStore, stepFolderName } from './folder-store';
export { jsonLinesFile } from './metrics-file';
export { packageAssetDir } from './package-asset-dir';
export type { PackageAssetDirOptions } from './package-asset-dir';
export { pretrainedDir, readModelCard } from './pretrained';
export type { ModelCard, PretrainedDirOptions } from './pretrained';
