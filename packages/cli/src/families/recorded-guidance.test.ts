import { recordedCandidates, recordedGuidance } from './recorded-guidance';

describe('recordedGuidance', () => {
  it('is config.sampling.guidanceScale when it is a finite number >= 0, else the fallback', () => {
    expect(recordedGuidance({ sampling: { guidanceScale: 2 } }, 1)).toBe(2);
    expect(recordedGuidance({ sampling: { guidanceScale: 0 } }, 3)).toBe(0);
    for (const config of [{}, { sampling: null }, { sampling: { guidanceScale: -1 } }, { sampling: { guidanceScale: Infinity } }, { sampling: { guidanceScale: '2' } }, null, undefined]) {
      expect(recordedGuidance(config as Record<string, unknown> | null | undefined, 3)).toBe(3);
    }
  });
});

describe('recordedCandidates', () => {
  it('is config.sampling.candidates when it is a whole number >= 1, else the fallback', () => {
    expect(recordedCandidates({ sampling: { guidanceScale: 2, candidates: 4 } }, 1)).toBe(4);
    for (const config of [{}, { sampling: null }, { sampling: { candidates: 0 } }, { sampling: { candidates: 1.5 } }, { sampling: { candidates: '2' } }, null, undefined]) {
      expect(recordedCandidates(config as Record<string, unknown> | null | undefined, 1)).toBe(1);
    }
  });
});
