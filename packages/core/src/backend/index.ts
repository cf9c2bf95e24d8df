export { initBackend, registeredBackends, BACKEND_PREFERENCE } from './init-backend';
export type { BackendName, BackendReport, InitBackendOptions } from './init-backend';
export { registerTfjsGradients, vendoredGradientKernels } from './register-gradients';
export { registerWasmTrainingKernels } from './wasm-training-kernels';
export { registerGradientFixes } from './gradient-fixes';
export { genGradientsIntact, restoreGenGradients } from './restore-gradients';
