import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bfloat16ToFloat, floatToHalf, HALF_MAX, halfToFloat } from '../../src/io/half.ts';

const isNaNBits = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

test('every float16 widens exactly and narrows back to itself (all 65536 bit patterns; NaNs stay NaN)', () => {
  for (let h = 0; h < 0x10000; h++) {
    const x = halfToFloat(h);
    if (isNaNBits(h)) { assert.ok(Number.isNaN(x)); assert.ok(isNaNBits(floatToHalf(x))); continue; }
    assert.equal(Math.fround(x), x, `0x${h.toString(16)} widens to a float32`);
    assert.equal(floatToHalf(x), h, `0x${h.toString(16)} -> ${x} -> 0x${floatToHalf(x).toString(16)}`);
  }
});

test('narrowing rounds to the nearest float16, ties to the even one, and past 65504 to infinity', () => {
  fc.assert(fc.property(fc.float({ noNaN: true }), (x) => {
    const h = floatToHalf(x);
    const r = halfToFloat(h);
    if (Math.abs(x) >= HALF_MAX + 16) { assert.equal(r, Math.sign(x) * Infinity); return; }
    assert.ok(Number.isFinite(r), `${x} -> ${r}`);
    if (x !== 0) assert.equal(Math.sign(r) || Math.sign(x), Math.sign(x));
    // its neighbours (one ulp each way, same sign) are no closer; at a tie the chosen one is even
    for (const n of [h - 1, h + 1]) {
      if ((n & 0x7fff) > 0x7bff || (n & 0x8000) !== (h & 0x8000) || n < 0) continue;
      const dn = Math.abs(halfToFloat(n) - x);
      const dr = Math.abs(r - x);
      assert.ok(dr <= dn, `${x}: ${r} is farther than ${halfToFloat(n)}`);
      if (dr === dn) assert.equal(h & 1, 0, `${x}: a tie between ${r} and ${halfToFloat(n)} goes to the even one`);
    }
  }), { numRuns: 20000 });
});

test('bfloat16 widens to the float32 with the same top 16 bits', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), (h) => {
    const x = bfloat16ToFloat(h);
    const w = new DataView(new ArrayBuffer(4));
    w.setFloat32(0, x);
    if (Number.isNaN(x)) assert.ok((h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0);
    else assert.equal(w.getUint32(0), h << 16 >>> 0);
  }));
});

test('a float32 exactly halfway between two float16s goes to the even one', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0x7bfe }), fc.boolean(), (h, negative) => {
    const s = negative ? 0x8000 : 0;
    const mid = (halfToFloat(s | h) + halfToFloat(s | (h + 1))) / 2;
    assert.equal(Math.fround(mid), mid, 'the midpoint is a float32');
    assert.equal(floatToHalf(mid), s | (h % 2 === 0 ? h : h + 1));
  }), { numRuns: 5000 });
});
