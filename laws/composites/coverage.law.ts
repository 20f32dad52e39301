import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as o from '../../src/ops/index.ts';
import * as nn from '../../src/nn/index.ts';
import type { Prim } from '../../src/primitives/attrs.ts';
import { specs as primitiveSpecs } from '../primitives/specs.ts';
import { compositeSpecs } from './specs.ts';

/** Exports that bind one primitive (plus attribute bookkeeping): their gradient is the primitive's, checked in laws/primitives. */
const wraps: Readonly<Record<string, Prim>> = {
  abs: 'abs', add: 'add', cast: 'cast', cos: 'cos', div: 'div', equal: 'equal', exp: 'exp', floor: 'floor', greater: 'greater',
  greaterEqual: 'greaterEqual', less: 'less', lessEqual: 'lessEqual', log: 'log', logicalAnd: 'logicalAnd', logicalNot: 'logicalNot',
  logicalOr: 'logicalOr', maximum: 'maximum', minimum: 'minimum', mul: 'mul', neg: 'neg', notEqual: 'notEqual', pow: 'pow',
  rsqrt: 'rsqrt', sigmoid: 'sigmoid', sign: 'sign', silu: 'silu', sin: 'sin', sqrt: 'sqrt', square: 'square', stopGradient: 'stopGradient',
  sub: 'sub', tanh: 'tanh', where: 'where', argmax: 'argmax', argmin: 'argmin', cumsum: 'cumsum', max: 'max', sum: 'sum', topk: 'topkValues',
  broadcastTo: 'broadcastTo', concat: 'concat', expandDims: 'reshape', flatten: 'reshape', mT: 'transpose', pad: 'pad', reshape: 'reshape',
  slice: 'slice', sliceAxis: 'slice', squeeze: 'reshape', tile: 'tile', transpose: 'transpose', gather: 'gather', oneHot: 'oneHot',
  segmentSum: 'segmentSum', matmul: 'matmul', splitKey: 'splitKey', splitKeys: 'splitKey', uniform: 'randomUniform', normal: 'randomNormal',
  splitHeads: 'transpose', mergeHeads: 'transpose',
};

/** Exports with no gradient of their own to check, each with the reason. */
const exempt: Readonly<Record<string, string>> = {
  constant: 'a leaf: no inputs to differentiate',
  full: 'a constant leaf', ones: 'a constant leaf', onesLike: 'a constant leaf', zeros: 'a constant leaf', zerosLike: 'a constant leaf',
  scalar: 'a constant leaf', input: 'a graph input leaf', lift: 'turns a number into a constant leaf',
  resolveAxes: 'checks axis arguments; builds no graph',
  bernoulli: 'a boolean draw: no gradient (laws/random checks the stream)',
  categorical: 'an integer draw: no gradient (laws/random)',
  dropout: 'multiplies by a random constant mask: the gradient is mul\'s; the mask statistics are in laws/random',
  applyDropout: 'ops dropout under a training flag (see dropout)',
  activationFn: 'picks gelu, silu, relu or tanh, each specced or a primitive',
  alignMask: 'a reshape of the mask, covered through attend\'s [B, Tq, Tk] masks',
  maskBias: 'a where on the boolean mask (no float input), covered through attend',
  causalMask: 'a constant boolean mask (laws/nn/attention.law.ts)',
  groupCausalMask: 'a constant boolean mask (laws/detailflow/masks.law.ts)',
  childCtx: 'splits a PRNG key in the context; builds no arithmetic',
  sequential: 'a combinator: feeds one layer\'s output to the next, adds no arithmetic (covered by transformerBlock)',
  repeat: 'a combinator: sequential over copies (covered by transformerStack)',
  fn: 'wraps a function as a layer, adds no arithmetic (covered by residual)',
  decodeTransformerConfig: 'a config decoder; builds no graph',
  transformerConfig: 'a config decoder; builds no graph',
  makeNorm: 'picks layerNorm or rmsNorm (both specced)',
  makeFeedForward: 'picks mlp or swiglu (both specced)',
  countParams: 'counts host parameters; builds no graph',
  paramShapes: 'lists host parameter shapes; builds no graph',
  paramLayout: 'traces a model\'s init shape-only to check loaded trees; builds no graph that runs',
  layoutProblems: 'compares a tree with a layout; builds no graph',
  isHostTree: 'a type guard over host trees; builds no graph',
};

const exported = (ns: Record<string, unknown>) => Object.keys(ns).filter((k) => typeof ns[k] === 'function');

test('every function exported by ops and nn has a composite spec, wraps a specced primitive, or is exempt with a reason', () => {
  const names = [...exported(o), ...exported(nn)];
  const missing = names.filter((n) => !(n in compositeSpecs) && !(n in wraps) && !(n in exempt));
  assert.deepEqual(missing, [], `exports without a gradient check: add a spec to laws/composites/specs-*.ts or an exemption with a reason: ${missing.join(', ')}`);
});

test('each wrapper names a primitive that has a spec, and no entry is stale', () => {
  const bad = Object.entries(wraps).filter(([, p]) => !(p in primitiveSpecs)).map(([n]) => n);
  assert.deepEqual(bad, []);
  const names = new Set([...exported(o), ...exported(nn)]);
  const stale = [...Object.keys(wraps), ...Object.keys(exempt)].filter((n) => !names.has(n));
  assert.deepEqual(stale, [], `entries for names that are no longer exported: ${stale.join(', ')}`);
  const both = Object.keys(compositeSpecs).filter((n) => n in wraps || n in exempt);
  assert.deepEqual(both, [], 'a name with a spec needs no exemption');
});
