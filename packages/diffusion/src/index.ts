// @gen/diffusion — diffusion models, their schedulers and pipelines (see docs/schedulers/).
export { version } from './version';
export {
  DDPMScheduler,
  DDPM_DEFAULT_CONFIG,
  DDPM_VARIANCE_TYPES,
  DDIMScheduler,
  DDIM_DEFAULT_CONFIG,
  EulerDiscreteScheduler,
  EULER_DEFAULT_CONFIG,
  EulerAncestralDiscreteScheduler,
  EULER_ANCESTRAL_DEFAULT_CONFIG,
  HeunDiscreteScheduler,
  HEUN_DEFAULT_CONFIG,
  DPMSolverMultistepScheduler,
  DPMSolverMultistepSDEScheduler,
  DPM_SOLVER_MULTISTEP_DEFAULT_CONFIG,
  DPM_SOLVER_MULTISTEP_SDE_DEFAULT_CONFIG,
  DPM_SOLVER_ALGORITHM_TYPES,
  DPM_SOLVER_TYPES,
  FINAL_SIGMAS_TYPES,
  UniPCMultistepScheduler,
  UNIPC_MULTISTEP_DEFAULT_CONFIG,
  UNIPC_SOLVER_TYPES,
  SCHEDULERS,
  thresholdSample,
} from './schedulers';
export type {
  DDPMSchedulerConfig,
  DDPMVarianceType,
  DDIMSchedulerConfig,
  DDIMStepOptions,
  EulerDiscreteSchedulerConfig,
  EulerAncestralDiscreteSchedulerConfig,
  HeunDiscreteSchedulerConfig,
  DPMSolverAlgorithmType,
  DPMSolverMultistepSchedulerConfig,
  DPMSolverType,
  FinalSigmasType,
  UniPCMultistepSchedulerConfig,
  UniPCSolverType,
  SchedulerName,
} from './schedulers';

// Models, training and pipelines (each sub-barrel lists its exports explicitly).
export * from './models';
export * from './training';
export * from './pipelines';

// Checkpoints (Node folders after `import '@gen/core/node'`, IndexedDB / URLs in the browser).
export { saveDiffusion, loadDiffusion, DIFFUSION_FAMILY } from './checkpoint';
export type { SaveDiffusionOptions, LoadDiffusionOptions, LoadedDiffusion, DiffusionCheckpointTarget } from './checkpoint';
