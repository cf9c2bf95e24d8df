// @gen/core/node: the parts of @gen/core that need Node (file system, native backends).
export { loadNodeBackends } from './backend/load-node-backends';
export type { NodeBackendLoad } from './backend/load-node-backends';
export * from './io/node';
export * from './data/node';
export * from './image/node';
export * from './metrics/node';
export * from './parallel/node';
