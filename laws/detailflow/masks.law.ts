import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GOLDEN_AR_MASK_G4, maskPicture } from './golden-masks.ts';
import {
  BLOCKED_BIAS, encoderBiasNode, encoderMaskNode, encoderRows, groupCausalBiasNode, groupCausalMaskNode, groupCausalRows, lastVisible,
} from '../../src/detailflow/masks.ts';
import { tokenAtPosition } from '../../src/detailflow/ar-layout.ts';
import { groupCausalMask } from '../../src/detailflow/api.ts';
import { ConfigError } from '../../src/config/errors.ts';

/** g, C = g*m, and a sequence length that need not be a multiple of g (incremental passes). */
const maskArb = fc
  .record({ group: fc.integer({ min: 1, max: 8 }), m: fc.integer({ min: 1, max: 4 }), length: fc.integer({ min: 1, max: 40 }) })
  .map(({ group, m, length }) => ({ group, causal: group * m, length }));

test('group-causal mask: diagonal true, rows are prefixes [0, r(i)], r(i) = i below C, r(i) >= i, r non-decreasing', () => {
  fc.assert(fc.property(maskArb, ({ group, causal, length }) => {
    const rows = groupCausalRows(length, { group, causal });
    let prev = -1;
    rows.forEach((row, i) => {
      assert.ok(row[i], `diagonal at ${i}`);
      const r = row.lastIndexOf(true);
      assert.ok(row.every((v, j) => v === (j <= r)), `row ${i} is not a prefix`);
      assert.equal(r, lastVisible(i, length, { group, causal }));
      assert.ok(r >= i && r >= prev);
      if (i < causal) assert.equal(r, i);
      prev = r;
    });
  }), { numRuns: 200 });
});

test('group-causal mask: bidirectional inside a block after C, no block sees a later block', () => {
  fc.assert(fc.property(maskArb, ({ group, causal, length }) => {
    const rows = groupCausalRows(length, { group, causal });
    const block = (i: number) => Math.floor(i / group);
    for (let i = 0; i < length; i++) {
      for (let j = 0; j < length; j++) {
        if (i >= causal && j >= causal && block(i) === block(j)) assert.ok(rows[i][j] && rows[j][i], `block pair (${i}, ${j})`);
        if (block(j) > block(i)) assert.ok(!rows[i][j], `(${i}, ${j}) sees a later block`);
      }
    }
  }), { numRuns: 150 });
});

test('group-causal mask is transitive', () => {
  fc.assert(fc.property(maskArb, ({ group, causal, length }) => {
    const a = groupCausalRows(length, { group, causal });
    for (let i = 0; i < length; i++) for (let j = 0; j < length; j++) {
      if (!a[i][j]) continue;
      for (let k = 0; k < length; k++) if (a[j][k]) assert.ok(a[i][k], `(${i},${j}),(${j},${k}) but not (${i},${k})`);
    }
  }), { numRuns: 60 });
});

test('with g = 1 the mask is the ordinary causal mask, for any C', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 8 }), (length, causal) => {
    const rows = groupCausalRows(length, { group: 1, causal });
    rows.forEach((row, i) => row.forEach((v, j) => assert.equal(v, j <= i)));
  }), { numRuns: 100 });
});

/** The AR training layout: N positions, position p predicts token p. */
const layoutArb = fc
  .record({ group: fc.integer({ min: 1, max: 8 }), k: fc.integer({ min: 1, max: 8 }), m: fc.integer({ min: 1, max: 8 }) })
  .map(({ group, k, m }) => ({ group, tokens: group * k, causal: group * Math.min(m, k) }));

test('no leak: every position row p sees only tokens with index < p', () => {
  fc.assert(fc.property(layoutArb, ({ group, tokens, causal }) => {
    const rows = groupCausalRows(tokens, { group, causal });
    rows.forEach((row, p) => row.forEach((v, j) => {
      if (v) assert.ok(tokenAtPosition(j, { group, causal }) < p, `row ${p} sees position ${j} holding token ${tokenAtPosition(j, { group, causal })}`);
    }));
  }), { numRuns: 150 });
});

