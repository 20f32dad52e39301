import { GraphError } from '../../../ir/errors.ts';
import { isNode, type Node } from '../../../ir/node.ts';
import type { Params } from '../../../nn/module.ts';
import {
  add, argmax, concat, constant, gather, matmul, mean, mT, mul, neg, square, stopGradient, sub, sum, topk,
} from '../../../ops/index.ts';
import { isSquare } from '../../partition.ts';
import { resamplingMatrix, torchResize } from '../../resampling.ts';
import { initCodebook } from './l2-vq.ts';
import { drawAmong, type Quantized, type Quantizer, type QuantizerParams } from './quantizer.ts';

/**
 * Multi-scale residual vector quantisation, as VAR's tokenizer (Tian et al. 2024, "Visual
 * Autoregressive Modeling"; its VectorQuantizer2): the encoder's G x G feature grid is quantised
 * scale by scale, coarse to fine. At scale s the residual left by the coarser scales is
 * area-downsampled to s x s and each cell is replaced by its nearest code (Euclidean, one
 * codebook shared by all scales); the codes are bicubic-upsampled back to G x G and subtracted
 * from the residual. The decoder reads the sum of every scale's upsampled codes.
 *
 * - Tokens: the scales' cells in order, each scale in raster order: 1 + 4 + ... + G^2 of them.
 *   A prefix ending on a scale is the image at that scale's detail (the next-scale partition).
 * - What the decoder reads from t tokens is linear in their code vectors: U[:, :t] @ codes with U
 *   the [G^2, N] upsampling matrix of all scales (`toDecoder`).
 * - Gradients: the decoder's input passes the gradient to the encoder's grid unchanged (VAR's
 *   f_hat = f + sg(f_hat - f)), through the last scale, which is the grid itself. The loss terms
 *   are per token, each scale's code against its downsampled residual: mean((q - sg r)^2) moves
 *   the codebook, mean((sg q - r)^2) the encoder (VAR sums the same two terms over the
 *   accumulated f_hat at full size instead).
 * - Left out: VAR's phi, the shared 3x3 convolutions that refine each upsampled scale.
 */

/** The Kronecker square of a row-major [o, i] matrix: [o^2, i^2], acting on row-major s x s grids. */
const kronSquare = (m: Float32Array, o: number, i: number): Float32Array => {
  const out = new Float32Array(o * o * i * i);
  for (let oy = 0; oy < o; oy++) for (let ox = 0; ox < o; ox++) {
    for (let iy = 0; iy < i; iy++) for (let ix = 0; ix < i; ix++) {
      out[(oy * o + ox) * i * i + iy * i + ix] = m[oy * i + iy] * m[ox * i + ix];
    }
  }
  return out;
};

export interface ScaleOperators {
  /** Area downsampling of a G x G grid to s x s: [s^2, G^2] per scale. */
  readonly down: readonly Float32Array[];
  /** Bicubic upsampling of an s x s grid to G x G: [G^2, s^2] per scale. */
  readonly up: readonly Float32Array[];
  /** Every scale's upsampling side by side: [G^2, N], N = sum of s^2 (column j = token j). */
  readonly upAll: Float32Array;
  readonly tokens: number;
}

/** The fixed resampling operators of scales [s_1 < ... < s_K = G] over a G x G grid (F.interpolate's area down, bicubic up). */
export const scaleOperators = (scales: readonly number[], grid: number): ScaleOperators => {
  const bad = scales.flatMap((s, k) => (!Number.isInteger(s) || s < 1 || s > grid || (k > 0 && s <= scales[k - 1]) ? [`scales[${k}] = ${s}`] : []));
  if (scales.length === 0 || bad.length > 0 || scales[scales.length - 1] !== grid) {
    throw new GraphError('config', 'multiScaleResidualVq', `scales must increase from 1 or more to the grid side ${grid}, got [${scales.join(', ')}]${bad.length ? ` (${bad.join(', ')})` : ''}`);
  }
  const down = scales.map((s) => kronSquare(resamplingMatrix(torchResize, grid, s), s, grid));
  const up = scales.map((s) => kronSquare(resamplingMatrix(torchResize, s, grid), grid, s));
  const tokens = scales.reduce((a, s) => a + s * s, 0);
  const g2 = grid * grid;
  const upAll = new Float32Array(g2 * tokens);
  let col = 0;
  scales.forEach((s, k) => {
    for (let r = 0; r < g2; r++) for (let j = 0; j < s * s; j++) upAll[r * tokens + col + j] = up[k][r * s * s + j];
    col += s * s;
  });
  return { down, up, upAll, tokens };
};

