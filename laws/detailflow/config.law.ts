import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import {
  defaults, DetailFlowConfig, PlanConfig, PrefixConfig, ResolutionConfig, decodeDetailFlowConfig,
} from '../../src/detailflow/config.ts';
import { ConfigError } from '../../src/config/errors.ts';
import * as api from '../../src/detailflow/api.ts';
import { detailflowCfgArb, planCfgArb, prefixCfgArb, resolutionCfgArb } from './arbitraries.ts';

const roundTrips = <A>(codec: t.Type<A, A, unknown>, x: A): void => {
  const r = codec.decode(x);
  assert.ok(E.isRight(r), `${codec.name} rejected a generated config: ${E.isLeft(r) ? JSON.stringify(x) : ''}`);
  const plain = { ...x }; // fast-check records have a null prototype
  assert.deepEqual(r.right, plain);
  assert.deepEqual(codec.encode(r.right), plain);
  assert.ok(codec.is(x));
};

test('every generated config decodes to itself and encodes back (all codecs)', () => {
  fc.assert(fc.property(detailflowCfgArb, (c) => roundTrips(DetailFlowConfig, c)), { numRuns: 200 });
  fc.assert(fc.property(resolutionCfgArb, (c) => roundTrips(ResolutionConfig, c)), { numRuns: 100 });
  fc.assert(fc.property(planCfgArb, (c) => roundTrips(PlanConfig, c)), { numRuns: 100 });
  fc.assert(fc.property(prefixCfgArb, (c) => roundTrips(PrefixConfig, c)), { numRuns: 100 });
});

const OPTIONAL = ['causal', 'alpha', 'patch', 'channels', 'degradeProb'] as const;

test('omitted fields take the reference defaults; causal defaults to the group size', () => {
  fc.assert(fc.property(detailflowCfgArb, fc.subarray([...OPTIONAL]), (c0, drop) => {
    // Keep the config valid under the default patch (16) and degradeProb (0.2).
    const c = { ...c0, size: 16 * c0.patch, tokens: Math.max(c0.tokens, 2 * c0.group) };
    const given: Record<string, unknown> = { ...c };
    for (const k of drop) delete given[k];
    const r = decodeDetailFlowConfig(given);
    assert.ok(E.isRight(r), E.isLeft(r) ? r.left.message : '');
    for (const k of OPTIONAL) {
      const want = !drop.includes(k) ? c[k] : k === 'causal' ? c.group : defaults[k];
      assert.equal(r.right[k], want, k);
    }
  }), { numRuns: 200 });
});

/** Ways to break one field or one cross-field rule, each with the problem it must produce; all independent. */
const BREAKERS: [string, (c: DetailFlowConfig) => Record<string, unknown>, RegExp][] = [
  ['alpha < 1', () => ({ alpha: 0.5 }), /^alpha: expected a number in \[1, 16\], got 0\.5$/m],
  ['N not a multiple of g', (c) => ({ tokens: c.tokens + 1 }), /^tokens\/group: tokens \(N = \d+\) must be a multiple of group/m],
  ['C not a multiple of g', (c) => ({ causal: c.group + 1 }), /^causal\/group: causal \(C = \d+\) must be a multiple of group/m],
  ['H < P', (c) => ({ patch: c.size + 1 }), /^size\/patch: size \(H = \d+\) must be at least patch/m],
  ['non-integer channels', () => ({ channels: 2.5 }), /^channels: expected an integer in \[1, 4096\], got 2\.5$/m],
  ['probability above 1', () => ({ degradeProb: 1.5 }), /^degradeProb: expected a number in \[0, 1\], got 1\.5$/m],
  ['a string size', () => ({ size: '256' }), /^size: expected an integer in \[1, 8192\], got "256"$/m],
];

test('a config with several problems is rejected with every one of them listed', () => {
  fc.assert(fc.property(
    detailflowCfgArb.filter((c) => c.group >= 2),
    fc.subarray(BREAKERS, { minLength: 1 }),
    (c, breakers) => {
      // 'a string size' hides the size/patch rule (that needs a valid size); keep the two apart.
      const chosen = breakers.some(([n]) => n === 'a string size') ? breakers.filter(([n]) => n !== 'H < P') : breakers;
      const bad = chosen.reduce<Record<string, unknown>>((acc, [, f]) => ({ ...acc, ...f(c) }), { ...c });
      const r = decodeDetailFlowConfig(bad);
      assert.ok(E.isLeft(r), `accepted ${JSON.stringify(bad)}`);
      assert.ok(r.left instanceof ConfigError);
      const text = r.left.problems.join('\n');
      for (const [name, , re] of chosen) assert.match(text, re, `${name} not reported in:\n${text}`);
      assert.equal(r.left.problems.length, chosen.length, text);
      for (const p of r.left.problems) assert.ok(r.left.message.includes(p), 'the message lists every problem');
    }), { numRuns: 200 });
});

test('non-record inputs and missing required fields are reported, not defaulted', () => {
  fc.assert(fc.property(fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.array(fc.nat())), (u) => {
    assert.ok(E.isLeft(decodeDetailFlowConfig(u)));
  }), { numRuns: 30 });
  const r = decodeDetailFlowConfig({});
  assert.ok(E.isLeft(r));
  assert.deepEqual(r.left.problems.map((p) => p.split(':')[0]).sort(), ['group', 'size', 'tokens']);
});

test('the plain API throws ConfigError for out-of-range numbers, and try* returns the same problems', () => {
  fc.assert(fc.property(planCfgArb, fc.oneof(fc.integer({ min: -3, max: 0 }), fc.integer({ min: 1, max: 50 }), fc.double({ min: 1.1, max: 9.9, noNaN: true })), (c, extra) => {
    const n = extra >= 1 && Number.isInteger(extra) ? c.tokens + extra : extra; // always out of range or not an integer
    const cfg = { size: 64, tokens: c.tokens, alpha: 1.5 };
    const r = api.tryResolution(n, cfg);
    assert.ok(E.isLeft(r));
    assert.match(r.left.problems.join('\n'), /^n: expected/m);
    assert.throws(() => api.resolution(n, cfg), (e: unknown) => e instanceof ConfigError && e.problems.join() === r.left.problems.join());
  }), { numRuns: 100 });
});
