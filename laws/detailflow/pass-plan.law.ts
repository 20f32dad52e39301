import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { passCount, passInputLength, passPlan } from '../../src/detailflow/pass-plan.ts';
import { tokenAtPosition } from '../../src/detailflow/ar-layout.ts';
import { lastVisible } from '../../src/detailflow/masks.ts';
import * as api from '../../src/detailflow/api.ts';
import { planCfgArb } from './arbitraries.ts';

test('the pass plan covers tokens 0..N-1 exactly once, in order, in 1 + (C-1) + (N/g - C/g) passes', () => {
  fc.assert(fc.property(planCfgArb, (c) => {
    const plan = passPlan(c);
    const covered = plan.flatMap((s) => Array.from({ length: s.end - s.start }, (_, i) => s.start + i));
    assert.deepEqual(covered, Array.from({ length: c.tokens }, (_, i) => i));
    assert.equal(plan.length, 1 + (c.causal - 1) + (c.tokens / c.group - c.causal / c.group));
    assert.equal(plan.length, passCount(c));
    plan.forEach((s) => {
      if (s.start < c.causal) assert.equal(s.end - s.start, 1);
      else { assert.equal(s.end - s.start, c.group); assert.equal(s.start % c.group, 0); }
    });
  }), { numRuns: 300 });
});

test('each pass predicts its tokens from the last logits of its input, and its input holds only earlier tokens', () => {
  fc.assert(fc.property(planCfgArb, (c) => {
    for (const s of passPlan(c)) {
      const L = passInputLength(s, c);
      // Position p predicts token p, so the produced tokens sit at the input's last positions.
      assert.equal(L, s.start < c.causal ? s.start + 1 : s.end);
      for (let p = 0; p < L; p++) assert.ok(tokenAtPosition(p, c) < s.start, `input position ${p} holds a token not yet sampled`);
      // Under the mask of that length, the producing rows see every token sampled so far.
      // (lastVisible is checked against the full mask rows in masks.law.ts.)
      for (let p = Math.max(s.start, L - (s.end - s.start)); p < L; p++) {
        const r = lastVisible(p, L, c);
        const seen = new Set(Array.from({ length: r + 1 }, (_, j) => tokenAtPosition(j, c)));
        for (let tok = 0; tok < s.start; tok++) assert.ok(seen.has(tok), `pass [${s.start}, ${s.end}) row ${p} misses token ${tok}`);
      }
    }
  }), { numRuns: 100 });
});

test('golden: 23, 39 and 71 passes for 128, 256 and 512 tokens at g = C = 8', () => {
  for (const [N, n] of [[128, 23], [256, 39], [512, 71]] as const) {
    const plan = api.passPlan({ tokens: N, group: 8 });
    assert.equal(plan.length, n);
    // 8 sequential passes, then the parallel ones.
    assert.deepEqual(plan.slice(0, 9).map((s) => [s.start, s.end]), [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6], [6, 7], [7, 8], [8, 16]]);
  }
});
