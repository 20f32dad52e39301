import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { compile, release, toHost } from '../../src/compile/compile.ts';
import type { BackendName } from '../../src/compile/backend.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { decodeArConfig } from '../../src/detailflow/ar/config.ts';
import { arModel } from '../../src/detailflow/ar/model.ts';
import { ropeTables } from '../../src/detailflow/ar/rope-2d.ts';
import { sequenceLayout } from '../../src/detailflow/ar-layout.ts';
import { arMaskRowsOf, encoderMaskRowsOf } from '../../src/detailflow/masks.ts';
import { noiseSpanDistributionOf } from '../../src/detailflow/noise-span.ts';
import { detailflowPartition } from '../../src/detailflow/partition.ts';
import {
  groupsPartition, partitionFields, partitionOf, placeholderRowsOf, prefixOptionsOf, sizesOf,
} from '../../src/detailflow/partition-config.ts';
import { passPlanOf } from '../../src/detailflow/pass-plan.ts';
import { prefixDistributionOf } from '../../src/detailflow/prefix-schedule.ts';
import { arSampler } from '../../src/detailflow/sample/sampler.ts';
import { gradualScales } from '../../src/detailflow/sample/options.ts';
import { decodeTokenizerConfig } from '../../src/detailflow/tokenizer/config.ts';
import { mappedTokens, mappedTokensOf } from '../../src/detailflow/decoder-size.ts';
import { ready } from '../helpers/backends.ts';

const backend = (process.env.DETAILFLOW_BACKEND ?? 'cpu') as BackendName;
before(() => ready(backend));

// DetailFlow's (N, g, C) with C < N (its holdout g is then its last span's size) or g = 1.
const detailflowArb = fc.record({ groups: fc.integer({ min: 2, max: 8 }), group: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 4 }) })
  .map(({ groups, group, k }) => ({ tokens: groups * group, group, causal: Math.min(k, groups - 1) * group }))
  .filter((o) => o.causal >= 1 && o.tokens >= 2);

test('a config with an explicit DetailFlow partition equals the implicit one in every derived object', () => {
  fc.assert(fc.property(detailflowArb, fc.double({ min: 0, max: 1, noNaN: true }), (o, degradeProb) => {
    const implicit = decodeTokenizerConfig({ ...o, degradeProb: 0 });
    const explicitSizes = sizesOf(detailflowPartition(o.tokens, o.group, o.causal));
    const explicit = decodeTokenizerConfig({ ...o, degradeProb: 0, spans: explicitSizes });
    assert.ok(E.isRight(implicit) && E.isRight(explicit), JSON.stringify(o));
    const [a, b] = [implicit.right, explicit.right];
    const [p, q] = [partitionOf(a), partitionOf(b)];
    assert.deepEqual(q, p);
    assert.deepEqual(passPlanOf(q), passPlanOf(p));
    assert.deepEqual(arMaskRowsOf(q), arMaskRowsOf(p));
    assert.deepEqual(encoderMaskRowsOf(q, 4), encoderMaskRowsOf(p, 4));
    assert.deepEqual(sequenceLayout(q), sequenceLayout(p));
    assert.equal(placeholderRowsOf(b), placeholderRowsOf(a));
    assert.deepEqual(mappedTokensOf(q), mappedTokens(o.tokens, o.group, o.causal));
    for (const s of p.spans) assert.deepEqual(noiseSpanDistributionOf(q, s.end), noiseSpanDistributionOf(p, s.end));
    const d = { ...a, degradeProb };
    const e = { ...b, degradeProb };
    assert.deepEqual(prefixDistributionOf(q, prefixOptionsOf(e)), prefixDistributionOf(p, prefixOptionsOf(d)));
    assert.deepEqual(gradualScales(q, 1.45), gradualScales(p, 1.45));
    // the AR side: same layout, placeholders, RoPE tables and parameter shapes
    const ar = (spans?: readonly number[]) => {
      const r = decodeArConfig({ vocab: 16, tokens: o.tokens, group: o.group, causal: o.causal, width: 8, depth: 1, heads: 1, mlpHidden: 8, ...(spans ? { spans } : {}) });
      assert.ok(E.isRight(r));
      return r.right;
    };
    const [x, y] = [ar(), ar(explicitSizes)];
    assert.deepEqual(ropeTables(0, o.tokens, y), ropeTables(0, o.tokens, x));
    assert.deepEqual(arModel(y).layout, arModel(x).layout);
    // and a partition value written back as configuration is the implicit form
    assert.deepEqual(partitionFields(p), { group: sizesOf(p)[p.spans.length - 1], causal: o.causal });
  }), { numRuns: 100 });
});

// A valid random partition: a single first token, then non-decreasing span sizes.
const partitionArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 })
  .map((steps) => [1, ...steps.map((_, i) => steps.slice(0, i + 1).reduce((m, s) => Math.max(m, s), 1))])
  .filter((sizes) => sizes.reduce((a, b) => a + b, 0) >= 2);

