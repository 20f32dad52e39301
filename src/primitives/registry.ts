import type { Node } from '../ir/node.ts';
import type { Prim, PrimNode } from './attrs.ts';
import type { Registry } from './primitive.ts';
import { constant, input } from './leaves.ts';
import * as u from './unary.ts';
import * as b from './binary.ts';
import * as r from './reduce.ts';
import * as m from './movement.ts';
import { matmulDef } from './linalg.ts';
import { gatherDef, oneHotDef, segmentSumDef } from './indexing.ts';
import { randomNormalDef, randomUniformDef, splitKeyDef } from './random.ts';

/** Every primitive's definition. The mapped type makes a missing rule a compile error. */
export const registry: Registry = {
  input, constant,
  neg: u.negDef, exp: u.expDef, log: u.logDef, sqrt: u.sqrtDef, rsqrt: u.rsqrtDef, tanh: u.tanhDef,
  sigmoid: u.sigmoidDef, abs: u.absDef, sin: u.sinDef, cos: u.cosDef, square: u.squareDef,
  gelu: u.geluDef, silu: u.siluDef, sign: u.signDef, floor: u.floorDef,
  add: b.addDef, sub: b.subDef, mul: b.mulDef, div: b.divDef, pow: b.powDef, maximum: b.maximumDef, minimum: b.minimumDef,
  less: b.lessDef, lessEqual: b.lessEqualDef, greater: b.greaterDef, greaterEqual: b.greaterEqualDef,
  equal: b.equalDef, notEqual: b.notEqualDef, logicalAnd: b.logicalAndDef, logicalOr: b.logicalOrDef,
  logicalNot: b.logicalNotDef, where: b.whereDef, cast: b.castDef,
  sum: r.sumDef, max: r.maxDef, argmax: r.argmaxDef, argmin: r.argminDef,
  topkValues: r.topkValuesDef, topkIndices: r.topkIndicesDef, cumsum: r.cumsumDef,
  reshape: m.reshapeDef, transpose: m.transposeDef, slice: m.sliceDef, concat: m.concatDef,
  pad: m.padDef, broadcastTo: m.broadcastToDef, tile: m.tileDef,
  matmul: matmulDef, gather: gatherDef, segmentSum: segmentSumDef, oneHot: oneHotDef,
  stopGradient: u.stopGradientDef,
  splitKey: splitKeyDef, randomUniform: randomUniformDef, randomNormal: randomNormalDef,
};

export const primitiveNames = Object.keys(registry) as Prim[];

/** Whether an IR node is a primitive's: ir/ knows ops only by name, the registry knows them all. */
export const isPrimNode = (n: Node): n is PrimNode => Object.hasOwn(registry, n.op);
