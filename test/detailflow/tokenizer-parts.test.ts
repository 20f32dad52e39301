import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { decodeTokenizerConfig, type TokenizerConfig } from '../../src/detailflow/tokenizer/config.ts';
import { tokenizer } from '../../src/detailflow/tokenizer/model.ts';
import { fromCurve, powerCurve, resolutionAt } from '../../src/detailflow/resolution.ts';
import { degradation, stage } from '../../src/detailflow/degradation.ts';
import { snapToPatch } from '../../src/detailflow/decoder-size.ts';
import { bicubic } from '../../src/detailflow/resampling.ts';
import { isConfigError } from '../../src/config/errors.ts';

const cfg = (over: Partial<TokenizerConfig> = {}): TokenizerConfig => {
  const c = decodeTokenizerConfig({ size: 32, patch: 8, tokens: 8, group: 2, causal: 2, ...over });
  assert.ok(E.isRight(c));
  return c.right;
};
const ts = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test('without parts the tokenizer keeps the power curve and decodes at dec(t) = snap(R(t))', () => {
  for (const alpha of [1, 1.5, 3]) {
    const c = cfg({ alpha });
    const tk = tokenizer(c, 1);
    const map = powerCurve(c);
    assert.deepEqual(tk.resolutionMap.values, map.values);
    assert.deepEqual(ts(8).map(tk.decoderSide), ts(8).map((t) => snapToPatch(resolutionAt(map, t), 8)));
  }
});

test('a swapped resolution map carries into the degradation and the decoder sides', () => {
  const linear = fromCurve('linear', 32, 8, (n) => 4 * n);
  const tk = tokenizer(cfg(), 1, { resolutionMap: linear });
  assert.deepEqual(tk.resolutionMap.values, [4, 8, 12, 16, 20, 24, 28, 32]);
  assert.deepEqual(ts(8).map(tk.decoderSide), [8, 8, 16, 16, 24, 24, 32, 32]);
});

test('a swapped degradation sets the decoder sides to its last stage', () => {
  const coarse = degradation('halves', 32, 8, [stage('half or full', (t) => (t < 8 ? 16 : 32), bicubic)]);
  const tk = tokenizer(cfg(), 1, { degradation: coarse });
  assert.equal(tk.degradation, coarse);
  assert.deepEqual(ts(8).map(tk.decoderSide), [16, 16, 16, 16, 16, 16, 16, 32]);
  assert.throws(() => tk.decoderSide(9), /t must be an integer in \[1, 8\]/);
});

test('parts that do not fit the configuration are refused, naming the part and the mismatch', () => {
  const problems = (f: () => unknown): string[] => {
    try { f(); } catch (e) { assert.ok(isConfigError(e)); return [...e.problems]; }
    assert.fail('expected a ConfigError');
  };
  assert.match(problems(() => tokenizer(cfg(), 1, { resolutionMap: powerCurve({ size: 28, tokens: 8, alpha: 1.5 }) })).join('\n'),
    /resolution map power\(alpha=1.5\) is for H = 28, N = 8; the configuration has size 32/);
  assert.match(problems(() => tokenizer(cfg(), 1, { degradation: degradation('short', 32, 4, []) })).join('\n'), /degradation short is for H = 32, N = 4/);
  const offGrid = degradation('odd', 32, 8, [stage('odd', (t) => (t < 8 ? 12 : 32), bicubic)]);
  assert.match(problems(() => tokenizer(cfg(), 1, { degradation: offGrid })).join('\n'), /multiple of patch 8.*t = 1: side 12/);
});
