// Public API of the steering module (explicit named exports only).
export { steerLatents, steeringObjective, checkSteeringOptions, checkLatents, checkPrompt, promptEmbedding } from './steer-latents';
export type { LatentPrior, SteeringOptions, CheckedSteeringOptions, SteerLatentsOptions, SteeringResult, SteeringObjective } from './steer-latents';
export { steerGanLatents, GAN_CLASS_MODES } from './steer-gan-latents';
export type { SteerGanLatentsOptions, GanSteeringResult, GanClassMode } from './steer-gan-latents';
export { steerVaeLatents } from './steer-vae-latents';
export type { SteerVaeLatentsOptions, VaeSteeringResult, VaeDecoder } from './steer-vae-latents';
