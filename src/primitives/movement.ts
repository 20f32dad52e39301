import * as tf from '@tensorflow/tfjs-core';
import { sizeOf, showShape, isValidShape } from '../ir/shape.ts';
import type { PrimitiveDef } from './primitive.ts';
import { fail, ok } from './rules.ts';
import { pad, reshape, slice, sum, transpose } from '../ops/index.ts';
import { sliceWasm } from './kernels/slice-wasm.ts';
import { transposeWasm } from './kernels/transpose-wasm.ts';
import { broadcastToWebGPU } from './kernels/broadcast-webgpu.ts';
import { onnxUnary } from './onnx.ts';

type T = tf.Tensor;

export const reshapeDef: PrimitiveDef<'reshape'> = {
  infer: ([x], a) => {
    if (!isValidShape(a.shape)) return fail(`invalid target shape ${showShape(a.shape)}`);
    return sizeOf(a.shape) === sizeOf(x.shape) ? ok(a.shape, x.dtype)
      : fail(`cannot reshape ${sizeOf(x.shape)} elements ${showShape(x.shape)} to ${showShape(a.shape)} (${sizeOf(a.shape)} elements)`);
  },
  lower: ([x], a) => tf.reshape(x as T, a.shape),
  // allowzero: a 0 in the target shape is a zero-sized axis, not "copy this axis"
  onnx: (g, [x], _, out) => g.op('Reshape', [x, g.int64s(out.shape)], { allowzero: 1 }),
  vjp: (ct, node) => [reshape(ct, node.inputs[0].shape)],
};

const isPermutation = (perm: readonly number[], n: number) => perm.length === n && [...perm].sort((a, b) => a - b).every((v, i) => v === i);

export const transposeDef: PrimitiveDef<'transpose'> = {
  infer: ([x], a) => isPermutation(a.perm, x.shape.length) ? ok(a.perm.map((p) => x.shape[p]), x.dtype)
    : fail(`perm [${a.perm.join(', ')}] is not a permutation of the ${x.shape.length} axes`),
  lower: ([x], a) => tf.transpose(x as T, a.perm),
  kernels: { wasm: ([x], a) => transposeWasm(x as T, a.perm) },
  onnx: (g, [x], a) => g.op('Transpose', [x], { perm: a.perm }),
  vjp: (ct, node) => {
    const inv = new Array<number>(node.attrs.perm.length);
    node.attrs.perm.forEach((p, i) => { inv[p] = i; });
    return [transpose(ct, inv)];
  },
};

export const sliceDef: PrimitiveDef<'slice'> = {
  infer: ([x], a) => {
    if (a.begin.length !== x.shape.length || a.size.length !== x.shape.length) return fail(`begin and size need ${x.shape.length} entries`);
    for (let i = 0; i < x.shape.length; i++) {
      if (a.begin[i] < 0 || a.size[i] < 0 || a.begin[i] + a.size[i] > x.shape[i]) {
        return fail(`axis ${i}: [${a.begin[i]}, ${a.begin[i] + a.size[i]}) is outside [0, ${x.shape[i]})`);
      }
    }
    return ok(a.size, x.dtype);
  },
  lower: ([x], a) => tf.slice(x as T, a.begin, a.size),
  // tfjs-wasm copies the whole input before slicing: ours reads it in place
  kernels: { wasm: ([x], a) => sliceWasm(x as T, a.begin, a.size) },
  onnx: (g, [x], a) => (a.begin.length === 0 ? g.op('Identity', [x])
    : g.op('Slice', [x, g.int64s(a.begin), g.int64s(a.begin.map((b, i) => b + a.size[i])), g.int64s(a.begin.map((_, i) => i))])),
  vjp: (ct, node) => {
    const x = node.inputs[0];
    return [pad(ct, x.shape.map((d, i) => [node.attrs.begin[i], d - node.attrs.begin[i] - node.attrs.size[i]] as [number, number]))];
  },
};

