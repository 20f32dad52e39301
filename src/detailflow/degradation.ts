import * as E from 'fp-ts/lib/Either.js';
import { constant } from '../ops/constants.ts';
import { matmul } from '../ops/linalg.ts';
import { GraphError } from '../ir/errors.ts';
import type { Node } from '../ir/node.ts';
import { ConfigError } from '../config/errors.ts';
import type { HostImage } from './host-image.ts';
import { snapToPatch } from './decoder-size.ts';
import { validateResolutionMap, type ResolutionMap } from './resolution.ts';
import { resamplingMatrix, torchResize, type Resampling } from './resampling.ts';
import { resampleHost, torchResizeHost } from './resize-host.ts';

/**
 * A degradation: the training target for prefix t as a chain of square resizes, stage k taking
 * the image to side `side(t)` with its resampling. Every stage is linear, so the whole target
 * is a fixed linear function of the image for each t. Stages whose side is unchanged are
 * skipped, which makes a degradation whose sides all equal H the identity bit for bit.
 */
export interface Stage {
  readonly name: string;
  readonly side: (t: number) => number;
  readonly resampling: Resampling;
}

export interface Degradation {
  readonly name: string;
  /** H: the side of the clean image */
  readonly size: number;
  /** N: t ranges over 1..N */
  readonly tokens: number;
  readonly stages: readonly Stage[];
}

export const degradation = (name: string, size: number, tokens: number, stages: readonly Stage[]): Degradation => {
  const problems = ([['size', size], ['tokens', tokens]] as const)
    .flatMap(([k, v]) => (Number.isInteger(v) && v >= 1 ? [] : [`${k}: expected a positive integer, got ${v}`]));
  if (problems.length > 0) throw new ConfigError(problems, `degradation ${name}`);
  return Object.freeze({ name, size, tokens, stages: Object.freeze([...stages]) });
};

export const stage = (name: string, side: (t: number) => number, r: Resampling = torchResize): Stage =>
  Object.freeze({ name, side, resampling: r });

/**
 * The reference's target (ResolutionDegradation.get_input_output_img):
 * bicubic_up(area_down(x, R(t)), dec(t)), with F.interpolate's resize rule at each step.
 * Any map may be given; it is checked first (validateResolutionMap, and P must divide H),
 * and a ConfigError lists whatever fails.
 */
export const detailflowDegradation = (map: ResolutionMap, patch: number): Degradation => {
  const checked = validateResolutionMap(map);
  const problems = E.isLeft(checked) ? [...checked.left.problems] : [];
  if (!Number.isInteger(patch) || patch < 1) problems.push(`patch: expected a positive integer, got ${patch}`);
  else if (map.size % patch !== 0) problems.push(`size (H = ${map.size}) must be a multiple of patch (P = ${patch}), so that dec(N) = H`);
  if (problems.length > 0) throw new ConfigError(problems, 'degradation');
  return degradation(`detailflow(${map.name}, P=${patch})`, map.size, map.tokens, [
    stage('content R(t)', (t) => map.values[t - 1]),
    stage('decoder dec(t)', (t) => snapToPatch(map.values[t - 1], patch)),
  ]);
};

const checkT = (d: Degradation, t: number): void => {
  if (!Number.isInteger(t) || t < 1 || t > d.tokens) throw new ConfigError([`t: expected an integer in [1, ${d.tokens}], got ${t}`], 'prefix');
};

/** The sides the image passes through for prefix t, starting with H; unchanged steps dropped. */
const sidesAt = (d: Degradation, t: number): { side: number; resampling: Resampling }[] => {
  checkT(d, t);
  const out: { side: number; resampling: Resampling }[] = [];
  let cur = d.size;
  for (const s of d.stages) {
    const side = s.side(t);
    if (!Number.isInteger(side) || side < 1) throw new ConfigError([`${s.name}: side at t = ${t} must be a positive integer, got ${side}`], d.name);
    if (side !== cur) out.push({ side, resampling: s.resampling });
    cur = side;
  }
  return out;
};

/** The side of the target for prefix t (dec(t) for the reference degradation). */
export const outputSide = (d: Degradation, t: number): number => {
  const s = sidesAt(d, t);
  return s.length === 0 ? d.size : s[s.length - 1].side;
};

// One constant node per (rule, in, out, orientation): repeated traces share it (and its hash).
const nodeCache = new WeakMap<Resampling, Map<string, Node>>();
const matrixNode = (r: Resampling, inSize: number, outSize: number, transposed: boolean): Node => {
  let perRule = nodeCache.get(r);
  if (perRule === undefined) { perRule = new Map(); nodeCache.set(r, perRule); }
  const key = `${inSize}x${outSize}${transposed ? 'T' : ''}`;
  let n = perRule.get(key);
  if (n === undefined) {
    n = constant(resamplingMatrix(r, inSize, outSize, transposed), transposed ? [inSize, outSize] : [outSize, inSize]);
    perRule.set(key, n);
  }
  return n;
};

/**
 * The target as a graph expression over x [..., H, H]: per stage, Ry [h, H] on the rows and
 * Rx^T [W, w] on the columns (two broadcast matmuls with constant matrices, cached per size
 * pair). Pure, backend independent and differentiable in x.
 */
export const degradeExpr = (d: Degradation, x: Node, t: number): Node => {
  const r = x.shape.length;
  if (r < 2 || x.shape[r - 1] !== d.size || x.shape[r - 2] !== d.size) {
    throw new GraphError('shape', 'degrade', `expects [..., ${d.size}, ${d.size}] images`, [{ shape: x.shape, dtype: x.dtype }]);
  }
  if (x.dtype !== 'float32') throw new GraphError('dtype', 'degrade', 'expects float32 images', [{ shape: x.shape, dtype: x.dtype }]);
  let y = x;
  let cur = d.size;
  for (const { side, resampling } of sidesAt(d, t)) {
    y = matmul(matmul(matrixNode(resampling, cur, side, false), y), matrixNode(resampling, cur, side, true));
    cur = side;
  }
  return y;
};

const checkImage = (d: Degradation, img: HostImage): void => {
  if (img.height !== d.size || img.width !== d.size) {
    throw new ConfigError([`image: expected ${d.size} x ${d.size} (the configured size), got ${img.height} x ${img.width}`], 'image');
  }
};

/** Any degradation on the host, through the same matrices as the expression. */
export const degradeHost = (d: Degradation, img: HostImage, t: number): HostImage => {
  checkImage(d, img);
  return sidesAt(d, t).reduce<HostImage>((acc, { side, resampling }) => resampleHost(resampling, acc, side, side), { ...img, data: img.data.slice() });
};

/**
 * The plain reference for the DetailFlow target: PyTorch's loops (area pool, then bicubic),
 * no matrices. t = N returns a bit-exact copy.
 */
export const degradeReferenceHost = (map: ResolutionMap, patch: number, img: HostImage, t: number): HostImage => {
  const d = detailflowDegradation(map, patch);
  checkImage(d, img);
  return sidesAt(d, t).reduce<HostImage>((acc, { side }) => torchResizeHost(acc, side, side), { ...img, data: img.data.slice() });
};
