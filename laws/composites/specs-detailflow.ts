import fc from 'fast-check';
import { l2Normalize, quantize } from '../../src/detailflow/tokenizer/quantizers/l2-vq.ts';
import { perceptualDistances, PERCEPTUAL_EPS } from '../../src/detailflow/teacher/perceptual.ts';
import { floatArrayArb } from '../helpers/arbitraries.ts';
import * as h from '../helpers/host64.ts';
import { all, type SpecTable } from './spec.ts';

const dims = (min: number, max: number) => fc.integer({ min, max });

const unitRows = (x: h.Arr, eps = 1e-12): h.F64 => h.rows(x, (r) => { const n = Math.max(r.reduce((a, v) => a + v * v, 0), eps); return r.map((v) => v / Math.sqrt(n)); });

/** Every row's norm is at least 0.3: normalising a near-zero row is ill-conditioned (its gradient grows as 1/|x|). */
const rowsAwayFromZero = (x: h.Arr): boolean => h.rows(x, (r) => [Math.hypot(...r)]).data.every((n) => n > 0.3);

/** The nearest unit code per unit token, as the quantiser (argmax cosine). */
const nearest = (book: h.Arr, z: h.Arr): { q: h.F64; zn: h.F64 } => {
  const [bn, zn] = [unitRows(book), unitRows(z)];
  const d = book.shape[1];
  const q = h.rows(zn, (row) => {
    const sims = Array.from({ length: book.shape[0] }, (_, c) => row.reduce((a, v, j) => a + v * bn.data[c * d + j], 0));
    const c = sims.indexOf(Math.max(...sims));
    return bn.data.slice(c * d, c * d + d);
  });
  return { q, zn };
};

/** Codebook [V, D] and tokens [T, D] whose best and second-best codes are 1e-3 apart (no near-tie for argmax to break in float32). */
const vqArb = fc.tuple(dims(2, 5), dims(2, 4), dims(1, 4)).chain(([v, d, t]) => all(floatArrayArb([v, d], -1, 1), floatArrayArb([t, d], -1, 1)))
  .filter(({ inputs: [book, z] }) => {
    const [bn, zn] = [unitRows(book), unitRows(z)];
    const d = book.shape[1];
    return h.rows(zn, (row) => {
      const sims = Array.from({ length: book.shape[0] }, (_, c) => row.reduce((a, v, j) => a + v * bn.data[c * d + j], 0)).sort((a, b) => b - a);
      return [sims[0] - sims[1]];
    }).data.every((gap) => gap > 1e-3) && rowsAwayFromZero(book) && rowsAwayFromZero(z);
  });

const perToken = (a: h.Arr, b: h.Arr): h.F64 =>
  h.f64(h.rows(a, (r, i) => [r.reduce((s, v, j) => s + (v - b.data[i * r.length + j]) ** 2, 0) / r.length]).data, a.shape.slice(0, -1));

/** The DetailFlow composites: the l2-normalised quantiser (straight-through and its two losses) and the perceptual distance. */
export const detailflowSpecs: SpecTable = {
  l2Normalize: {
    gen: fc.tuple(dims(1, 3), dims(1, 4)).chain((s) => all(floatArrayArb(s, -1, 1))).filter(({ inputs: [x] }) => rowsAwayFromZero(x)),
    apply: ([x]) => l2Normalize(x),
    host: ([x]) => unitRows(x),
    diff: [0],
    tol: 3e-3,
  },
  // forward: the nearest unit code; gradient: that of the normalised token (straight-through), none to the codebook
  'quantize.codes': {
    gen: vqArb,
    apply: ([book, z]) => quantize(book, z).codes,
    host: ([book, z]) => nearest(book, z).q,
    surrogate: ([, z]) => unitRows(z),
    diff: [0, 1],
    tol: 3e-3,
  },
  // mean((q - sg z)^2): gradient to the codebook only (z held where it was)
  'quantize.vqPerToken': {
    gen: vqArb,
    apply: ([book, z]) => quantize(book, z).vqPerToken,
    host: ([book, z]) => { const { q, zn } = nearest(book, z); return perToken(q, zn); },
    surrogate: ([book, z], _s, at) => perToken(nearest(book, z).q, unitRows(at[1])),
    diff: [0, 1],
    tol: 3e-3,
  },
  // mean((sg q - z)^2): gradient to the tokens only (the code held where it was)
  'quantize.commitPerToken': {
    gen: vqArb,
    apply: ([book, z]) => quantize(book, z).commitPerToken,
    host: ([book, z]) => { const { q, zn } = nearest(book, z); return perToken(q, zn); },
    surrogate: ([, z], _s, at) => perToken(nearest(at[0], at[1]).q, unitRows(z)),
    diff: [0, 1],
    tol: 3e-3,
  },
  perceptualDistances: {
    gen: fc.tuple(dims(1, 2), dims(1, 3), dims(1, 3)).chain((s) => all(floatArrayArb(s), floatArrayArb(s))),
    apply: ([a, b]) => perceptualDistances([a], [b]),
    host: ([a, b]) => {
      const unit = (x: h.Arr) => h.rows(x, (r) => { const n = r.reduce((t, v) => t + v * v, 0) + PERCEPTUAL_EPS; return r.map((v) => v / Math.sqrt(n)); });
      const [ua, ub] = [unit(a), unit(b)];
      const d = h.rows(ua, (r, i) => [r.reduce((t, v, j) => t + (v - ub.data[i * r.length + j]) ** 2, 0)]);
      return h.meanAxes(h.f64(d.data, a.shape.slice(0, -1)), [1], false);
    },
    diff: [0, 1],
  },
};
