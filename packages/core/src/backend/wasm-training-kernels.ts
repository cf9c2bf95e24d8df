/**
 * Registers, for the wasm backend, the kernels that training needs and tfjs-backend-wasm
 * 4.22 lacks. (Filled in by the wasm-kernels work; see docs/backends.md.)
 */
export function registerWasmTrainingKernels(): string[] {
  return [];
}
