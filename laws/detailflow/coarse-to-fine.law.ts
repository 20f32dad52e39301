import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeDips, prefixDips } from '../../src/detailflow/tokenizer/coarse-to-fine.ts';

const psnrs = fc.array(fc.double({ min: 0, max: 60, noNaN: true }), { minLength: 1, maxLength: 16 });
const asPrefixes = (xs: number[]) => xs.map((psnrOriginal, i) => ({ t: i + 1, psnrOriginal }));

test('no dips exactly when PSNR rises strictly from every prefix to the next', () => {
  fc.assert(fc.property(psnrs, (xs) => {
    const strictly = xs.every((x, i) => i === 0 || x > xs[i - 1]);
    assert.equal(prefixDips(asPrefixes(xs)).length === 0, strictly);
  }));
});

test('each dip is a consecutive pair that did not rise, and every such pair is a dip', () => {
  fc.assert(fc.property(psnrs, (xs) => {
    const dips = prefixDips(asPrefixes(xs));
    const expected = xs.flatMap((x, i) => (i > 0 && x <= xs[i - 1] ? [i] : []));
    assert.deepEqual(dips.map((d) => d.from), expected);
    for (const d of dips) {
      assert.equal(d.to, d.from + 1);
      assert.equal(d.change, xs[d.to - 1] - xs[d.from - 1]);
      assert.ok(d.change <= 0);
    }
  }));
});

test('sorting distinct PSNRs ascending removes every dip; descending makes every step one', () => {
  fc.assert(fc.property(fc.uniqueArray(fc.double({ min: 0, max: 60, noNaN: true }), { minLength: 2, maxLength: 16, comparator: 'SameValueZero' }), (xs) => {
    assert.equal(prefixDips(asPrefixes([...xs].sort((a, b) => a - b))).length, 0);
    assert.equal(prefixDips(asPrefixes([...xs].sort((a, b) => b - a))).length, xs.length - 1);
  }));
});

test('the verdict names each dip, or says it holds', () => {
  assert.match(describeDips(3, []), /rises strictly over all 3 prefixes/);
  assert.equal(describeDips(3, prefixDips([{ t: 1, psnrOriginal: 11 }, { t: 4, psnrOriginal: 10.5 }, { t: 8, psnrOriginal: 12 }])),
    'coarse to fine: NOT strictly increasing: t 1 -> 4 (-0.50 dB)');
});
