// Public API of the guidance module (explicit named exports only).
export { clipGuidance, sphericalDistance, shiftImages } from './clip-guidance';
export type { ClipGuidanceOptions, ClipGuidance } from './clip-guidance';
