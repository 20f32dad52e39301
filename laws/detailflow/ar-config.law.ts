import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { ArConfigCodec, decodeArConfig, decodeArPreset, llamaMlpHidden } from '../../src/detailflow/ar/config.ts';

/** Valid configurations, generated from the same constraints the codec checks. */
const validArb = fc.record({
  group: fc.integer({ min: 1, max: 8 }), groups: fc.integer({ min: 2, max: 8 }), strict: fc.integer({ min: 1, max: 8 }),
  heads: fc.integer({ min: 1, max: 8 }), quarter: fc.integer({ min: 1, max: 8 }), depth: fc.integer({ min: 1, max: 4 }),
  vocab: fc.integer({ min: 2, max: 5000 }), classes: fc.integer({ min: 1, max: 1000 }), nullClass: fc.boolean(),
  classZeroRotation: fc.boolean(), placeholderInitStd: fc.double({ min: 0, max: 2, noNaN: true }),
}).map((v) => ({
  vocab: v.vocab, tokens: v.group * v.groups, group: v.group, causal: v.group * Math.min(v.strict, v.groups),
  classes: v.classes, nullClass: v.nullClass, width: v.heads * 4 * v.quarter, heads: v.heads, depth: v.depth,
  classZeroRotation: v.classZeroRotation, placeholderInitStd: v.placeholderInitStd,
}));

test('AR config: every generated config decodes, fills its defaults, and round-trips', () => {
  fc.assert(fc.property(validArb, (input) => {
    const r = decodeArConfig(input);
    assert.ok(E.isRight(r), E.isLeft(r) ? r.left.message : '');
    assert.equal(r.right.mlpHidden, llamaMlpHidden(input.width));
    Object.entries(input).forEach(([k, v]) => assert.equal((r.right as Record<string, unknown>)[k], v));
    assert.deepEqual(decodeArConfig(ArConfigCodec.encode(r.right)), r);
  }), { numRuns: 200 });
});

test('AR config: every problem is reported at once', () => {
  const r = decodeArConfig({ tokens: 30, group: 4, width: 48, heads: 8, vocab: 1, typo: 3 });
  assert.ok(E.isLeft(r));
  const text = r.left.problems.join('\n');
  for (const want of ['multiple of group', 'head size width/heads = 6', 'vocab', 'typo: unknown field']) assert.ok(text.includes(want), `${want} in\n${text}`);
});

test('find_multiple sizing and the GPT-L preset', () => {
  assert.equal(llamaMlpHidden(1024), 2816);
  assert.equal(llamaMlpHidden(256), 768);
  const gpt = decodeArPreset('referenceGptL');
  assert.ok(E.isRight(gpt));
  assert.deepEqual([gpt.right.vocab, gpt.right.tokens, gpt.right.group, gpt.right.causal, gpt.right.width, gpt.right.depth, gpt.right.heads, gpt.right.mlpHidden], [8192, 128, 8, 8, 1024, 24, 16, 2816]);
  assert.ok(E.isLeft(decodeArPreset('gpt-xxl')));
});
