/**
 * DiffAugment (Zhao et al. 2020), differentiable image augmentations for a discriminator's inputs,
 * as the DetailFlow reference uses them: `color` (brightness, saturation, contrast),
 * `translation` (integer shifts of up to ratio x side, zero fill) and `cutout` (a zeroed square
 * of ratio x side). Each op group applies with probability `prob`, decided once per batch; the
 * magnitudes are drawn per image. Every draw comes from the key, so an augmentation is a pure
 * function of (images, key). Images are NCHW; gradients flow to the images through every op.
 */
import { GraphError } from '../ir/errors.ts';
import type { Node } from '../ir/node.ts';
import {
  add, cast, constant, equal, floor, greaterEqual, less, logicalAnd, matmul, mean, mT, mul, reshape, splitKeys, sub, uniform,
} from '../ops/index.ts';

export interface AugmentPolicy {
  readonly color: boolean;
  /** Largest shift as a fraction of the side (DiffAugment: 1/8); 0 turns translation off. */
  readonly translation: number;
  /** The cut square's side as a fraction of the image's; 0 turns cutout off. */
  readonly cutout: number;
  /** Probability that each op group applies to the batch. */
  readonly prob: number;
}

/** The reference's two policies: `color,translation,cutout_0.2` at p = 0.5 (hinge terms) and `cutout_0.5` at p = 1 (consistency). */
export const augmentPolicies = {
  standard: { color: true, translation: 0.125, cutout: 0.2, prob: 0.5 },
  strong: { color: true, translation: 0.125, cutout: 0.5, prob: 1 },
} as const satisfies Record<string, AugmentPolicy>;

const iota = (n: number, shape: readonly number[]): Node => constant(Float32Array.from({ length: n }, (_, i) => i), shape);

/** Integers uniform on [lo, lo + count) per image, as float32 [B]. */
const randInts = (key: Node, b: number, lo: number, count: number): Node => add(floor(mul(uniform(key, [b]), count)), lo);

/** Applies `f` with probability p to the whole batch: x + gate (f(x) - x), gate a 0/1 draw. */
const maybe = (key: Node, p: number, x: Node, f: (x: Node) => Node): Node => {
  if (p >= 1) return f(x);
  if (p <= 0) return x;
  const gate = cast(less(uniform(key, []), p), 'float32');
  return add(x, mul(gate, sub(f(x), x)));
};

const color = (x: Node, key: Node): Node => {
  const [b] = x.shape;
  const [kb, ks, kc] = splitKeys(key, 3);
  const brightness = add(x, sub(uniform(kb, [b, 1, 1, 1]), 0.5));
  const channelMean = mean(brightness, 1, true);
  const saturated = add(mul(sub(brightness, channelMean), mul(uniform(ks, [b, 1, 1, 1]), 2)), channelMean);
  const imageMean = mean(saturated, [1, 2, 3], true);
  return add(mul(sub(saturated, imageMean), add(uniform(kc, [b, 1, 1, 1]), 0.5)), imageMean);
};

/** out[i] = in[i + t] (0 outside), as a [B, 1, n, n] matrix per image: row i has its 1 at column i + t. */
const shiftMatrix = (t: Node, n: number): Node => {
  const b = t.shape[0];
  const target = add(iota(n, [1, n, 1]), reshape(t, [b, 1, 1]));
  return reshape(cast(equal(iota(n, [1, 1, n]), target), 'float32'), [b, 1, n, n]);
};

const translate = (x: Node, key: Node, ratio: number): Node => {
  const [b, , h, w] = x.shape;
  const [sy, sx] = [Math.floor(h * ratio + 0.5), Math.floor(w * ratio + 0.5)];
  const [ky, kx] = splitKeys(key, 2);
  const ty = randInts(ky, b, -sy, 2 * sy + 1);
  const tx = randInts(kx, b, -sx, 2 * sx + 1);
  // rows then columns: (Ty x) Tx^T
  return matmul(matmul(shiftMatrix(ty, h), x), mT(shiftMatrix(tx, w)));
};

/** 1 inside [lo, lo + size) along an axis of n positions, per image: [B, n]. */
const band = (lo: Node, n: number, size: number): Node => {
  const b = lo.shape[0];
  const pos = iota(n, [1, n]);
  const start = reshape(lo, [b, 1]);
  return logicalAnd(greaterEqual(pos, start), less(pos, add(start, size)));
};

const cutout = (x: Node, key: Node, ratio: number): Node => {
  const [b, , h, w] = x.shape;
  const [ch, cw] = [Math.floor(h * ratio + 0.5), Math.floor(w * ratio + 0.5)];
  const [ky, kx] = splitKeys(key, 2);
  // the reference's offsets: centre on [0, side + (1 - size mod 2)), square starting size/2 before it
  const oy = sub(randInts(ky, b, 0, h + (1 - (ch % 2))), Math.floor(ch / 2));
  const ox = sub(randInts(kx, b, 0, w + (1 - (cw % 2))), Math.floor(cw / 2));
  const rows = reshape(cast(band(oy, h, ch), 'float32'), [b, 1, h, 1]);
  const cols = reshape(cast(band(ox, w, cw), 'float32'), [b, 1, 1, w]);
  return mul(x, sub(1, mul(rows, cols)));
};

/** The policy's augmentations of a batch [B, C, H, W], in the reference's order: color, translation, cutout. */
export const diffAugment = (x: Node, key: Node, policy: AugmentPolicy): Node => {
  if (x.shape.length !== 4) throw new GraphError('shape', 'diffAugment', `expected NCHW images, got rank ${x.shape.length}`, [{ shape: x.shape, dtype: x.dtype }]);
  const [kColor, kShift, kCut, gColor, gShift, gCut] = splitKeys(key, 6);
  let y = x;
  if (policy.color) y = maybe(gColor, policy.prob, y, (v) => color(v, kColor));
  if (policy.translation > 0) y = maybe(gShift, policy.prob, y, (v) => translate(v, kShift, policy.translation));
  if (policy.cutout > 0) y = maybe(gCut, policy.prob, y, (v) => cutout(v, kCut, policy.cutout));
  return y;
};
