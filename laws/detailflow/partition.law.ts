import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GOLDEN_AR_MASK_G4, maskPicture } from './golden-masks.ts';
import * as O from 'fp-ts/lib/Option.js';
import { GraphError } from '../../src/ir/errors.ts';
import {
  detailflowPartition, groupOnePartition, nextScalePartition, partition, rasterPartition, type Partition, type Span,
} from '../../src/detailflow/partition.ts';
import { passCountOf, passInputLengthOf, passPlanOf } from '../../src/detailflow/pass-plan.ts';
import { arMaskRowsOf, encoderMaskRowsOf, lastVisibleOf } from '../../src/detailflow/masks.ts';
import { heldAt, placeholderCount, sequenceLayout, tokenHeldAt } from '../../src/detailflow/ar-layout.ts';
import { positionRuns } from '../../src/detailflow/ar/layout.ts';
import { passRows } from '../../src/detailflow/ar/pass-mask.ts';
import { noiseSpanDistributionOf, sampleNoiseSpanOf } from '../../src/detailflow/noise-span.ts';
import { prefixDistributionOf, samplePrefixOf } from '../../src/detailflow/prefix-schedule.ts';
import { foldIn, keyFromSeed } from '../../src/random/key.ts';
import { planCfgArb, prefixCfgArb } from './arbitraries.ts';

/**
 * The Partition value: DetailFlow's partition reproduces the reference's (g, C) formulas
 * (written out here, independently of the wrappers), every partition's masks are leak-free, and
 * everything derived is a pure function of the partition.
 */

const ofCfg = (c: { tokens: number; group: number; causal: number }): Partition => detailflowPartition(c.tokens, c.group, c.causal);

// The reference's formulas (detailflow-reference.md 6.3, 6.2, 6.7, 4.1, 2.4).
const refAllowed = (i: number, j: number, g: number, C: number): boolean => (i < C ? j <= i : Math.floor(j / g) <= Math.floor(i / g));
const refTok = (p: number, g: number, C: number): number => (p === 0 ? -1 : p <= C ? p - 1 : p < C + g ? -1 : p - g);

/** Any partition: span sizes 1..6, a causal window over leading single-token spans, any window of earlier spans. */
const partitionArb: fc.Arbitrary<Partition> = fc
  .record({
    sizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 12 }),
    causalSpans: fc.nat({ max: 12 }),
    sees: fc.array(fc.nat({ max: 1000 }), { minLength: 12, maxLength: 12 }),
  })
  .map(({ sizes, causalSpans, sees }) => {
    let start = 0;
    const spans = sizes.map((n) => ({ start, end: (start += n) }));
    let ones = 0;
    while (ones < spans.length && sizes[ones] === 1) ones++;
    const c = Math.min(causalSpans, ones);
    return partition(spans, { causal: c === 0 ? 0 : spans[c - 1].end, sees: spans.map((_, k) => sees[k] % (k + 1)) });
  });

/** Partitions the AR layout accepts: span sizes that never shrink. */
const growingArb: fc.Arbitrary<Partition> = partitionArb.map((p) => {
  const sizes = p.spans.map((s) => s.end - s.start).sort((a, b) => a - b);
  let start = 0;
  return partition(sizes.map((n) => ({ start, end: (start += n) })), { sees: p.sees });
});

const spanOf = (p: Partition, i: number): number => p.spans.findIndex((s) => s.start <= i && i < s.end);

test('DetailFlow partition: the pass plan, pass count and input lengths of today (1 + (C-1) + (N/g - C/g) passes)', () => {
  fc.assert(fc.property(planCfgArb, (c) => {
    const p = ofCfg(c);
    const want: Span[] = [];
    for (let i = 0; i < c.causal; i++) want.push({ start: i, end: i + 1 });
    for (let s = c.causal; s < c.tokens; s += c.group) want.push({ start: s, end: s + c.group });
    assert.deepEqual(passPlanOf(p), want);
    assert.equal(passCountOf(p), 1 + (c.causal - 1) + (c.tokens / c.group - c.causal / c.group));
    for (const s of want) assert.equal(passInputLengthOf(p, s), s.start < c.causal ? s.start + 1 : s.start + c.group);
  }), { numRuns: 200 });
});