/** The first t columns of a row-major [rows, n] matrix. */
const firstColumns = (m: Float32Array, rows: number, n: number, t: number): Float32Array => {
  const out = new Float32Array(rows * t);
  for (let r = 0; r < rows; r++) out.set(m.subarray(r * n, r * n + t), r * t);
  return out;
};

const codebookOf = (p: Params<QuantizerParams>): Node => {
  if (isNode(p)) return p;
  throw new GraphError('tree', 'multiScaleResidualVq', 'these quantiser parameters have no codebook (another quantiser\'s): load them with their own configuration');
};

/** Minus the squared distance of each row of x [..., D] to every code [V, D]: [..., V], larger is nearer. */
const closeness = (x: Node, book: Node): Node =>
  neg(add(sub(sum(square(x), -1, true), mul(matmul(x, mT(book)), 2)), sum(square(book), -1)));

export const multiScaleResidualVq = (codes: number, dim: number, scales: readonly number[], grid: number): Quantizer => {
  const ops = scaleOperators(scales, grid);
  const g2 = grid * grid;
  const N = ops.tokens;
  const lookup = (p: Params<QuantizerParams>, indices: Node): Node => gather(codebookOf(p), indices);
  return {
    kind: 'msvq',
    codes,
    dim,
    init: (key) => initCodebook(key, codes, dim),
    quantize: (p, z): Quantized => {
      if (z.shape.length < 2 || z.shape[z.shape.length - 2] !== g2) {
        throw new GraphError('shape', 'multiScaleResidualVq', `needs the encoder's ${grid} x ${grid} grid as [..., ${g2}, ${dim}], got [${z.shape.join(', ')}]`);
      }
      const book = codebookOf(p);
      const frozen = stopGradient(z);
      let built: Node | undefined; // the sum of the upsampled codes so far [..., G^2, D] (no gradient)
      const per: { indices: Node; q: Node; r: Node; similarity: Node }[] = [];
      scales.forEach((s, k) => {
        const rest = built === undefined ? z : sub(z, built);
        const r = matmul(constant(ops.down[k], [s * s, g2]), rest);
        const similarity = closeness(stopGradient(r), book);
        const indices = argmax(similarity, -1);
        const q = gather(book, indices);
        const upq = matmul(constant(ops.up[k], [g2, s * s]), stopGradient(q));
        built = built === undefined ? upq : add(built, upq);
        per.push({ indices, q, r, similarity });
      });
      const last = per.length - 1;
      // the decoder's input is U @ codes; only the last scale (the grid itself) carries the encoder's gradient
      const codesOut = per.map((x, k) => (k === last ? add(stopGradient(x.q), sub(z, frozen)) : stopGradient(x.q)));
      const cat = (xs: Node[]) => (xs.length === 1 ? xs[0] : concat(xs, -2));
      const catRows = (xs: Node[]) => (xs.length === 1 ? xs[0] : concat(xs, -1));
      return {
        indices: catRows(per.map((x) => x.indices)),
        codes: cat(codesOut),
        z: cat(per.map((x) => x.r)),
        vqPerToken: catRows(per.map((x) => mean(square(sub(x.q, stopGradient(x.r))), -1))),
        commitPerToken: catRows(per.map((x) => mean(square(sub(stopGradient(x.q), x.r)), -1))),
        similarity: cat(per.map((x) => x.similarity)),
      };
    },
    lookup,
    noise: (p, q, k, key) => {
      const indices = drawAmong(topk(stopGradient(q.similarity), k).indices, key);
      return { indices, codes: lookup(p, indices) };
    },
    decoderRows: () => g2,
    toDecoder: (tokenCodes: Node): Node => {
      const t = tokenCodes.shape[tokenCodes.shape.length - 2];
      if (!Number.isInteger(t) || t < 1 || t > N) throw new GraphError('shape', 'multiScaleResidualVq', `toDecoder needs 1..${N} tokens, got ${t}`);
      return matmul(constant(t === N ? ops.upAll : firstColumns(ops.upAll, g2, N, t), [g2, t]), tokenCodes);
    },
  };
};

/** The scales of a next-scale token layout: the side of each span (spans of s^2 tokens); a span that is not a square is refused by index. */
export const scalesOfSpans = (spans: readonly number[]): number[] => spans.map((n, k) => {
  if (!isSquare(n)) throw new GraphError('config', 'multiScaleResidualVq', `span ${k} has ${n} tokens, not a square s^2 (one scale of s x s cells)`);
  return Math.round(Math.sqrt(n));
});
