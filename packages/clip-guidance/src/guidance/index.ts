// Public API of the guidance module (explicit named exports only).
export { clipGuidance } from './clip-guidance';
export type { ClipGuidanceOptions, ClipGuidance } from './clip-guidance';
export { sphericalDistance, shiftImages, drawShifts, fitToClip, viewStatistics } from './clip-views';
export type { ViewStatistics } from './clip-views';
export { evaluateClipGuidance } from './evaluate-clip-guidance';
export type { EvaluateClipGuidanceOptions, ClipGuidanceEvaluation, ClipGuidedGenerator, ClipGuidedRequest } from './evaluate-clip-guidance';
export { checkTarget, checkReferenceImage, targetEmbedding } from './clip-target';
export type { ClipTarget, ReferenceImageCheck } from './clip-target';
export { evaluateReferenceVariations } from './evaluate-reference-variations';
export type { EvaluateReferenceVariationsOptions, ReferenceVariationResult } from './evaluate-reference-variations';
export { redrawCopies, rmsDistances, DEFAULT_MAX_REDRAWS } from './redraw-copies';
export type { RedrawCopiesOptions, RedrawCopiesResult } from './redraw-copies';