test('golden: 23, 39 and 71 passes for N = 128, 256, 512 at g = C = 8; g - 1 = 7 placeholders at positions 9..15', () => {
  for (const [N, n] of [[128, 23], [256, 39], [512, 71]] as const) assert.equal(passCountOf(detailflowPartition(N, 8, 8)), n);
  const layout = sequenceLayout(detailflowPartition(128, 8, 8));
  assert.equal(placeholderCount(detailflowPartition(128, 8, 8)), 7);
  assert.deepEqual(layout.slice(8, 17), [
    { kind: 'token', token: 7 }, ...Array.from({ length: 7 }, (_, index) => ({ kind: 'placeholder', index })), { kind: 'token', token: 8 },
  ]);
  assert.deepEqual(layout[0], { kind: 'class' });
  assert.deepEqual(layout[127], { kind: 'token', token: 119 });
});

test('DetailFlow partition: the AR and encoder masks of today (create_group_causal_mask, create_attn_mask_for_x_z)', () => {
  fc.assert(fc.property(planCfgArb.filter((c) => c.tokens <= 96), fc.nat({ max: 6 }), (c, patches) => {
    const p = ofCfg(c);
    const ar = arMaskRowsOf(p);
    ar.forEach((row, i) => row.forEach((v, j) => assert.equal(v, refAllowed(i, j, c.group, c.causal), `(${i}, ${j})`)));
    ar.forEach((row, i) => assert.equal(lastVisibleOf(p, i, c.tokens), row.lastIndexOf(true)));
    // The reference tokenizer stores the opposite polarity (true = blocked); here true = may attend.
    const enc = encoderMaskRowsOf(p, patches);
    enc.forEach((row, i) => row.forEach((v, j) => {
      const want = i < patches ? j < patches : j < patches || refAllowed(i - patches, j - patches, c.group, c.causal);
      assert.equal(v, want, `encoder (${i}, ${j})`);
    }));
  }), { numRuns: 120 });
});

test('golden picture: the reference AR mask with g = C = 4, length 16', () => {
  assert.deepEqual(maskPicture(arMaskRowsOf(detailflowPartition(16, 4, 4))), GOLDEN_AR_MASK_G4);
});

test('DetailFlow partition: the AR sequence layout of today (tok(p) = p-1 up to C, placeholders to C+g-1, then p-g)', () => {
  fc.assert(fc.property(planCfgArb, (c) => {
    const p = ofCfg(c);
    const layout = sequenceLayout(p);
    layout.forEach((h, q) => {
      assert.equal(tokenHeldAt(p, q), refTok(q, c.group, c.causal), `position ${q}`);
      if (h.kind === 'placeholder') assert.equal(h.index, q - c.causal - 1);
    });
    assert.equal(placeholderCount(p), c.causal < c.tokens ? c.group - 1 : 0);
  }), { numRuns: 200 });
});

test('DetailFlow partition: the noise spans and prefix schedule of today (get_noise_token_idx, get_input_output_img)', () => {
  fc.assert(fc.property(prefixCfgArb, (c) => {
    const { tokens: N, group: g, causal: C, degradeProb: pd } = c;
    const p = ofCfg(c);
    const dist = prefixDistributionOf(p, { degradeProb: pd, holdout: g });
    const want: { t: number; p: number }[] = [];
    if (pd > 0) {
      for (let j = 1; j <= Math.min(C, N - g); j++) want.push({ t: j, p: pd / (N - g) });
      for (let j = C + g; j <= N - g; j += g) want.push({ t: j, p: (pd * g) / (N - g) });
    }
    if (pd < 1) want.push({ t: N, p: 1 - pd });
    assert.deepEqual(dist, want.filter((w) => w.p > 0));
    for (const { t } of dist) {
      const spans = noiseSpanDistributionOf(p, t);
      if (t === 1) { assert.deepEqual(spans, []); continue; }
      const m = t <= C ? t : t - g;
      const wantSpans = [];
      for (let s = 0; s < Math.min(C, m); s++) wantSpans.push({ start: s, end: s + 1, p: 1 / m });
      for (let s = C; s < m; s += g) wantSpans.push({ start: s, end: s + g, p: g / m });
      assert.deepEqual(spans, wantSpans, `t = ${t}`);
    }
  }), { numRuns: 150 });
});

