// @gen/core: the shared foundation of @gen/* (see docs/architecture.md).
// Each module has a curated index.ts; this file only gathers them.
import { registerTfjsGradients } from './backend/register-gradients';
import { registerSecondOrderGradients } from './losses/second-order-gradients';
import { registerWasmTrainingKernels } from './backend/wasm-training-kernels';
import { registerGradientFixes } from './backend/gradient-fixes';

// Importing @gen/core makes tfjs trainable: tfjs-core alone registers no gradients, and
// several of its gradients are wrong or missing when differentiated twice (GP / R1).
// The wasm backend lacks the kernels conv nets train with; registering them for the
// 'wasm' name is harmless when wasm is absent. initBackend() repeats it, so a wasm
// backend imported after @gen/core also gets its faster replacement kernels.
registerTfjsGradients();
registerGradientFixes();
registerSecondOrderGradients();
registerWasmTrainingKernels();

export {
  GenError,
  InvalidArgumentError,
  checkBoolean,
  checkNonNegativeInteger,
  checkNonNegativeNumber,
  checkOneOf,
  checkPositiveInteger,
  checkPositiveNumber,
} from './errors';
export {
  initBackend,
  registeredBackends,
  BACKEND_PREFERENCE,
  registerTfjsGradients,
  vendoredGradientKernels,
  registerWasmTrainingKernels,
  registerGradientFixes,
  genGradientsIntact,
  restoreGenGradients,
} from './backend';
export type { BackendName, BackendReport, InitBackendOptions } from './backend';
export type { NamedTensors, Stateful, JsonValue } from './types';

export * from './random';
export * as nn from './nn';
export * from './io';
export * from './optim';
export * as losses from './losses';
export * from './schedules';
export * from './data';
export * from './image';
export * from './train';
export * as metrics from './metrics';
