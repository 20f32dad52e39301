// Reading official models back: the typed layout of the official tokenizer is the key map's
// tree, a configuration the layers refuse is an error value (not a throw), and a fixture's GPT
// arguments are read field by field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { tokenizerConfigFromShapes, type OfficialTokenizerConfig } from '../../src/detailflow/official/config.ts';
import { gptArgsOf, type FixtureMeta } from '../../src/detailflow/official/fixture-meta.ts';
import { OFFICIAL_TOKENIZER_KIND } from '../../src/detailflow/official/import.ts';
import { decodeOfficialTokenizerFile, tokenizerLayout, tokenizerSpecs } from '../../src/detailflow/official/model-file.ts';
import type { ParamSpec } from '../../src/nn/init.ts';
import { encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { flatten, type Tree } from '../../src/tree/tree.ts';

const small: OfficialTokenizerConfig = {
  imageSize: 32, patch: 8, tokens: 8, group: 4, causal: 4, codebookSize: 16, codeDim: 4, alpha: 1.5, eps: 1e-6,
  encoder: { width: 16, depth: 2, heads: 2, mlpWidth: 24, grid: 4 },
  decoder: { width: 8, depth: 1, heads: 2, mlpWidth: 12, grid: 3 },
};

const isSpec = (x: unknown): x is ParamSpec => typeof x === 'object' && x !== null && 'shape' in x && 'dtype' in x;
const described = (t: Tree<ParamSpec>) => {
  const f = flatten(t, isSpec, 'spec');
  return { def: f.def, leaves: f.paths.map((p, i) => `${p} ${f.leaves[i].dtype} [${f.leaves[i].shape.join(', ')}]`) };
};

const shapesFile = path.resolve(import.meta.dirname, '../../../shared/reference/fixtures/official-state-dict-shapes.json');
const released = (): OfficialTokenizerConfig => {
  const official = JSON.parse(readFileSync(shapesFile, 'utf8')) as Record<string, { shapes: Record<string, [number[], string]> }>;
  const shapes = new Map(Object.entries(official['tokenizer_N128']!.shapes).map(([k, [s]]) => [k, s]));
  return E.getOrElseW((e: string[]) => { throw new Error(e.join('; ')); })(tokenizerConfigFromShapes(shapes));
};

test('the official tokenizer\'s typed layout is the key map\'s tree (a small configuration and the released N = 128)', () => {
  for (const c of [small, released()]) assert.deepEqual(described(tokenizerLayout(c).specs), described(tokenizerSpecs(c)));
});

test('a tokenizer file whose configuration the layers refuse is refused with the reason, not thrown', () => {
  const bad = { ...small, encoder: { ...small.encoder, mlpWidth: -4 } };
  const r = decodeOfficialTokenizerFile(encodeCheckpoint({ kind: OFFICIAL_TOKENIZER_KIND, trees: { params: {} }, meta: { config: bad } }));
  assert.ok(E.isLeft(r));
  assert.match(r.left, /its configuration is invalid: .*mlpWidth: expected a positive integer/s);
});

const meta = (args: Record<string, unknown>): FixtureMeta => ({ kind: 'ar', name: 'fixture', config: {}, args });
const sizes = { dim: 64, n_layer: 2, n_head: 4, vocab_size: 32, block_size: 16, num_classes: 10, group_size: 4 };

test('gptArgsOf reads every size, the optional fields (null or absent mean the default) and names what is missing or wrong', () => {
  const r = gptArgsOf(meta({ ...sizes, causal_num: null, norm_eps: 1e-6, unrelated: 'kept out' }));
  assert.ok(E.isRight(r));
  assert.deepEqual({ ...r.right }, { ...sizes, causal_num: null, norm_eps: 1e-6, rope_base: undefined, multiple_of: undefined, ffn_dim_multiplier: undefined });
  assert.deepEqual(gptArgsOf(meta({ dim: 64, n_head: '4' })), E.left('gpt_model_args lacks n_layer, n_head, vocab_size, block_size, num_classes, group_size'));
  assert.deepEqual(gptArgsOf(meta({ ...sizes, rope_base: '1e4' })), E.left('gpt_model_args rope_base must be a number'));
});
