/**
 * The Frechet distance between two Gaussians (FID's formula, with the project's metric network
 * in place of Inception):
 *   |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr sqrt(S1 S2)
 * computed in float64 on the host. It is never negative; rounding that would make it so gives 0.
 */
import type { Gaussian } from './feature-stats.ts';
import { traceSqrtProduct } from './matrix-sqrt.ts';

export const frechetDistance = (a: Gaussian, b: Gaussian): number => {
  if (a.dim !== b.dim) throw new RangeError(`frechetDistance: the feature sets have dimensions ${a.dim} and ${b.dim}`);
  const n = a.dim;
  let meanTerm = 0;
  for (let i = 0; i < n; i++) meanTerm += (a.mean[i]! - b.mean[i]!) ** 2;
  let traces = 0;
  for (let i = 0; i < n; i++) traces += a.cov[i * n + i]! + b.cov[i * n + i]!;
  return Math.max(0, meanTerm + traces - 2 * traceSqrtProduct(a.cov, b.cov, n));
};