test('golden: for N = 128, g = C = 8 each first-group token is corrupted with probability 1/120, each group 8..112 with 8/120', () => {
  const spans = noiseSpanDistributionOf(detailflowPartition(128, 8, 8), 128);
  assert.equal(spans.length, 8 + 14);
  spans.forEach((s) => assert.equal(s.p, s.start < 8 ? 1 / 120 : 8 / 120));
  assert.equal(spans[spans.length - 1].end, 120);
});

test('no leak: in every partition no row sees a later span, nor outside its window', () => {
  fc.assert(fc.property(partitionArb, fc.nat({ max: 4 }), (p, patches) => {
    const rows = arMaskRowsOf(p);
    rows.forEach((row, i) => row.forEach((v, j) => {
      const [k, l] = [spanOf(p, i), spanOf(p, j)];
      assert.equal(v, l <= k && l >= p.sees[k], `(${i}, ${j}): spans ${k}, ${l}`);
    }));
    encoderMaskRowsOf(p, patches).forEach((row, i) => row.forEach((v, j) => {
      if (i >= patches && j >= patches) assert.equal(v, rows[i - patches][j - patches]);
    }));
    // A forward range's rows are the full mask's rows.
    const to = p.tokens;
    const from = p.spans[p.spans.length - 1].start;
    assert.deepEqual(passRows(from, to, p), rows.slice(from));
  }), { numRuns: 200 });
});

test('no leak through the layout: every position a row sees holds a token earlier than the one the row predicts', () => {
  fc.assert(fc.property(growingArb, (p) => {
    const rows = arMaskRowsOf(p);
    rows.forEach((row, q) => row.forEach((v, j) => {
      if (v) assert.ok(tokenHeldAt(p, j) < q, `row ${q} sees position ${j} holding token ${tokenHeldAt(p, j)}`);
    }));
    // Each span's positions hold exactly the previous span's tokens, then placeholders.
    const held = sequenceLayout(p).flatMap((h) => (h.kind === 'token' ? [h.token] : []));
    const last = p.spans[p.spans.length - 1];
    assert.deepEqual(held, Array.from({ length: last.start }, (_, i) => i));
  }), { numRuns: 200 });
});

test('each derived object is a pure function of the partition: equal partitions give equal results', () => {
  fc.assert(fc.property(growingArb, fc.integer({ min: 0, max: 1 << 20 }), (p, seed) => {
    const q = partition(p.spans.map((s) => ({ ...s })), { causal: p.causal, sees: [...p.sees] });
    assert.notEqual(p, q);
    assert.deepEqual(q, p);
    const derive = (r: Partition) => {
      const key = keyFromSeed(seed);
      const ends = r.spans.map((s) => s.end).filter((t) => t > r.spans[0].end);
      return {
        plan: passPlanOf(r), count: passCountOf(r), lengths: r.spans.map((s) => passInputLengthOf(r, s)),
        ar: arMaskRowsOf(r), enc: encoderMaskRowsOf(r, 2), layout: sequenceLayout(r), runs: positionRuns(0, r.tokens, r),
        noise: ends.map((t) => noiseSpanDistributionOf(r, t)), draws: ends.map((t, i) => sampleNoiseSpanOf(foldIn(key, i), r, t)),
        prefix: prefixDistributionOf(r, { degradeProb: 0.3, holdout: 0 }), t: samplePrefixOf(key, r, { degradeProb: 0.5, holdout: 0 }),
      };
    };
    assert.deepEqual(derive(q), derive(p));
  }), { numRuns: 100 });
});

test('every prefix the schedule draws ends a span, and every noise span is a span of the partition', () => {
  fc.assert(fc.property(growingArb, fc.integer({ min: 0, max: 1 << 20 }), (p, seed) => {
    const ends = new Set(p.spans.map((s) => s.end));
    const dist = prefixDistributionOf(p, { degradeProb: 0.5, holdout: 0 });
    assert.ok(Math.abs(dist.reduce((a, w) => a + w.p, 0) - 1) < 1e-12);
    for (const w of dist) assert.ok(ends.has(w.t), `t = ${w.t}`);
    for (const t of ends) {
      const s = sampleNoiseSpanOf(keyFromSeed(seed), p, t);
      if (O.isSome(s)) assert.ok(p.spans.some((x) => x.start === s.value.start && x.end === s.value.end) && s.value.end <= t);
    }
  }), { numRuns: 100 });
});

