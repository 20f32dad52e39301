/**
 * A perceptual distance on teacher feature maps, LPIPS-style without learned weights: at each
 * position the channel vector is scaled to unit length, the squared difference is summed over
 * channels, averaged over positions, and the layers are averaged with equal weight. Each term
 * lies in [0, 4] (two unit vectors), so the distance does too. Maps are channel-last [B, h, w, c].
 */
import { GraphError } from '../../ir/errors.ts';
import type { Node } from '../../ir/node.ts';
import { add, div, mean, mul, rsqrt, square, sub, sum } from '../../ops/index.ts';

/**
 * Added under the square root: keeps an all-zero channel vector finite (value and gradient)
 * while negligible next to the channel sums of real activations.
 */
export const PERCEPTUAL_EPS = 1e-6;

const unitChannels = (x: Node, eps: number): Node => mul(x, rsqrt(add(sum(square(x), -1, true), eps)));

const checkPairs = (a: readonly Node[], b: readonly Node[]): void => {
  if (a.length === 0) throw new GraphError('input', 'perceptualDistance', 'no feature maps: the perceptual term needs a network teacher (precomputed features have none)');
  if (a.length !== b.length) throw new GraphError('input', 'perceptualDistance', `${a.length} maps vs ${b.length}`);
  a.forEach((m, i) => {
    const n = b[i]!;
    if (m.shape.length < 2 || m.shape.join() !== n.shape.join()) {
      throw new GraphError('shape', 'perceptualDistance', `map ${i} differs or has no batch and channel axes`, [m, n].map((x) => ({ shape: x.shape, dtype: x.dtype })));
    }
  });
};

/** Per image: [B], the mean over layers of the mean over positions of |a/|a| - b/|b||^2. */
export const perceptualDistances = (a: readonly Node[], b: readonly Node[], eps = PERCEPTUAL_EPS): Node => {
  checkPairs(a, b);
  const perLayer = a.map((m, i) => {
    const d = sum(square(sub(unitChannels(m, eps), unitChannels(b[i]!, eps))), -1);
    return d.shape.length > 1 ? mean(d, d.shape.slice(1).map((_, j) => j + 1)) : d;
  });
  return div(perLayer.reduce((s, d) => add(s, d)), perLayer.length);
};

/** The batch mean of `perceptualDistances`: a scalar loss. */
export const perceptualDistance = (a: readonly Node[], b: readonly Node[], eps = PERCEPTUAL_EPS): Node =>
  mean(perceptualDistances(a, b, eps));
