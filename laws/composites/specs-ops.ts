import fc from 'fast-check';
import * as o from '../../src/ops/index.ts';
import { awayFromZeroArb, boolArrayArb, distinctArb, floatArrayArb, intArrayArb, shapeArb } from '../helpers/arbitraries.ts';
import * as h from '../helpers/host64.ts';
import { all, type SpecTable } from './spec.ts';

const dims = (min: number, max: number) => fc.integer({ min, max });
const rowsArb = fc.tuple(dims(1, 3), dims(2, 5));
const withLabels = fc.tuple(shapeArb(1, 2, 3), dims(2, 5));

const lse = (x: h.Arr, keep: boolean): h.Arr => {
  const y = h.rows(x, (r) => [h.logsumexpRow(r)]);
  return keep ? y : h.f64(y.data, x.shape.slice(0, -1));
};

/** The composites of src/ops (graph builders made of several primitives). */
export const opsSpecs: SpecTable = {
  softmax: {
    gen: shapeArb(1, 3).chain((s) => all(floatArrayArb(s, -4, 4))),
    apply: ([x]) => o.softmax(x, -1),
    host: ([x]) => h.rows(x, h.softmaxRow),
    diff: [0],
  },
  logSoftmax: {
    gen: shapeArb(1, 3).chain((s) => all(floatArrayArb(s, -4, 4))),
    apply: ([x]) => o.logSoftmax(x, -1),
    host: ([x]) => h.rows(x, (r) => { const l = h.logsumexpRow(r); return r.map((v) => v - l); }),
    diff: [0],
  },
  // masked rows included: a row with no allowed entry is uniform and takes no gradient
  maskedSoftmax: {
    gen: rowsArb.chain(([r, n]) => all(floatArrayArb([r, n], -4, 4), boolArrayArb([r, n]))),
    apply: ([x, m]) => o.maskedSoftmax(x, m, -1),
    host: ([x, m]) => h.rows(x, (row, r) => h.softmaxRow(row.map((v, j) => (m.data[r * row.length + j] ? v : -1e30)))),
    diff: [0],
  },
  logsumexp: {
    gen: shapeArb(1, 3).chain((s) => fc.tuple(floatArrayArb(s, -4, 4), fc.boolean()).map(([x, k]) => ({ inputs: [x], statics: [k ? 1 : 0] }))),
    apply: ([x], [keep]) => o.logsumexp(x, -1, keep === 1),
    host: ([x], [keep]) => lse(x, keep === 1),
    diff: [0],
  },
  crossEntropy: {
    gen: withLabels.chain(([lead, v]) => all(floatArrayArb([...lead, v], -4, 4), intArrayArb(lead, 0, v - 1))),
    apply: ([logits, labels]) => o.crossEntropy(logits, labels),
    host: ([logits, labels]) => {
      const per = h.rows(logits, (r, i) => [h.logsumexpRow(r) - r[labels.data[i]]]).data;
      return h.f64([per.reduce((a, b) => a + b, 0) / per.length], []);
    },
    diff: [0],
  },
  accuracy: {
    gen: withLabels.chain(([lead, v]) => all(distinctArb([...lead, v]), intArrayArb(lead, 0, v - 1))),
    apply: ([logits, labels]) => o.accuracy(logits, labels),
    host: ([logits, labels]) => {
      const hits = h.rows(logits, (r, i) => [r.indexOf(Math.max(...r)) === labels.data[i] ? 1 : 0]).data;
      return h.f64([hits.reduce((a, b) => a + b, 0) / hits.length], []);
    },
    diff: [],
  },
  mean: {
    gen: shapeArb(1, 3).chain((s) => fc.tuple(floatArrayArb(s), fc.subarray([...s.keys()]), fc.boolean())
      .map(([x, axes, keep]) => ({ inputs: [x], statics: [keep ? 1 : 0, ...axes] }))),
    apply: ([x], [keep, ...axes]) => o.mean(x, axes, keep === 1),
    host: ([x], [keep, ...axes]) => h.meanAxes(x, axes, keep === 1),
    diff: [0],
  },
  relu: {
    gen: shapeArb().chain((s) => all(awayFromZeroArb(s, 0.1))),
    apply: ([x]) => o.relu(x),
    host: ([x]) => h.map(x, (v) => Math.max(v, 0)),
    diff: [0],
  },
  // the forward value is `forward`; the gradient is the identity's in x and none in `forward`
  straightThrough: {
    gen: shapeArb().chain((s) => all(floatArrayArb(s), floatArrayArb(s))),
    apply: ([x, q]) => o.straightThrough(x, q),
    host: ([, q]) => h.map(q, (v) => v),
    surrogate: ([x]) => h.map(x, (v) => v),
    diff: [0, 1],
  },
  topKFilter: {
    gen: rowsArb.chain(([r, n]) => fc.tuple(distinctArb([r, n]), dims(1, n)).map(([x, k]) => ({ inputs: [x], statics: [k] }))),
    apply: ([x], [k]) => o.topKFilter(x, k),
    host: ([x], [k]) => h.rows(x, (row) => { const kth = [...row].sort((a, b) => b - a)[k - 1]; return row.map((v) => (v < kth ? -1e30 : v)); }),
    diff: [0],
  },
  gelu: {
    gen: shapeArb().chain((s) => all(floatArrayArb(s, -3, 3))),
    apply: ([x]) => o.gelu(x),
    host: ([x]) => h.map(x, h.geluTanh),
    diff: [0],
  },
};
