import * as tf from '@tensorflow/tfjs-core';
import { showShape } from '../ir/shape.ts';
import type { PrimitiveDef } from './primitive.ts';
import { fail, ok, requireDtype } from './rules.ts';
import { gather, segmentSum } from '../ops/indexing.ts';
import { reshape } from '../ops/movement.ts';
import { onnxTypeCode } from './onnx.ts';

type T = tf.Tensor;

/** Rows of a table: out-of-range indices are not checked on device, so the executor's debug mode checks them. */
export const gatherDef: PrimitiveDef<'gather'> = {
  infer: ([table, idx]) => {
    const bad = requireDtype(idx, ['int32'], 'indices');
    if (bad) return fail(bad);
    if (table.shape.length < 1) return fail('table needs rank >= 1');
    return ok([...idx.shape, ...table.shape.slice(1)], table.dtype);
  },
  lower: ([table, idx]) => tf.gather(table as T, idx as T, 0),
  onnx: (g, [table, idx]) => g.op('Gather', [table, idx], { axis: 0 }),
  vjp: (ct, node) => {
    const [table, idx] = node.inputs;
    return [table.dtype === 'float32' ? segmentSum(ct, idx, table.shape[0]) : null, null];
  },
};

/** Scatter-add of rows into buckets: the adjoint of gather. */
export const segmentSumDef: PrimitiveDef<'segmentSum'> = {
  infer: ([data, ids], a) => {
    const bad = requireDtype(ids, ['int32'], 'segment ids');
    if (bad) return fail(bad);
    if (ids.shape.length !== 1 || data.shape[0] !== ids.shape[0]) {
      return fail(`ids ${showShape(ids.shape)} must be a vector as long as data's first axis ${showShape(data.shape)}`);
    }
    if (!Number.isInteger(a.numSegments) || a.numSegments < 1) return fail(`numSegments must be a positive integer, got ${a.numSegments}`);
    return ok([a.numSegments, ...data.shape.slice(1)], data.dtype);
  },
  lower: ([data, ids], a) => tf.unsortedSegmentSum(data as T, ids as tf.Tensor1D, a.numSegments),
  // ScatterND with add reduction into zeros: each row of data is added at [ids[i]]
  onnx: (g, [data, ids], _, out) => {
    const zeros = g.op('Expand', [g.scalar(0, out.dtype as 'float32' | 'int32'), g.int64s(out.shape)]);
    const at = g.op('Unsqueeze', [g.op('Cast', [ids], { to: onnxTypeCode.int64 }), g.int64s([1])]);
    return g.op('ScatterND', [zeros, at, data], { reduction: 'add' });
  },
  // tfjs-wasm has no UnsortedSegmentSum kernel: one-hot(ids)^T @ data is the same sum
  kernels: {
    wasm: ([data, ids], a, out) => {
      const d = data as T;
      const flat = tf.reshape(d, [d.shape[0], -1]);
      const hot = oneHotDef.lower([ids], { depth: a.numSegments }, { shape: [...(ids as T).shape, a.numSegments], dtype: 'float32' }) as T;
      return tf.reshape(tf.matMul(hot, flat, true, false), [...out.shape]);
    },
  },
  vjp: (ct, node) => {
    const [data, ids] = node.inputs;
    return [reshape(gather(ct, ids), data.shape), null];
  },
};

export const oneHotDef: PrimitiveDef<'oneHot'> = {
  infer: ([idx], a) => {
    const bad = requireDtype(idx, ['int32'], 'indices');
    if (bad) return fail(bad);
    return Number.isInteger(a.depth) && a.depth >= 1 ? ok([...idx.shape, a.depth], 'float32') : fail(`depth must be a positive integer, got ${a.depth}`);
  },
  // tfjs refuses depth 1
  lower: ([idx], a) => (a.depth === 1 ? tf.cast(tf.expandDims(tf.equal(idx as T, 0), -1), 'float32') : tf.cast(tf.oneHot(idx as T, a.depth), 'float32')),
  // ONNX's OneHot wants indices of rank >= 1: a scalar goes through [1] and back
  onnx: (g, [idx], a, out) => {
    const scalar = out.shape.length === 1;
    const ids = g.op('Cast', [scalar ? g.op('Reshape', [idx, g.int64s([1])]) : idx], { to: onnxTypeCode.int64 });
    const hot = g.op('OneHot', [ids, g.scalar(a.depth, 'int64'), g.tensor(new Float32Array([0, 1]), [2], 'float32')], { axis: -1 });
    return scalar ? g.op('Reshape', [hot, g.int64s(out.shape)]) : hot;
  },
  vjp: null,
};
