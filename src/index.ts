/**
 * detailflow: DetailFlow on a functional, immutable-graph ML DSL.
 * The package root is platform-neutral; Node-only edges live under `detailflow/node`.
 */
// the expression graph
export type { Node, Tensor, Aval } from './ir/node.ts';
export type { DType, HostData } from './ir/dtype.ts';
export type { Shape } from './ir/shape.ts';
export { broadcastShapes, sizeOf } from './ir/shape.ts';
export { GraphError, type GraphErrorKind } from './ir/errors.ts';
export { bind, tryBind, build } from './primitives/bind.ts';
export { printGraph } from './ir/print.ts';
// operations
export * as ops from './ops/index.ts';
// primitives
export { primitives, primitiveNames, type PrimitiveInfo } from './primitives/catalog.ts';
export type { Prim, PrimAttrs, PrimNode } from './primitives/attrs.ts';
// transforms
export { grad, valueAndGrad, valueAndGradWithAux, vjp } from './transforms/grad.ts';
export { vjpGraph } from './transforms/vjp.ts';
export { cse } from './transforms/cse.ts';
// compilation and execution
export { compile, Compiled, release, toHost, withCompileScope, type CompileOptions, type Materialized, type RuntimeLeaf } from './compile/compile.ts';
export { DeviceArray } from './compile/device-array.ts';
export { hostArray, isHostArray, type HostArray } from './ir/host-array.ts';
export { backendNames, type BackendName, defaultBackend, preferBackend, useBackend, backendAvailable, parseBackendName } from './compile/backend.ts';
export { backendFromEnv } from './compile/backend-env.ts';
// trees and randomness
export { flatten, unflatten, mapTree, zipTrees, type Tree, type TreeDef } from './tree/tree.ts';
export { keyFromSeed, split, foldIn, uniformHost, normalHost, randInt, isKey, type Key } from './random/key.ts';
// DetailFlow's pure pieces
export * from './detailflow/index.ts';
// models, training and data, by area
export * as nn from './nn/index.ts';
export * as train from './train/index.ts';
export * as data from './data/index.ts';
export * as io from './io/index.ts';
export * as tokenizer from './detailflow/tokenizer/index.ts';
export * as teacher from './detailflow/teacher/index.ts';
export * as ar from './detailflow/ar/index.ts';
export * as sample from './detailflow/sample/index.ts';
export * as pretrained from './detailflow/pretrained/index.ts';
export * as baselines from './detailflow/baselines/index.ts';
export * as official from './detailflow/official/index.ts';
export * as pytorch from './io/pytorch/index.ts';
export * as evaluation from './eval/index.ts';
export * as experiments from './experiments/index.ts';
