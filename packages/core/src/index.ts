// @gen/core: the shared foundation of @gen/* (see docs/architecture.md).
import { registerTfjsGradients } from './backend/register-gradients';

// Importing @gen/core makes tfjs trainable: tfjs-core alone registers no gradients.
registerTfjsGradients();

export { GenError, InvalidArgumentError } from './errors';
export {
  initBackend,
  registeredBackends,
  BACKEND_PREFERENCE,
  registerTfjsGradients,
  vendoredGradientKernels,
  registerWasmTrainingKernels,
} from './backend';
export type { BackendName, BackendReport, InitBackendOptions } from './backend';
