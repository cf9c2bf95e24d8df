// Public API of the random module (explicit named exports only).
export { Generator, GENERATOR_ALGORITHM } from './generator';
export type { GeneratorState, UniformOptions, NormalOptions, TruncatedNormalOptions } from './generator';
export { philox4x32 } from './philox';
