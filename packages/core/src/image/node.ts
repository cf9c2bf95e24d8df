// Node-only part of the image module, exported from @gen/core/node.
export { encodePng, decodePng, writePng, readPng } from './png';
export type { DecodePngOptions } from './png';
