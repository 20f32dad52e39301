import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fans, lecunNormal, normal, ones, truncatedNormal, xavierUniform, zeros } from '../../src/nn/init.ts';
import { keyFromSeed } from '../../src/random/key.ts';

const stats = (d: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < d.length; i++) m += d[i] / d.length;
  let v = 0;
  for (let i = 0; i < d.length; i++) v += (d[i] - m) ** 2 / d.length;
  return { mean: m, std: Math.sqrt(v), max: Math.max(...Array.from(d, Math.abs)) };
};

test('initialisers are pure functions of the key', () => {
  for (const init of [normal(0.02), truncatedNormal(1), xavierUniform(), lecunNormal()]) {
    const a = init(keyFromSeed(7), [8, 5]);
    const b = init(keyFromSeed(7), [8, 5]);
    const c = init(keyFromSeed(8), [8, 5]);
    assert.deepEqual(Array.from(a.data), Array.from(b.data));
    assert.notDeepEqual(Array.from(a.data), Array.from(c.data));
    assert.deepEqual([...a.shape], [8, 5]);
    assert.equal(a.dtype, 'float32');
  }
});

test('zeros and ones', () => {
  assert.deepEqual(Array.from(zeros(keyFromSeed(0), [2, 2]).data), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(ones(keyFromSeed(0), [3]).data), [1, 1, 1]);
  assert.equal(zeros(keyFromSeed(0), []).data.length, 1);
});

test('normal(std) has about that mean and std', () => {
  const s = stats(normal(0.5, 1)(keyFromSeed(1), [100, 100]).data);
  assert.ok(Math.abs(s.mean - 1) < 0.02 && Math.abs(s.std - 0.5) < 0.02, JSON.stringify(s));
});

test('truncatedNormal stays within ±bound std and has the truncated std (0.88 std for ±2)', () => {
  const s = stats(truncatedNormal(0.1)(keyFromSeed(2), [100, 100]).data);
  assert.ok(s.max <= 0.2 + 1e-7, `max ${s.max}`);
  assert.ok(Math.abs(s.std - 0.1 * 0.8796) < 0.003, `std ${s.std}`);
  const tight = stats(truncatedNormal(1, 0.5)(keyFromSeed(3), [2000]).data);
  assert.ok(tight.max <= 0.5, 'a tight bound is honoured too');
});

test('fans follow [..., in, out] with a receptive field', () => {
  assert.deepEqual(fans([]), { fanIn: 1, fanOut: 1 });
  assert.deepEqual(fans([7]), { fanIn: 7, fanOut: 7 });
  assert.deepEqual(fans([3, 5]), { fanIn: 3, fanOut: 5 });
  assert.deepEqual(fans([3, 3, 4, 8]), { fanIn: 36, fanOut: 72 });
});

test('xavierUniform stays within sqrt(6 / (in + out)); lecunNormal has variance 1 / fanIn', () => {
  const x = stats(xavierUniform()(keyFromSeed(4), [64, 192]).data);
  assert.ok(x.max <= Math.sqrt(6 / 256) + 1e-7 && x.max > 0.9 * Math.sqrt(6 / 256));
  const l = stats(lecunNormal()(keyFromSeed(5), [256, 64]).data);
  assert.ok(Math.abs(l.std - 1 / 16) < 0.002, `std ${l.std}`);
});
