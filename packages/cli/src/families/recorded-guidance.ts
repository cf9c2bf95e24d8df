// The guidance a shipped checkpoint records as measured best (`config.sampling.guidanceScale`,
// written by ship-pretrained.mjs --sampling): the default of gen sample / eval for diffusion
// models and unCLIP decoders, DALL·E transformers and unCLIP priors alike; and the candidates an
// unCLIP diffusion prior records (`config.sampling.candidates`).

/** `config.sampling.guidanceScale` when it is a finite number >= 0, else `fallback` (the family's default). */
export function recordedGuidance(config: Record<string, unknown> | null | undefined, fallback: number): number {
  const sampling = config?.sampling as { guidanceScale?: unknown } | null | undefined;
  const scale = typeof sampling === 'object' && sampling !== null ? sampling.guidanceScale : undefined;
  return typeof scale === 'number' && Number.isFinite(scale) && scale >= 0 ? scale : fallback;
}

/** `config.sampling.candidates` when it is a whole number >= 1, else `fallback`. */
export function recordedCandidates(config: Record<string, unknown> | null | undefined, fallback: number): number {
  const sampling = config?.sampling as { candidates?: unknown } | null | undefined;
  const candidates = typeof sampling === 'object' && sampling !== null ? sampling.candidates : undefined;
  return typeof candidates === 'number' && Number.isInteger(candidates) && candidates >= 1 ? candidates : fallback;
}
