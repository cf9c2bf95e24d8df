// Node-only part of the data module, exported from @gen/core/node.
export {};
