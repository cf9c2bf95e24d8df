// Public API of the schedulers (explicit named exports only).
import { DDIMScheduler } from './scheduling-ddim';
import { DDPMScheduler } from './scheduling-ddpm';
import { DPMSolverMultistepScheduler, DPMSolverMultistepSDEScheduler } from './scheduling-dpmsolver-multistep';
import { EulerAncestralDiscreteScheduler } from './scheduling-euler-ancestral-discrete';
import { EulerDiscreteScheduler } from './scheduling-euler-discrete';
import { HeunDiscreteScheduler } from './scheduling-heun-discrete';
import { UniPCMultistepScheduler } from './scheduling-unipc-multistep';

export { DDPMScheduler, DDPM_DEFAULT_CONFIG, DDPM_VARIANCE_TYPES } from './scheduling-ddpm';
export type { DDPMSchedulerConfig, DDPMVarianceType } from './scheduling-ddpm';
export { DDIMScheduler, DDIM_DEFAULT_CONFIG } from './scheduling-ddim';
export type { DDIMSchedulerConfig, DDIMStepOptions } from './scheduling-ddim';
export { EulerDiscreteScheduler, EULER_DEFAULT_CONFIG } from './scheduling-euler-discrete';
export type { EulerDiscreteSchedulerConfig } from './scheduling-euler-discrete';
export { EulerAncestralDiscreteScheduler, EULER_ANCESTRAL_DEFAULT_CONFIG } from './scheduling-euler-ancestral-discrete';
export type { EulerAncestralDiscreteSchedulerConfig } from './scheduling-euler-ancestral-discrete';
export { HeunDiscreteScheduler, HEUN_DEFAULT_CONFIG } from './scheduling-heun-discrete';
export type { HeunDiscreteSchedulerConfig } from './scheduling-heun-discrete';
export {
  DPMSolverMultistepScheduler,
  DPMSolverMultistepSDEScheduler,
  DPM_SOLVER_MULTISTEP_DEFAULT_CONFIG,
  DPM_SOLVER_MULTISTEP_SDE_DEFAULT_CONFIG,
  DPM_SOLVER_ALGORITHM_TYPES,
  DPM_SOLVER_TYPES,
  FINAL_SIGMAS_TYPES,
} from './scheduling-dpmsolver-multistep';
export type { DPMSolverAlgorithmType, DPMSolverMultistepSchedulerConfig, DPMSolverType, FinalSigmasType } from './scheduling-dpmsolver-multistep';
export { UniPCMultistepScheduler, UNIPC_MULTISTEP_DEFAULT_CONFIG, UNIPC_SOLVER_TYPES } from './scheduling-unipc-multistep';
export type { UniPCMultistepSchedulerConfig, UniPCSolverType } from './scheduling-unipc-multistep';
export { thresholdSample } from './scheduling-utils';

/**
 * Every scheduler by the name the CLI and configs use (`gen sample --scheduler dpmpp-2m`).
 * Any of them can be built from another's config: `SCHEDULERS[name].fromConfig(current.getConfig())`.
 */
export const SCHEDULERS = Object.freeze({
  ddpm: DDPMScheduler,
  ddim: DDIMScheduler,
  euler: EulerDiscreteScheduler,
  'euler-ancestral': EulerAncestralDiscreteScheduler,
  heun: HeunDiscreteScheduler,
  'dpmpp-2m': DPMSolverMultistepScheduler,
  'dpmpp-2m-sde': DPMSolverMultistepSDEScheduler,
  unipc: UniPCMultistepScheduler,
});

/** A key of {@link SCHEDULERS}. */
export type SchedulerName = keyof typeof SCHEDULERS;
