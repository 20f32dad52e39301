import fc from 'fast-check';
import * as nn from '../../src/nn/index.ts';
import { hostArray, isHostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { sizeOf } from '../../src/ir/shape.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { flatten, unflatten, type Tree } from '../../src/tree/tree.ts';
import { boolArrayArb, floatArrayArb, intArrayArb, shapeArb } from '../helpers/arbitraries.ts';
import * as h from '../helpers/host64.ts';
import { all, withStatics, type CompositeSpec, type SpecTable } from './spec.ts';

const dims = (min: number, max: number) => fc.integer({ min, max });
const rowsOf = (d: number) => shapeArb(0, 2, 3).map((lead) => [...lead, d]);

/**
 * softmax(q k^T * scale + bias) v per (batch, head) block, the mask broadcast over heads.
 * `exact`: a fully masked row as exact arithmetic sees it, softmax(scores) (a bias constant
 * along the row cancels), which is what attend's VJP differentiates; rounded (the value), the
 * -1e30 bias swamps the scores and the row is the mean of v. So such a row passes gradient to
 * q and k that its value does not depend on (as PyTorch's finfo.min bias does); DetailFlow's
 * masks never have one (every query sees itself).
 */
const attendHost = (q: h.Arr, k: h.Arr, v: h.Arr, mask?: h.Arr, exact = false): h.F64 => {
  const r = q.shape.length;
  const [tq, d] = q.shape.slice(-2);
  const tk = k.shape[r - 2];
  const dv = v.shape[r - 1];
  const blocks = sizeOf(q.shape.slice(0, -2));
  const heads = r >= 4 ? q.shape[r - 3] : 1;
  const out = new Float64Array(blocks * tq * dv);
  for (let b = 0; b < blocks; b++) {
    // a mask [Tq, Tk] is shared; [B, Tq, Tk] is per batch entry (blocks run batch-major, heads inside)
    const mOff = mask && mask.shape.length === 3 ? Math.floor(b / heads) * tq * tk : 0;
    for (let i = 0; i < tq; i++) {
      const blocked = (j: number) => mask !== undefined && !mask.data[mOff + i * tk + j];
      const allBlocked = Array.from({ length: tk }, (_, j) => blocked(j)).every(Boolean);
      const scores = Float64Array.from({ length: tk }, (_, j) => {
        let s = 0;
        for (let c = 0; c < d; c++) s += q.data[(b * tq + i) * d + c] * k.data[(b * tk + j) * d + c];
        return s / Math.sqrt(d) + (blocked(j) && !(exact && allBlocked) ? -1e30 : 0);
      });
      const p = h.softmaxRow(scores);
      for (let c = 0; c < dv; c++) {
        let s = 0;
        for (let j = 0; j < tk; j++) s += p[j] * v.data[(b * tk + j) * dv + c];
        out[(b * tq + i) * dv + c] = s;
      }
    }
  }
  return h.f64(out, [...q.shape.slice(0, -1), dv]);
};

/** q, k, v [B, H, T, D] and a mask: none, [Tq, Tk] or [B, Tq, Tk]; small Tk makes fully masked rows common. */
const attendArb = fc.tuple(dims(1, 2), dims(1, 2), dims(1, 3), dims(1, 4), dims(1, 3), dims(1, 3), fc.constantFrom(0, 2, 3))
  .chain(([b, hd, tq, tk, d, dv, m]) => all(
    floatArrayArb([b, hd, tq, d]), floatArrayArb([b, hd, tk, d]), floatArrayArb([b, hd, tk, dv]),
    ...(m === 0 ? [] : [boolArrayArb(m === 2 ? [tq, tk] : [b, tq, tk])]),
  ));

const dense = (x: h.Arr, w: h.Arr, b?: h.Arr): h.F64 => {
  const y = h.matmul(h.f64(x.data, [sizeOf(x.shape) / w.shape[0], w.shape[0]]), w);
  const biased = b ? h.addRow(y, b) : y;
  return h.f64(biased.data, [...x.shape.slice(0, -1), w.shape[1]]);
};

/** 'same' convolution, NHWC input, HWIO weights. */
const convHost = (x: h.Arr, w: h.Arr, b?: h.Arr): h.F64 => {
  const [bs, ht, wd, cin] = x.shape;
  const [kh, kw, , cout] = w.shape;
  const out = new Float64Array(bs * ht * wd * cout);
  for (let n = 0; n < bs; n++) for (let i = 0; i < ht; i++) for (let j = 0; j < wd; j++) for (let o = 0; o < cout; o++) {
    let s = b ? b.data[o] : 0;
    for (let dy = 0; dy < kh; dy++) for (let dx = 0; dx < kw; dx++) {
      const [y, xx] = [i + dy - (kh - 1) / 2, j + dx - (kw - 1) / 2];
      if (y < 0 || y >= ht || xx < 0 || xx >= wd) continue;
      for (let c = 0; c < cin; c++) s += x.data[((n * ht + y) * wd + xx) * cin + c] * w.data[((dy * kw + dx) * cin + c) * cout + o];
    }
    out[((n * ht + i) * wd + j) * cout + o] = s;
  }
  return h.f64(out, [bs, ht, wd, cout]);
};
const convArb = (bias: boolean) => fc.tuple(dims(1, 2), dims(1, 3), dims(1, 3), dims(1, 2), dims(1, 2), fc.constantFrom(1, 3))
  .chain(([b, ht, wd, cin, cout, k]) => all(floatArrayArb([b, ht, wd, cin]), floatArrayArb([k, k, cin, cout]), ...(bias ? [floatArrayArb([cout])] : [])));

const mlpHost = ([x, w1, b1, w2, b2]: readonly h.Arr[]): h.F64 => dense(h.map(dense(x, w1, b1), h.geluTanh), w2, b2);
const swigluHost = ([x, g, u, d]: readonly h.Arr[]): h.F64 => {
  const [a, c] = [h.map(dense(x, g), h.silu), dense(x, u)];
  return dense(h.map(a, (v, i) => v * c.data[i]), d);
};

/**
 * A whole layer with its initialised parameters as differentiable inputs, checked by float32
 * central differences on the device: its pieces have float64 specs above, so a second host copy
 * of the composition would only repeat them.
 */
const layerSpec = (layer: nn.AnyLayer, x: fc.Arbitrary<HostArray>, ctx?: (x: Node) => nn.Ctx, tol = 3e-2): CompositeSpec => {
  const { leaves, def } = flatten(layer.init(keyFromSeed(7)) as Tree<HostArray>, isHostArray);
  return {
    gen: x.map((xs) => ({ inputs: [xs, ...leaves], statics: [] })),
    apply: ([xs, ...ps]) => layer.apply(unflatten(def, ps) as never, xs, ctx?.(xs)),
    diff: [0, ...leaves.map((_, i) => i + 1)],
    tol,
  };
};
/** Tokens [B, T, width] with a ramp along the width, so no row is near-constant (where layer norm's gradient explodes). */
const tokens = (width: number) => fc.tuple(dims(1, 2), dims(1, 3)).chain(([b, t]) => floatArrayArb([b, t, width], -0.5, 0.5)
  .map((x) => hostArray(x.data.map((v, i) => v + (i % width) - (width - 1) / 2), x.shape)));
const causal = (x: Node): nn.Ctx => ({ mask: nn.causalMask(x.shape[1]) });
const block = { width: 4, heads: 2, mlpWidth: 6, depth: 2 };

/** The composites of src/nn. */
export const nnSpecs: SpecTable = {
  attend: {
    gen: attendArb,
    apply: ([q, k, v, m]) => nn.attend(q, k, v, m),
    host: ([q, k, v, m]) => attendHost(q, k, v, m),
    surrogate: ([q, k, v, m]) => attendHost(q, k, v, m, true),
    diff: [0, 1, 2],
  },
  normalizeLastAxis: {
    gen: dims(2, 5).chain((d) => rowsOf(d).chain((s) => all(floatArrayArb(s)))),
    apply: ([x]) => nn.normalizeLastAxis(x, 1e-5),
    host: ([x]) => h.rows(x, (r) => h.normalizeRow(r, 1e-5)),
    diff: [0],
  },
  layerNorm: {
    gen: dims(2, 5).chain((d) => rowsOf(d).chain((s) => all(floatArrayArb(s), floatArrayArb([d]), floatArrayArb([d])))),
    apply: ([x, scale, bias]) => nn.layerNorm({ dim: x.shape[x.shape.length - 1] }).apply({ scale, bias }, x),
    host: ([x, s, b]) => h.rows(x, (r) => h.normalizeRow(r, 1e-5).map((v, j) => v * s.data[j] + b.data[j])),
    diff: [0, 1, 2],
  },
  rmsNorm: {
    gen: dims(1, 5).chain((d) => rowsOf(d).chain((s) => all(floatArrayArb(s), floatArrayArb([d])))),
    apply: ([x, scale]) => nn.rmsNorm({ dim: x.shape[x.shape.length - 1] }).apply({ scale }, x),
    host: ([x, s]) => h.rows(x, (r) => h.rmsRow(r, 1e-6).map((v, j) => v * s.data[j])),
    diff: [0, 1],
  },
  dense: {
    gen: fc.tuple(dims(1, 4), dims(1, 4)).chain(([i, o]) => rowsOf(i).chain((s) => all(floatArrayArb(s), floatArrayArb([i, o]), floatArrayArb([o])))),
    apply: ([x, w, b]) => nn.dense(x, w, b),
    host: ([x, w, b]) => dense(x, w, b),
    diff: [0, 1, 2],
  },
  linear: {
    gen: fc.tuple(dims(1, 4), dims(1, 4)).chain(([i, o]) => rowsOf(i).chain((s) => all(floatArrayArb(s), floatArrayArb([i, o]), floatArrayArb([o])))),
    apply: ([x, w, b]) => nn.linear({ in: w.shape[0], out: w.shape[1] }).apply({ w, b }, x),
    host: ([x, w, b]) => dense(x, w, b),
    diff: [0, 1, 2],
  },
  mlp: {
    gen: fc.tuple(dims(1, 3), dims(1, 4)).chain(([d, hd]) => rowsOf(d).chain((s) => all(floatArrayArb(s), floatArrayArb([d, hd]), floatArrayArb([hd]), floatArrayArb([hd, d]), floatArrayArb([d])))),
    apply: ([x, w1, b1, w2, b2]) => nn.mlp({ dim: w1.shape[0], hidden: w1.shape[1] }).apply({ fc1: { w: w1, b: b1 }, fc2: { w: w2, b: b2 } }, x),
    host: mlpHost,
    diff: [0, 1, 2, 3, 4],
  },
  swiglu: {
    gen: fc.tuple(dims(1, 3), dims(1, 4)).chain(([d, hd]) => rowsOf(d).chain((s) => all(floatArrayArb(s), floatArrayArb([d, hd]), floatArrayArb([d, hd]), floatArrayArb([hd, d])))),
    apply: ([x, g, u, d]) => nn.swiglu({ dim: g.shape[0], hidden: g.shape[1] }).apply({ gate: { w: g }, up: { w: u }, down: { w: d } }, x),
    host: swigluHost,
    diff: [0, 1, 2, 3],
  },
  embedding: {
    gen: fc.tuple(dims(1, 5), dims(1, 3), shapeArb(1, 2, 3)).chain(([v, d, s]) => all(floatArrayArb([v, d]), intArrayArb(s, 0, v - 1))),
    apply: ([table, ids]) => nn.embedding({ vocab: table.shape[0], dim: table.shape[1] }).apply({ table }, ids),
    host: ([t, ids]) => h.f64(Array.from(ids.data).flatMap((i) => Array.from({ length: t.shape[1] }, (_, c) => t.data[i * t.shape[1] + c])), [...ids.shape, t.shape[1]]),
    diff: [0],
  },
  conv2dNhwc: {
    gen: convArb(true),
    apply: ([x, w, b]) => nn.conv2dNhwc(x, w, b),
    host: ([x, w, b]) => convHost(x, w, b),
    diff: [0, 1, 2],
  },
  conv2dFn: {
    gen: convArb(false).map(({ inputs: [x, w] }) => ({ inputs: [hostArray(Float32Array.from(h.transpose(x, [0, 3, 1, 2]).data), [x.shape[0], x.shape[3], x.shape[1], x.shape[2]]), w], statics: [] })),
    apply: ([x, w]) => nn.conv2dFn(x, w),
    host: ([x, w]) => h.transpose(convHost(h.transpose(x, [0, 2, 3, 1]), w), [0, 3, 1, 2]),
    diff: [0, 1],
  },
  conv2d: {
    gen: convArb(true),
    apply: ([x, w, b]) => nn.conv2d({ in: w.shape[2], out: w.shape[3], kernel: w.shape[0], layout: 'NHWC' }).apply({ w, b }, x),
    host: ([x, w, b]) => convHost(x, w, b),
    diff: [0, 1, 2],
  },
  avgPool2: {
    gen: withStatics(fc.tuple(dims(1, 2), dims(1, 2), dims(1, 2), dims(1, 2)).chain(([b, c, hh, ww]) => all(floatArrayArb([b, c, 2 * hh, 2 * ww])).map((k) => k.inputs)), fc.constant([])),
    apply: ([x]) => nn.avgPool2(x),
    host: ([x]) => { const [b, c, ht, wd] = x.shape; return h.meanAxes(h.f64(x.data, [b, c, ht / 2, 2, wd / 2, 2]), [3, 5], false); },
    diff: [0],
  },
  globalAvgPool: {
    gen: fc.tuple(dims(1, 2), dims(1, 3), dims(1, 3), dims(1, 3)).chain((s) => all(floatArrayArb(s))),
    apply: ([x]) => nn.globalAvgPool(x, 'NHWC'),
    host: ([x]) => h.meanAxes(x, [1, 2], false),
    diff: [0],
  },
  residual: {
    gen: shapeArb(1, 3).chain((s) => all(floatArrayArb(s))),
    apply: ([x]) => nn.residual(nn.fn((y) => nn.activationFn('tanh')(y))).apply({}, x),
    host: ([x]) => h.map(x, (v) => v + Math.tanh(v)),
    diff: [0],
  },
  multiHeadAttention: layerSpec(nn.multiHeadAttention({ dim: 4, heads: 2 }), tokens(4), causal),
  transformerBlock: layerSpec(nn.transformerBlock(block), tokens(4), causal),
  // two blocks and a final norm: the float32 step of 1e-2 leaves a third-order error of a few percent
  transformerStack: layerSpec(nn.transformerStack({ ...block, norm: 'rms', activation: 'swiglu', finalNorm: true }), tokens(4), causal, 6e-2),
};
