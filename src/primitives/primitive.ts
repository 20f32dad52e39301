import type * as E from 'fp-ts/lib/Either.js';
import type * as tf from '@tensorflow/tfjs-core';
import type { Aval, Node } from '../ir/node.ts';
import type { Key } from '../random/key.ts';
import type { Prim, PrimAttrs, PrimNode } from './attrs.ts';

import type { BackendName, TfBackendName } from './attrs.ts';
import type { OnnxRule } from './onnx.ts';

export type { BackendName, TfBackendName };

/** A runtime value inside the executor: a device tensor, or a host-side PRNG key. */
export type Value = tf.Tensor | Key;

export type Lowering<P extends Prim> = (inputs: readonly Value[], attrs: Readonly<PrimAttrs[P]>, out: Aval) => Value;

/** Cotangents for each input, as graph nodes; null where no gradient flows. */
export type VjpRule<P extends Prim> = (ct: Node, node: PrimNode<P>) => readonly (Node | null)[];

/**
 * One primitive, defined in one place: its shape/dtype rule, its lowering onto tfjs kernels
 * (optionally a custom kernel per tfjs backend), its ONNX lowering, and its VJP rule.
 */
export interface PrimitiveDef<P extends Prim> {
  readonly infer: (inputs: readonly Aval[], attrs: Readonly<PrimAttrs[P]>) => E.Either<string, Aval>;
  readonly lower: Lowering<P>;
  readonly kernels?: Partial<Record<TfBackendName, Lowering<P>>>;
  /** Its ONNX nodes (compile/onnx/), or its evaluation on the host (keys and the draws made from them). */
  readonly onnx: OnnxRule<P>;
  /** `null`: the primitive is not differentiable (its inputs receive no cotangent). */
  readonly vjp: VjpRule<P> | null;
}

export type Registry = { readonly [P in Prim]: PrimitiveDef<P> };
