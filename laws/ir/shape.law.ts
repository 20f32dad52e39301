import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { broadcastShapes } from '../../src/ir/shape.ts';
import { broadcastPairArb, shapeArb } from '../helpers/arbitraries.ts';

test('broadcasting is symmetric and each operand broadcasts to the result', () => {
  fc.assert(fc.property(broadcastPairArb(), ([a, b]) => {
    const ab = broadcastShapes(a, b);
    const ba = broadcastShapes(b, a);
    assert.ok(E.isRight(ab) && E.isRight(ba));
    assert.deepEqual(ab.right, ba.right);
    for (const s of [a, b]) {
      const lead = ab.right.length - s.length;
      assert.ok(s.every((d, i) => d === 1 || d === ab.right[lead + i]));
    }
  }));
});

test('broadcasting with itself is the identity, and with a scalar too', () => {
  fc.assert(fc.property(shapeArb(), (s) => {
    assert.deepEqual(broadcastShapes(s, s), E.right(s));
    assert.deepEqual(broadcastShapes(s, []), E.right(s));
  }));
});

test('incompatible dimensions are refused with both shapes named', () => {
  fc.assert(fc.property(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 2, max: 5 }), (a, b) => {
    fc.pre(a !== b);
    const r = broadcastShapes([a], [b]);
    assert.ok(E.isLeft(r) && r.left.includes(`[${a}]`) && r.left.includes(`[${b}]`));
  }));
});