test('every valid random partition config gives a model whose teacher-forced pass and grouped sampler agree (greedy)', async () => {
  await fc.assert(fc.asyncProperty(partitionArb, fc.nat(), async (spans, seed) => {
    const tokens = spans.reduce((a, b) => a + b, 0);
    const r = decodeArConfig({ vocab: 16, tokens, group: 1, spans, classes: 3, width: 16, depth: 1, heads: 1, mlpHidden: 16, initStd: 0.3, headInitStd: 0.5 });
    assert.ok(E.isRight(r), JSON.stringify(spans));
    const c = r.right;
    const m = arModel(c);
    const params = m.init(keyFromSeed(seed));
    const s = arSampler(c, { backend });
    const labels = [seed % 3, (seed + 1) % 3];
    const out = await s.grouped(params, labels, keyFromSeed(seed + 1), { topK: 1 });
    assert.equal(out.passes, spans.length);
    const full = compile((p: never, cls: Node, codes: Node) => m.apply(p, cls, codes), { backend });
    const logits = await full.run(params as never, hostArray(Int32Array.from(labels), [2]), out.tokens);
    const h = await toHost(logits) as HostArray;
    release(logits);
    const V = c.vocab;
    const data = h.data as Float32Array;
    const toks = out.tokens.data as Int32Array;
    for (let b = 0; b < 2; b++) {
      for (let q = 0; q < tokens; q++) {
        const row = data.subarray((b * tokens + q) * V, (b * tokens + q + 1) * V);
        let best = 0;
        for (let v = 1; v < V; v++) if (row[v] > row[best]) best = v;
        // a tie within float noise would make greedy ambiguous: such draws are vanishingly rare at these logit scales
        assert.equal(toks[b * tokens + q], best, `spans [${spans}] row ${b} token ${q}`);
      }
    }
  }), { numRuns: 8 });
});

test('bad partitions are refused with the offending span named', () => {
  const problems = (u: unknown): string => {
    const r = decodeTokenizerConfig(u);
    assert.ok(E.isLeft(r), JSON.stringify(u));
    return r.left.problems.join('\n');
  };
  assert.match(problems({ spans: [1, 1, 2, 0, 4, 8, 8, 8] }), /span 3 \[4, 4\) is empty/);
  assert.match(problems({ spans: [1, 1, 2, 4, 8, 8, 7] }), /the spans sum to 31, not tokens \(N = 32\): tokens \[31, 32\) are in no span/);
  assert.match(problems({ spans: [1, 1, 2, 4, 8, 8, 16] }), /span 6 \[24, 40\) runs past tokens \(N = 32\)/);
  assert.match(problems({ spans: [1, 1, 2, 4, 8, 8, 8], causal: 3 }), /causal window \[0, 3\) does not align with span boundaries: it ends inside span 2 \[2, 4\)/);
  assert.match(problems({ spans: [1, 1, 2, 4, 8, 8, 8], causal: 4 }), /span 2 \[2, 4\) lies in the causal window \[0, 4\), where every span is one token/);
  assert.match(problems({ spans: [32] }), /ends inside span 0 \[0, 32\)/);
  assert.match(problems({ spans: [1, 2, 1, 4, 8, 8, 8], causal: 1 }), /span 2 \[3, 4\) is shorter than span 1 \[1, 3\)/);
  assert.match(problems({ tokens: 8, spans: [1, 1, 'x'] }), /spans: expected a list of 1 to 65536 span sizes/);
  // the AR codec refuses the same, by the same names
  const ar = decodeArConfig({ spans: [1, 1, 2, 0, 4, 8, 8, 8] });
  assert.ok(E.isLeft(ar) && /span 3 \[4, 4\) is empty/.test(ar.left.problems.join('\n')));
  // a partition constructor that does not land on N is refused by the span
  assert.throws(() => groupsPartition(12, [1, 1, 2, 4, 8]), /span 4 \[8, 16\) runs past tokens \(N = 12\)/);
});

test('old metadata (no spans, no ropeWidth) decodes to the implicit partition, and a decoded config gains no key', () => {
  const t = decodeTokenizerConfig({});
  const a = decodeArConfig({});
  assert.ok(E.isRight(t) && E.isRight(a));
  assert.ok(!('spans' in t.right) && !('spans' in a.right) && !('ropeWidth' in a.right));
  assert.deepEqual(partitionOf(t.right), detailflowPartition(32, 4, 4));
  assert.deepEqual(sizesOf(groupsPartition(32, [1, 1, 2, 4, 8])), [1, 1, 2, 4, 8, 8, 8]);
  assert.deepEqual(sizesOf(groupsPartition(8, [1, 1, 2, 4, 8])), [1, 1, 2, 4]);
});
