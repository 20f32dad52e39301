import { test } from 'node:test';
import assert from 'node:assert/strict';
import { primitiveNames, registry } from '../../src/primitives/registry.ts';
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
