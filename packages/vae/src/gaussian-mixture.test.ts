import { Generator } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { fitGaussianMixture, GaussianMixture } from '@gen/vae';

const TRUE = new GaussianMixture({
  weights: [0.5, 0.3, 0.2],
  means: [-4, 0, 3, 3, 4, -3],
  variances: [1, 0.5, 0.3, 0.3, 0.6, 1.2],
});

describeWithBackends(
  'GaussianMixture',
  () => {
    it('EM recovers a known mixture (weights, means, variances)', async () => {
      const data = TRUE.sample({ count: 3000, generator: new Generator(1) });
      const fit = await fitGaussianMixture({ data, numComponents: 3, generator: new Generator(2) });
      data.dispose();
      expect(fit.converged).toBe(true);
      // Match components by their first mean coordinate.
      const order = [0, 1, 2].sort((a, b) => fit.mixture.means[a * 2] - fit.mixture.means[b * 2]);
      const expected = [0, 1, 2].sort((a, b) => TRUE.means[a * 2] - TRUE.means[b * 2]);
      order.forEach((k, i) => {
        const t = expected[i];
        expect(Math.abs(fit.mixture.weights[k] - TRUE.weights[t])).toBeLessThan(0.03);
        for (let d = 0; d < 2; d++) {
          expect(Math.abs(fit.mixture.means[k * 2 + d] - TRUE.means[t * 2 + d])).toBeLessThan(0.1);
          expect(Math.abs(fit.mixture.variances[k * 2 + d] / TRUE.variances[t * 2 + d] - 1)).toBeLessThan(0.15);
        }
      });
      // The fit is at least as likely as the truth on its own data (EM maximises it).
      expect(fit.logLikelihood).toBeGreaterThan(-4);
    });

    it('logProb of one component is the Gaussian density; JSON round trip; seeded fits repeat', async () => {
      const single = new GaussianMixture({ weights: [1], means: [1, -1], variances: [4, 0.25] });
      const [value] = single.logProb([1, -1]);
      expect(value).toBeCloseTo(-Math.log(2 * Math.PI) - 0.5 * Math.log(4 * 0.25), 10);
      const copy = GaussianMixture.fromJSON(JSON.parse(JSON.stringify(TRUE.toJSON())));
      expect(Array.from(copy.logProb([0, 0, 3, 4]))).toEqual(Array.from(TRUE.logProb([0, 0, 3, 4])));
      const points = Array.from(TRUE.sample({ count: 300, generator: new Generator(5) }).dataSync());
      const a = await fitGaussianMixture({ data: points, dim: 2, numComponents: 3, generator: new Generator(6) });
      const b = await fitGaussianMixture({ data: points, dim: 2, numComponents: 3, generator: new Generator(6) });
      expect(Array.from(a.mixture.means)).toEqual(Array.from(b.mixture.means));
    });

    it('rejects bad arguments with one line', async () => {
      await expect(fitGaussianMixture({ data: [1, 2], dim: 2, numComponents: 3, generator: new Generator(0) })).rejects.toThrow(
        'numComponents (3) must not exceed the number of points (1)',
      );
      expect(() => new GaussianMixture({ weights: [0.5, 0.6], means: [0, 1], variances: [1, 1] })).toThrow(
        'weights ("sum 1.1") must sum to 1',
      );
    });
  },
  { only: ['cpu'] },
);