export const concatDef: PrimitiveDef<'concat'> = {
  infer: (xs, a) => {
    if (xs.length === 0) return fail('needs at least one input');
    const r = xs[0].shape.length;
    if (a.axis < 0 || a.axis >= r) return fail(`axis ${a.axis} is out of range for rank ${r}`);
    for (const [i, x] of xs.entries()) {
      if (x.dtype !== xs[0].dtype) return fail(`dtype: input ${i} is ${x.dtype}, input 0 is ${xs[0].dtype}`);
      if (x.shape.length !== r || x.shape.some((d, j) => j !== a.axis && d !== xs[0].shape[j])) {
        return fail(`input ${i} ${showShape(x.shape)} does not match input 0 ${showShape(xs[0].shape)} outside axis ${a.axis}`);
      }
    }
    return ok(xs[0].shape.map((d, j) => (j === a.axis ? xs.reduce((s, x) => s + x.shape[j], 0) : d)), xs[0].dtype);
  },
  lower: (xs, a) => tf.concat(xs as T[], a.axis),
  onnx: (g, xs, a) => g.op('Concat', xs, { axis: a.axis }),
  vjp: (ct, node) => {
    let off = 0;
    return node.inputs.map((x) => {
      const begin = x.shape.map((_, j) => (j === node.attrs.axis ? off : 0));
      off += x.shape[node.attrs.axis];
      return slice(ct, begin, x.shape);
    });
  },
};

export const padDef: PrimitiveDef<'pad'> = {
  infer: ([x], a) => {
    if (a.paddings.length !== x.shape.length) return fail(`paddings need ${x.shape.length} pairs, got ${a.paddings.length}`);
    if (a.paddings.some(([l, r]) => !Number.isInteger(l) || !Number.isInteger(r) || l < 0 || r < 0)) return fail('paddings must be non-negative integers');
    return ok(x.shape.map((d, i) => d + a.paddings[i][0] + a.paddings[i][1]), x.dtype);
  },
  lower: ([x], a) => tf.pad(x as T, a.paddings, a.value),
  onnx: (g, [x], a, out) => (a.paddings.length === 0 ? g.op('Identity', [x])
    : g.op('Pad', [x, g.int64s([...a.paddings.map((p) => p[0]), ...a.paddings.map((p) => p[1])]), g.scalar(a.value, out.dtype as 'float32' | 'int32' | 'bool')], { mode: 'constant' })),
  vjp: (ct, node) => [slice(ct, node.attrs.paddings.map(([l]) => l), node.inputs[0].shape)],
};

export const broadcastToDef: PrimitiveDef<'broadcastTo'> = {
  infer: ([x], a) => {
    const lead = a.shape.length - x.shape.length;
    const okShape = lead >= 0 && x.shape.every((d, i) => d === a.shape[lead + i] || d === 1);
    return okShape ? ok(a.shape, x.dtype) : fail(`cannot broadcast ${showShape(x.shape)} to ${showShape(a.shape)}`);
  },
  lower: ([x], a) => tf.broadcastTo(x as T, a.shape),
  onnx: (g, [x], a) => g.op('Expand', [x, g.int64s(a.shape)]),
  // tfjs-wasm lowers BroadcastTo to Tile, 10-20x slower than a broadcasting add of zeros
  kernels: {
    wasm: ([x], a) => ((x as T).dtype === 'bool' ? tf.broadcastTo(x as T, a.shape) : tf.add(x as T, tf.zeros(a.shape, (x as T).dtype))),
    // tfjs-webgpu tiles rank >= 5 on the CPU with a synchronous read-back (fails in Node)
    webgpu: ([x], a) => broadcastToWebGPU(x as T, a.shape),
  },
  vjp: (ct, node) => {
    const x = node.inputs[0];
    const lead = node.shape.length - x.shape.length;
    const axes = node.shape.map((_, i) => i).filter((i) => i < lead || (x.shape[i - lead] === 1 && node.shape[i] !== 1));
    return [reshape(axes.length ? sum(ct, axes) : ct, x.shape)];
  },
};

export const tileDef: PrimitiveDef<'tile'> = {
  infer: ([x], a) => a.reps.length === x.shape.length && a.reps.every((r) => Number.isInteger(r) && r >= 1)
    ? ok(x.shape.map((d, i) => d * a.reps[i]), x.dtype) : fail(`reps must be ${x.shape.length} positive integers`),
  lower: ([x], a) => tf.tile(x as T, a.reps),
  onnx: (g, [x], a) => (a.reps.length === 0 ? onnxUnary('Identity')(g, [x]) : g.op('Tile', [x, g.int64s(a.reps)])),
  // tile lays copies out as [r0, d0, r1, d1, ...]: sum over the r axes
  vjp: (ct, node) => {
    const x = node.inputs[0];
    const split = reshape(ct, x.shape.flatMap((d, i) => [node.attrs.reps[i], d]));
    return [reshape(sum(split, x.shape.map((_, i) => 2 * i)), x.shape)];
  },
};


