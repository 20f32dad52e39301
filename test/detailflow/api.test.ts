import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import * as df from '../../src/detailflow/index.ts';
import * as root from '../../src/index.ts';
import { keyFromSeed } from '../../src/random/key.ts';

const problemsOf = (f: () => unknown): readonly string[] => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof df.ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.ok(e.problems.every((p) => e.message.includes(p)));
    return e.problems;
  }
  assert.fail('expected a ConfigError');
};

test('resolution and decoderSize: reference values, defaults alpha = 1.5 and P = 16', () => {
  assert.equal(df.resolution(3, { size: 256, tokens: 128 }), 6);
  assert.equal(df.resolution(48, { size: 256, tokens: 128, alpha: 1.5 }), 128);
  assert.equal(df.decoderSize(7, { size: 256, tokens: 128 }), 32);
  assert.equal(df.decoderSize(48, { size: 256, tokens: 128, alpha: 1.5, patch: 16 }), 128);
});

test('every invalid number is rejected with a readable, complete report', () => {
  assert.deepEqual(problemsOf(() => df.resolution(0, { size: 256, tokens: 128 })), ['n: expected an integer in [1, 128], got 0']);
  assert.deepEqual(problemsOf(() => df.resolution(2.5, { size: 256.5, tokens: 128, alpha: 0.9 })), [
    'size: expected an integer in [1, 8192], got 256.5',
    'alpha: expected a number in [1, 16], got 0.9',
    'n: expected a positive integer, got 2.5',
  ]);
  assert.deepEqual(problemsOf(() => df.decoderSize(1, { size: 8, tokens: 16 })), ['size/patch: size (H = 8) must be at least patch (P = 16)']);
  assert.deepEqual(problemsOf(() => df.passPlan({ tokens: 100, group: 8, causal: 12 })), [
    'tokens/group: tokens (N = 100) must be a multiple of group (g = 8)',
    'causal/group: causal (C = 12) must be a multiple of group (g = 8)',
  ]);
  assert.deepEqual(problemsOf(() => df.prefixDistribution({ tokens: 8, group: 8 })), [
    'tokens/group/degradeProb: tokens (N = 8) must be at least 2 * group (16) when degradeProb > 0: a degraded step draws t0 from 1..N-g',
  ]);
  assert.deepEqual(df.prefixDistribution({ tokens: 8, group: 8, degradeProb: 0 }), [{ t: 8, p: 1 }]);
  assert.match(problemsOf(() => df.groupCausalMask(-1, { group: 0 })).join('\n'), /length: expected an integer in \[1, 65536\], got -1\ngroup: expected an integer/);
  assert.match(problemsOf(() => df.sampleNoiseSpan(keyFromSeed(0), 12, { tokens: 128, group: 8 })).join(), /multiple of group/);
});

test('try* forms return the ConfigError as a value', () => {
  const r = df.tryPassPlan({ tokens: 12, group: 8 });
  assert.ok(E.isLeft(r));
  assert.ok(r.left instanceof df.ConfigError);
  assert.ok(E.isRight(df.tryPassPlan({ tokens: 16, group: 8 })));
  assert.ok(E.isLeft(df.tryDegradeImage(df.hostImage(new Float32Array(4), 1, 2, 2), 1, { tokens: 4, patch: 1, size: 4 })));
});

test('degradeImage: t = 1 gives the channel means at side dec(1); bad inputs are all reported', () => {
  const H = 32;
  const data = Float32Array.from({ length: 2 * H * H }, (_, i) => (i < H * H ? (i % 7) / 7 : -1 + (i % 5) / 10));
  const img = df.hostImage(data, 2, H, H);
  const out = df.degradeImage(img, 1, { tokens: 16, patch: 8 });
  assert.deepEqual([out.channels, out.height, out.width], [2, 8, 8]);
  for (let c = 0; c < 2; c++) {
    const mean = data.subarray(c * H * H, (c + 1) * H * H).reduce((a, b) => a + b, 0) / (H * H);
    for (const v of out.data.subarray(c * 64, (c + 1) * 64)) assert.ok(Math.abs(v - mean) < 1e-5);
  }
  const problems = problemsOf(() => df.degradeImage(df.hostImage(new Float32Array(10), 1, 4, 4), 99, { tokens: 16, patch: 8 }));
  assert.match(problems.join('\n'), /data: has 10 values, but channels \* height \* width = 16/);
  const more = problemsOf(() => df.degradeImage(img, 17, { size: 32, tokens: 16, patch: 5 }));
  assert.deepEqual(more, ['size/patch: size (H = 32) must be a multiple of patch (P = 5), so that dec(N) = H']);
  assert.deepEqual(problemsOf(() => df.degradeImage(img, 17, { tokens: 16, patch: 8 })), ['t: expected an integer in [1, 16], got 17']);
});

test('no clamp: bicubic upsampling of an edge overshoots the input range', () => {
  // A step from -1 to 1: the cubic kernel's negative lobes ring past both ends.
  const H = 32;
  const data = Float32Array.from({ length: H * H }, (_, i) => ((i % H) < H / 2 ? -1 : 1));
  const deg = df.degradation('bicubic only', H, 2, [df.stage('up', (t) => (t === 1 ? 4 * H : H), df.bicubic)]);
  const out = df.degradeHost(deg, df.hostImage(data, 1, H, H), 1);
  assert.equal(out.height, 4 * H);
  assert.ok(Math.max(...out.data) > 1 && Math.min(...out.data) < -1);
});

test('masks, plans and samplers through the barrel', () => {
  assert.deepEqual(df.encoderMask(1, 2, { group: 1 }), [[true, false, false], [true, true, false], [true, true, true]]);
  assert.deepEqual(df.passPlan({ tokens: 4, group: 2 }), [{ start: 0, end: 1 }, { start: 1, end: 2 }, { start: 2, end: 4 }]);
  const t = df.samplePrefix(keyFromSeed(7), { tokens: 128, group: 8 });
  assert.ok(df.prefixDistribution({ tokens: 128, group: 8 }).some((w) => w.t === t));
  assert.ok(O.isNone(df.sampleNoiseSpan(keyFromSeed(7), 1, { tokens: 128, group: 8 })));
  const s = df.schedule({ size: 256, tokens: 128, group: 8 });
  assert.equal(s.rows.reduce((a, r) => a + r.trainProb, 0).toFixed(12), '1.000000000000');
});

test('the package root re-exports the plain-data API', () => {
  for (const name of ['resolution', 'decoderSize', 'groupCausalMask', 'passPlan', 'prefixDistribution', 'degradeImage', 'ConfigError'] as const) {
    assert.equal(root[name], df[name], name);
  }
});