test('completeness: row p < C sees every token < p; row p >= C in block b sees every token < g*b', () => {
  fc.assert(fc.property(layoutArb, ({ group, tokens, causal }) => {
    const rows = groupCausalRows(tokens, { group, causal });
    rows.forEach((row, p) => {
      const seen = new Set(row.flatMap((v, j) => (v ? [tokenAtPosition(j, { group, causal })] : [])));
      const need = p < causal ? p : group * Math.floor(p / group);
      for (let tok = 0; tok < need; tok++) assert.ok(seen.has(tok), `row ${p} misses token ${tok}`);
    });
  }), { numRuns: 150 });
});

test('golden picture: the reference example with g = C = 4, length 16', () => {
  assert.deepEqual(maskPicture(groupCausalMask(16, { group: 4, causal: 4 })), GOLDEN_AR_MASK_G4);
});

test('encoder mask: patches see patches only; latents see all patches and latents under the group rule', () => {
  fc.assert(fc.property(maskArb, fc.integer({ min: 0, max: 12 }), ({ group, causal, length: latents }, patches) => {
    const rows = encoderRows(patches, latents, { group, causal });
    const lat = groupCausalRows(latents, { group, causal });
    const L = patches + latents;
    assert.equal(rows.length, L);
    for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) {
      const want = i < patches ? j < patches : j < patches ? true : lat[i - patches][j - patches];
      assert.equal(rows[i][j], want, `(${i}, ${j})`);
    }
    // What a latent may not see: later groups (or later tokens inside the causal prefix).
    for (let i = 0; i < latents; i++) for (let j = 0; j < latents; j++) {
      const hidden = i < causal ? j > i : Math.floor(j / group) > Math.floor(i / group);
      assert.equal(rows[patches + i][patches + j], !hidden);
    }
  }), { numRuns: 100 });
});

const dataOf = (n: { attrs: unknown }): ArrayLike<number> => (n.attrs as { data: ArrayLike<number> }).data;

test('mask and bias nodes: constant bool [L, L] and additive 0 / -1e9, matching the rows', () => {
  fc.assert(fc.property(maskArb, fc.integer({ min: 0, max: 6 }), ({ group, causal, length }, patches) => {
    const cases = [
      [groupCausalRows(length, { group, causal }), groupCausalMaskNode(length, { group, causal }), groupCausalBiasNode(length, { group, causal })],
      [encoderRows(patches, length, { group, causal }), encoderMaskNode(patches, length, { group, causal }), encoderBiasNode(patches, length, { group, causal })],
    ] as const;
    for (const [rows, mask, bias] of cases) {
      const L = rows.length;
      assert.deepEqual([...mask.shape], [L, L]);
      assert.equal(mask.dtype, 'bool');
      assert.equal(bias.dtype, 'float32');
      const flat = rows.flat();
      assert.deepEqual(Array.from(dataOf(mask)), flat.map((v) => (v ? 1 : 0)));
      assert.deepEqual(Array.from(dataOf(bias)), flat.map((v) => (v ? 0 : Math.fround(BLOCKED_BIAS))));
    }
  }), { numRuns: 60 });
});

test('masks reject bad sizes, listing every problem', () => {
  fc.assert(fc.property(
    fc.oneof(fc.integer({ min: -5, max: 0 }), fc.double({ min: 0.1, max: 9.9, noNaN: true }).filter((x) => !Number.isInteger(x))),
    fc.integer({ min: 2, max: 8 }),
    (badLength, group) => {
      const err = (() => { try { groupCausalRows(badLength, { group, causal: group + 1 }); } catch (e) { return e; } return null; })();
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 2, err.message);
      assert.match(err.problems.join('\n'), /length/);
      assert.match(err.problems.join('\n'), /causal .* multiple of group/);
    }), { numRuns: 50 });
});
