// Public API of the steering module (explicit named exports only).
export { steerLatents, steeringObjective, checkSteeringOptions, checkLatents, checkPrompt } from './steer-latents';
export type { LatentPrior, SteeringOptions, SteerLatentsOptions, SteeringResult, SteeringObjective } from './steer-latents';
export { steerGanLatents } from './steer-gan-latents';
export type { SteerGanLatentsOptions, GanSteeringResult } from './steer-gan-latents';
export { steerVaeLatents } from './steer-vae-latents';
export type { SteerVaeLatentsOptions, VaeSteeringResult, VaeDecoder } from './steer-vae-latents';