test('the four constructors', () => {
  const sizes = (p: Partition) => p.spans.map((s) => s.end - s.start);
  assert.deepEqual(sizes(nextScalePartition([1, 2, 3, 4])), [1, 4, 9, 16]);
  assert.equal(nextScalePartition([1, 2, 3, 4, 5, 6, 8]).tokens, 1 + 4 + 9 + 16 + 25 + 36 + 64);
  assert.equal(passCountOf(nextScalePartition([1, 2, 3, 4, 5, 6, 8])), 7);
  assert.deepEqual(sizes(groupOnePartition(5)), [1, 1, 1, 1, 1]);
  assert.deepEqual(rasterPartition(6), groupOnePartition(6));
  assert.equal(placeholderCount(groupOnePartition(9)), 0);
  // next-scale: each scale's positions hold the previous scale's tokens, then placeholders.
  const ns = nextScalePartition([1, 2, 3]);
  assert.deepEqual(heldAt(ns, 1), { kind: 'token', token: 0 });
  assert.deepEqual(heldAt(ns, 5), { kind: 'token', token: 1 });
  assert.deepEqual(heldAt(ns, 2), { kind: 'placeholder', index: 0 });
  assert.deepEqual(heldAt(ns, 9), { kind: 'placeholder', index: 0 });
  assert.deepEqual(heldAt(ns, 13), { kind: 'placeholder', index: 4 });
  assert.equal(placeholderCount(ns), 5);
  assert.deepEqual(detailflowPartition(128, 8), detailflowPartition(128, 8, 8));
});

test('bad partitions are refused with the offending span named', () => {
  const refuses = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof GraphError && re.test(e.message));
  refuses(() => partition([]), /at least one span/);
  refuses(() => partition([{ start: 0, end: 2 }, { start: 2, end: 2 }]), /span 1 \[2, 2\) is empty/);
  refuses(() => partition([{ start: 0, end: 3 }, { start: 2, end: 5 }]), /span 1 \[2, 5\) overlaps span 0 \[0, 3\)/);
  refuses(() => partition([{ start: 0, end: 2 }, { start: 3, end: 5 }]), /span 1 \[3, 5\) leaves tokens \[2, 3\) uncovered/);
  refuses(() => partition([{ start: 1, end: 2 }]), /span 0 \[1, 2\) leaves tokens \[0, 1\) uncovered/);
  refuses(() => partition([{ start: 0, end: 1 }, { start: 1, end: 4 }], { causal: 2 }), /causal window \[0, 2\) does not align with span boundaries: it ends inside span 1 \[1, 4\)/);
  refuses(() => partition([{ start: 0, end: 2 }, { start: 2, end: 4 }], { causal: 2 }), /span 0 \[0, 2\) lies in the causal window/);
  refuses(() => partition([{ start: 0, end: 1 }, { start: 1, end: 2 }], { sees: [0, 2] }), /sees\[1\] = 2/);
  refuses(() => detailflowPartition(100, 8), /tokens \(N = 100\) must be a multiple of group \(g = 8\)/);
  refuses(() => detailflowPartition(128, 8, 12), /causal \(C = 12\) must be a multiple of group/);
  refuses(() => detailflowPartition(16, 8, 24), /must not exceed tokens/);
  refuses(() => nextScalePartition([1, 3, 2]), /scales must increase/);
  refuses(() => nextScalePartition([]), /at least one scale/);
  refuses(() => sequenceLayout(partition([{ start: 0, end: 1 }, { start: 1, end: 4 }, { start: 4, end: 6 }])), /span 2 \[4, 6\) is shorter than span 1 \[1, 4\)/);
  refuses(() => noiseSpanDistributionOf(detailflowPartition(32, 4), 10), /does not end a span/);
});
