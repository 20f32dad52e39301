import { test } from 'node:test';
import assert from 'node:assert/strict';
import { primitiveNames, registry } from '../../src/primitives/registry.ts';
import { primitives } from '../../src/primitives/catalog.ts';
import { specs } from './specs.ts';

const leaves = ['input', 'constant'];

test('every primitive has a law spec (leaves excepted)', () => {
  const missing = primitiveNames.filter((p) => !leaves.includes(p) && !(p in specs));
  assert.deepEqual(missing, [], `primitives without a spec in laws/primitives/specs.ts: ${missing.join(', ')}`);
});

test('a primitive has a VJP rule exactly when its spec checks gradients', () => {
  const mismatched = Object.entries(specs).filter(([p, s]) => {
    const hasRule = registry[p as keyof typeof registry].vjp !== null;
    return hasRule !== (s.diff.length > 0) && !['stopGradient', 'cast'].includes(p);
  }).map(([p]) => p);
  assert.deepEqual(mismatched, []);
});

test('the public catalog shows every primitive with its own shape rule and no lowering', () => {
  assert.deepEqual(Object.keys(primitives), primitiveNames);
  for (const p of primitiveNames) {
    const info = primitives[p];
    assert.equal(info.name, p);
    assert.equal(info.infer, registry[p].infer);
    assert.equal(info.differentiable, registry[p].vjp !== null);
    assert.deepEqual(info.kernels, Object.keys(registry[p].kernels ?? {}));
    assert.ok(!('lower' in info) && !('vjp' in info), p);
  }
  assert.ok(primitives.gelu.kernels.includes('webgpu'));
});
