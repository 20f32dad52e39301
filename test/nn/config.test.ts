import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { ConfigError } from '../../src/config/errors.ts';
import { decodeTransformerConfig, transformerConfig, transformerDefaults } from '../../src/nn/transformer-config.ts';
import { transformerBlock } from '../../src/nn/transformer-block.ts';

test('a valid configuration gets the defaults', () => {
  const r = decodeTransformerConfig({ width: 8, heads: 2, mlpWidth: 16, depth: 1 });
  assert.ok(E.isRight(r));
  assert.deepEqual(r.right, { ...transformerDefaults, width: 8, heads: 2, mlpWidth: 16, depth: 1 });
  const rms = decodeTransformerConfig({ width: 8, heads: 2, mlpWidth: 16, depth: 1, norm: 'rms', activation: 'swiglu', qkv: 'separate' });
  assert.ok(E.isRight(rms) && rms.right.norm === 'rms' && rms.right.activation === 'swiglu');
});

test('every problem is reported at once, by field', () => {
  const r = decodeTransformerConfig({ width: 8.5, heads: 0, mlpWidth: 16, norm: 'batch', dropout: 1 });
  assert.ok(E.isLeft(r));
  const text = r.left.problems.join('\n');
  for (const field of ['width', 'heads', 'depth', 'norm', 'dropout']) assert.match(text, new RegExp(`^${field}:`, 'm'), text);
  assert.ok(r.left instanceof ConfigError);
});

test('width must be divisible by heads; the throwing form throws a ConfigError', () => {
  const r = decodeTransformerConfig({ width: 10, heads: 4, mlpWidth: 16, depth: 1 });
  assert.ok(E.isLeft(r) && /divisible/.test(r.left.message));
  assert.throws(() => transformerConfig({ width: 10, heads: 4, mlpWidth: 16, depth: 1 }), ConfigError);
  assert.throws(() => transformerBlock({ width: 10, heads: 4, mlpWidth: 16, depth: 1 }), ConfigError);
});
