// The official configurations against the official state-dict key sets (full sizes, from
// official-state-dict-shapes.json), and the antialiased bilinear resampling's defining facts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { antialiasedBilinear } from '../../src/detailflow/resampling-antialias.ts';
import { arConfigOfGpt, releaseGptL, tokenizerConfigFromShapes } from '../../src/detailflow/official/config.ts';
import { droppedTokenizerKeys, gptKeys, tokenizerKeys } from '../../src/detailflow/official/keys.ts';

const shapesFile = path.resolve(import.meta.dirname, '../../../shared/reference/fixtures/official-state-dict-shapes.json');
const official = JSON.parse(readFileSync(shapesFile, 'utf8')) as Record<string, { shapes: Record<string, [number[], string]> | string }>;
const shapesOf = (k: string): Map<string, number[]> => Object.entries(official[k]!.shapes as Record<string, [number[], string]>).reduce((m, [n, [s]]) => m.set(n, s), new Map<string, number[]>());

for (const N of [128, 256, 512]) {
  test(`the released N = ${N} tokenizer: every key is mapped with its shape or dropped with a reason`, () => {
    const shapes = shapesOf(`tokenizer_N${N}`);
    const cfg = tokenizerConfigFromShapes(shapes);
    assert.ok(E.isRight(cfg), E.isLeft(cfg) ? cfg.left.join('; ') : '');
    assert.deepEqual(cfg.right.encoder, { width: 1152, depth: 12, heads: 16, mlpWidth: 4304, grid: 16 });
    assert.deepEqual(cfg.right.decoder, { width: 768, depth: 12, heads: 12, mlpWidth: 3072, grid: 16 });
    assert.equal(cfg.right.tokens, N);
    assert.equal(cfg.right.imageSize, 256);
    assert.equal(cfg.right.patch, 16);
    assert.equal(cfg.right.codebookSize, 8192);
    const keys = tokenizerKeys(cfg.right);
    for (const e of keys) assert.deepEqual(shapes.get(e.key), e.shape, e.key);
    const kept = new Set(keys.map((e) => e.key));
    const rest = [...shapes.keys()].filter((k) => !kept.has(k));
    assert.ok(rest.every((k) => droppedTokenizerKeys.some((d) => k.startsWith(d.prefix))), `unaccounted: ${rest.filter((k) => !droppedTokenizerKeys.some((d) => k.startsWith(d.prefix)))}`);
    assert.equal(keys.length + rest.length, shapes.size);
  });
  test(`GPT-L for N = ${N} maps onto the project's AR model key for key`, () => {
    const shapes = shapesOf(`gpt_l_N${N}`);
    const cfg = arConfigOfGpt(releaseGptL(N));
    assert.ok(E.isRight(cfg));
    assert.equal(cfg.right.mlpHidden, 2816);
    const keys = gptKeys(cfg.right);
    assert.equal(keys.length, shapes.size);
    for (const e of keys) assert.deepEqual(shapes.get(e.key), e.shape, e.key);
  });
}

test('antialiased bilinear: rows sum to 1, the identity at equal sizes, the triangle filter when shrinking', () => {
  for (const [i, o] of [[8, 1], [8, 3], [16, 5], [7, 7], [4, 9], [16, 16], [3, 1]]) {
    const w = antialiasedBilinear.build(i, o);
    for (let r = 0; r < o; r++) assert.ok(Math.abs(w.subarray(r * i, (r + 1) * i).reduce((a, b) => a + b, 0) - 1) < 1e-12, `${i}->${o} row ${r}`);
    if (i === o) assert.deepEqual(Array.from(w), Array.from({ length: i * i }, (_, k) => (k % (i + 1) === 0 ? 1 : 0)));
  }
  // 8 -> 1: weight i proportional to 1 - |i + 0.5 - 4| / 8 (the fixtures' README), not a plain average
  const w = antialiasedBilinear.build(8, 1);
  const tri = Array.from({ length: 8 }, (_, i) => 1 - Math.abs(i + 0.5 - 4) / 8);
  const total = tri.reduce((a, b) => a + b, 0);
  tri.forEach((t, i) => assert.ok(Math.abs(w[i] - t / total) < 1e-12));
  assert.notEqual(w[0], 1 / 8);
});
