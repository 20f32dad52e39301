import type { Node } from '../../ir/node.ts';
import { add, constant, matmul, mul } from '../../ops/index.ts';
import { headDimOf, type ArConfig } from './config.ts';
import { partitionOf, ropeWidthOf } from '../partition-config.ts';
import { scaleSide, spanIndexOf } from '../partition.ts';

/**
 * 2D rotary embeddings over the (N/w) x w token grid (precompute_freqs_cis_2d_nonsquare), w the
 * config's ropeWidth, g unless given (a partition's spans need not tile a grid, so its width is
 * its own field); with inputs 'scales', over the scales' cells (scaleCellCentre):
 * with q = Dh/4 frequencies f_k = base^(-k/q), a grid cell (r, c) has the Dh/2 angles
 * [r f_0 .. r f_(q-1), c f_0 .. c f_(q-1)], and angle m rotates the pair (x[2m], x[2m+1]).
 * Sequence position p >= 1 uses the cell of flat index p-1 (row-major; offset by one from the
 * attention blocks, as in the reference); position 0 (class) gets the zero pair when
 * classZeroRotation (the reference), else the identity.
 */
export const ropeAngles = (p: number, c: ArConfig): Float64Array => {
  const dh = headDimOf(c);
  const q = dh / 4;
  const [row, col] = c.inputs === 'scales' ? scaleCellCentre(p, c) : flatCell(p - 1, ropeWidthOf(c));
  const out = new Float64Array(dh / 2);
  for (let k = 0; k < q; k++) {
    const f = Math.pow(c.ropeBase, -k / q);
    out[k] = row * f;
    out[q + k] = col * f;
  }
  return out;
};

/** Row and column of flat cell index `cell` on a grid of width w. */
const flatCell = (cell: number, w: number): [number, number] => [Math.floor(cell / w), cell % w];

/**
 * inputs 'scales': position p (p >= 1) predicts token p and holds the coarser cell under it, so
 * it is rotated by that cell's centre on the finest scale's S x S grid: cell (y, x) of an s x s
 * scale is at ((y + 1/2) S/s - 1/2, (x + 1/2) S/s - 1/2), the same place at every scale.
 */
const scaleCellCentre = (p: number, c: ArConfig): [number, number] => {
  const part = partitionOf(c);
  const span = part.spans[spanIndexOf(part, p)];
  const s = scaleSide(span);
  const S = scaleSide(part.spans[part.spans.length - 1]);
  const i = p - span.start;
  const at = (v: number) => ((v + 0.5) * S) / s - 0.5;
  return [at(Math.floor(i / s)), at(i % s)];
};

/** Per-element tables [T, Dh] for positions [from, to): cos, and sin signed for `swapPairs`. */
export const ropeTables = (from: number, to: number, c: ArConfig): { cos: Float32Array; sin: Float32Array } => {
  const dh = headDimOf(c);
  const T = to - from;
  const cos = new Float32Array(T * dh);
  const sin = new Float32Array(T * dh);
  for (let i = 0; i < T; i++) {
    const p = from + i;
    if (p === 0) {
      if (!c.classZeroRotation) for (let j = 0; j < dh; j++) cos[i * dh + j] = 1;
      continue;
    }
    const a = ropeAngles(p, c);
    for (let m = 0; m < dh / 2; m++) {
      const cs = Math.cos(a[m]);
      const sn = Math.sin(a[m]);
      cos[i * dh + 2 * m] = cs; cos[i * dh + 2 * m + 1] = cs;
      // x0' = x0 cos - x1 sin, x1' = x1 cos + x0 sin: the swapped partner times -sin / +sin
      sin[i * dh + 2 * m] = -sn; sin[i * dh + 2 * m + 1] = sn;
    }
  }
  return { cos, sin };
};

export interface RopeNodes {
  readonly cos: Node;
  readonly sin: Node;
}

export const ropeNodes = (from: number, to: number, c: ArConfig): RopeNodes => {
  const { cos, sin } = ropeTables(from, to, c);
  const shape = [to - from, headDimOf(c)];
  return { cos: constant(cos, shape), sin: constant(sin, shape) };
};

/**
 * (x0, x1, x2, x3, ...) -> (x1, x0, x3, x2, ...) over the last axis, as a product with a
 * [Dh, Dh] permutation: one 2D matmul (exact: one term per output) instead of slicing pairs,
 * which tfjs-wasm does element by element.
 */
export const swapPairs = (x: Node): Node => {
  const d = x.shape[x.shape.length - 1];
  const p = new Float32Array(d * d);
  for (let i = 0; i < d; i++) p[(i ^ 1) * d + i] = 1;
  return matmul(x, constant(p, [d, d]));
};

/** Rotates x [..., T, Dh] with the tables of its T positions (broadcast over batch and heads). */
export const applyRope = (x: Node, r: RopeNodes): Node => add(mul(x, r.cos), mul(swapPairs(x), r.sin));
