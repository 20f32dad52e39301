import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { initSpecs, normal, truncatedNormal, lecunNormal, xavierUniform, zeros, type ParamSpec } from '../../src/nn/init.ts';
import { isHostArray, type HostArray } from '../../src/ir/host-array.ts';
import { flatten, type Tree } from '../../src/tree/tree.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { orThrow } from '../../src/config/codec.ts';
import { decodeArConfig } from '../../src/detailflow/ar/config.ts';
import { arModel } from '../../src/detailflow/ar/model.ts';
import { decodeTokenizerConfig } from '../../src/detailflow/tokenizer/config.ts';
import { tokenizer } from '../../src/detailflow/tokenizer/model.ts';
import { cnnTeacher } from '../../src/detailflow/teacher/cnn.ts';
import { cnnTeacherDefaults } from '../../src/detailflow/teacher/config.ts';
import { evaluatorNetwork } from '../../src/eval/evaluator/network.ts';
import { evaluatorDefaults } from '../../src/eval/evaluator/config.ts';

const isSpec = (x: unknown): x is ParamSpec => typeof x === 'object' && x !== null && Array.isArray((x as ParamSpec).shape) && 'dtype' in x;

/** The shape-only trace names every parameter the real init makes, with its shape and dtype. */
const sameLayout = (init: () => unknown): void => {
  const real = flatten(init() as Tree<HostArray>, isHostArray, 'host array');
  const specs = flatten(initSpecs(init), isSpec, 'spec');
  assert.deepEqual(specs.paths, real.paths);
  specs.leaves.forEach((s, i) => {
    assert.deepEqual([...s.shape], [...real.leaves[i]!.shape], specs.paths[i]);
    assert.equal(s.dtype, real.leaves[i]!.dtype, specs.paths[i]);
    assert.ok(!('data' in s), `${specs.paths[i]}: a spec carries no values`);
  });
};

test('initSpecs agrees with init on every model a loader checks (tokenizer, AR, teacher, evaluator)', () => {
  const tk = tokenizer(orThrow(decodeTokenizerConfig({
    size: 8, patch: 4, tokens: 4, group: 2, causal: 2, codebookSize: 8, codeDim: 4, noiseTopK: 4, alignHidden: 4,
    encoderWidth: 8, encoderDepth: 1, encoderHeads: 1, decoderWidth: 8, decoderDepth: 2, decoderHeads: 2,
  })), 3);
  sameLayout(() => tk.init(keyFromSeed(0)));
  sameLayout(() => cnnTeacher({ ...cnnTeacherDefaults, width: 4 }).init(keyFromSeed(1)));
  sameLayout(() => evaluatorNetwork({ ...evaluatorDefaults, width: 4, features: 8 }).init(keyFromSeed(2)));
  fc.assert(fc.property(
    fc.record({ group: fc.integer({ min: 1, max: 4 }), groups: fc.integer({ min: 2, max: 4 }), heads: fc.integer({ min: 1, max: 4 }), depth: fc.integer({ min: 1, max: 3 }), nullClass: fc.boolean() }),
    (v) => {
      const cfg = orThrow(decodeArConfig({ vocab: 16, classes: 3, tokens: v.group * v.groups, group: v.group, width: 4 * v.heads, heads: v.heads, depth: v.depth, nullClass: v.nullClass }));
      sameLayout(() => arModel(cfg).init(keyFromSeed(3)));
    },
  ), { numRuns: 20 });
});

test('initSpecs allocates nothing, whatever the shapes claim, and the real init is unchanged after it', () => {
  const huge = [1 << 20, 1 << 14]; // 2^34 values: a real init would throw RangeError
  for (const init of [normal(0.02), truncatedNormal(), lecunNormal(), xavierUniform(), zeros]) {
    const specs = initSpecs(() => ({ w: init(keyFromSeed(0), huge) })) as { w: ParamSpec };
    assert.deepEqual(specs.w, { shape: huge, dtype: 'float32' });
  }
  // the trace is scoped: afterwards, and after a throwing trace, init makes values again
  assert.throws(() => initSpecs(() => { throw new Error('boom'); }), /boom/);
  const after = normal(1)(keyFromSeed(4), [3]);
  assert.equal(after.data.length, 3);
  assert.deepEqual(after, normal(1)(keyFromSeed(4), [3]));
});
