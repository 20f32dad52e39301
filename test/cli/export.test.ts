import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { memoryIO } from '../../src/cli/io.ts';
import { exportCommand } from '../../src/cli/commands/export.ts';
import { loadTokenizer } from '../../src/cli/models.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { hostArray, isHostArray } from '../../src/ir/host-array.ts';
import { flatten } from '../../src/tree/tree.ts';
import { floatToHalf, halfToFloat } from '../../src/io/half.ts';
import { decodeTokenizerConfig } from '../../src/detailflow/tokenizer/config.ts';
import { tokenizer } from '../../src/detailflow/tokenizer/model.ts';
import { orThrow } from '../../src/config/codec.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const small = orThrow(decodeTokenizerConfig({
  size: 8, patch: 4, tokens: 4, group: 2, causal: 2, codebookSize: 8, codeDim: 4, noiseTopK: 4, alignHidden: 4,
  encoderWidth: 8, encoderDepth: 1, encoderHeads: 1, decoderWidth: 8, decoderDepth: 1, decoderHeads: 1,
}));
const params = tokenizer(small, 4).init(keyFromSeed(0));
const meta = { config: small, teacherDim: 4, state: { step: 3 }, codes: { file: '/home/someone/runs/codes.safetensors', source: 'relative/name.safetensors' } };

const write = async (dir: string, name: string, trees: Record<string, unknown>) => {
  const file = path.join(dir, name);
  await writeFile(file, encodeCheckpoint({ kind: 'detailflow-tokenizer', trees: trees as never, meta }));
  return file;
};
const run = async (argv: string[]) => {
  const io = memoryIO();
  try {
    return { code: await exportCommand.run(argv, io), err: io.stderr.join('\n') };
  } catch (e) {
    return { code: 1, err: (e as Error).message };
  }
};

test('export keeps the weights, checks them against the config, and cuts metadata paths to file names', async () => {
  const dir = await tempDir('export');
  const input = await write(dir, 'ck.safetensors', { params, opt: { m: hostArray(new Float32Array(2), [2]) } });
  const out = path.join(dir, 'shipped.safetensors');
  const r = await run(['--in', input, '--out', out]);
  assert.equal(r.code, 0, r.err);
  const shipped = decodeCheckpoint(new Uint8Array(await readFile(out)), 'detailflow-tokenizer');
  assert.ok(E.isRight(shipped));
  assert.deepEqual(Object.keys(shipped.right.trees), ['params']);
  assert.deepEqual(shipped.right.meta.codes, { file: 'codes.safetensors', source: 'relative/name.safetensors' });
  assert.equal((await loadTokenizer(out)).tk.config.codebookSize, 8);
});

test('export refuses a weight whose shape contradicts the config, and writes nothing', async () => {
  const dir = await tempDir('export');
  const input = await write(dir, 'ck.safetensors', { params: { ...params, codebook: hostArray(new Float32Array(9 * 4), [9, 4]) } });
  const r = await run(['--in', input, '--out', path.join(dir, 'shipped.safetensors')]);
  assert.equal(r.code, 1);
  assert.match(r.err, /does not match its configuration: .*tensor 'params\/codebook' is float32 \[9, 4\], expected float32 \[8, 4\]/);
  assert.deepEqual(await readdir(dir), ['ck.safetensors']);
});

test('a checkpoint without weight trees is refused without blaming --keep unless --keep was given', async () => {
  const dir = await tempDir('export');
  const none = await write(dir, 'none.safetensors', {});
  const r = await run(['--in', none, '--out', path.join(dir, 'a.safetensors')]);
  assert.equal(r.code, 1);
  assert.match(r.err, /holds no weight trees: there is nothing to export/);
  assert.doesNotMatch(r.err, /--keep:/);
  const optOnly = await write(dir, 'opt.safetensors', { opt: { m: hostArray(new Float32Array(2), [2]) } });
  const r2 = await run(['--in', optOnly, '--out', path.join(dir, 'b.safetensors')]);
  assert.match(r2.err, /has no params tree to export \(it has opt\); name the trees with --keep/);
  assert.doesNotMatch(r2.err, /--keep:/);
  const r3 = await run(['--in', optOnly, '--out', path.join(dir, 'c.safetensors'), '--keep', 'ema']);
  assert.equal(r3.code, 2);
  assert.match(r3.err, /--keep: .* has no tree ema \(it has opt\)/);
});

test('export --half stores the weights as float16: about half the bytes, and they load as the float16 rounding of each weight', async () => {
  const dir = await tempDir('export');
  const input = await write(dir, 'ck.safetensors', { params });
  const [full, half] = [path.join(dir, 'full.safetensors'), path.join(dir, 'half.safetensors')];
  assert.equal((await run(['--in', input, '--out', full])).code, 0);
  const r = await run(['--in', input, '--out', half, '--half']);
  assert.equal(r.code, 0, r.err);
  const [a, b] = [await readFile(full), await readFile(half)];
  const weights = flatten(params as never, isHostArray).leaves.reduce((n, l) => n + l.data.length, 0);
  assert.ok(a.length - b.length >= 2 * weights - 64, `float16 saves 2 bytes per weight: ${a.length} -> ${b.length} bytes for ${weights} weights`);
  const loaded = await loadTokenizer(half);
  const want = flatten(params as never, isHostArray).leaves;
  const got = flatten(loaded.params as never, isHostArray).leaves;
  want.forEach((w, i) => assert.deepEqual(Array.from(got[i]!.data), Array.from(w.data, (v) => halfToFloat(floatToHalf(v))), `leaf ${i}`));
});
