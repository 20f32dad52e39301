// detailflow import: the fixture checkpoints (made by the official code) into the project's model
// files, which reproduce the official outputs; the round trip through official-name safetensors;
// and one clear message per bad input, with nothing written to --out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { importCommand } from '../../src/cli/commands/import.ts';
import { decodeTorchSafetensors } from '../../src/detailflow/official/fixture-file.ts';
import { readFixtureMeta } from '../../src/detailflow/official/fixture-meta.ts';
import { decodeOfficialTokenizerFile } from '../../src/detailflow/official/model-file.ts';
import { exportOfficial } from '../../src/detailflow/official/import.ts';
import { tokenizerKeys } from '../../src/detailflow/official/keys.ts';
import { checkTokenizerFixture } from '../../src/detailflow/official/tokenizer-reference.ts';
import { checkArFixture } from '../../src/detailflow/official/ar-reference.ts';
import { decodeArFile } from '../../src/detailflow/pretrained/model-files.ts';
import { decodeCheckpoint } from '../../src/train/checkpoint.ts';
import { encodeSafetensors } from '../../src/io/safetensors.ts';
import { isHostArray, type HostArray } from '../../src/ir/host-array.ts';
import { flatten, type Tree } from '../../src/tree/tree.ts';
import { makeZip, torchSaveFile, type FakeTensor } from '../helpers/torch-zip.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const base = await tempDir('import');

const fixtures = path.resolve(import.meta.dirname, '../../../shared/reference/fixtures');
const fx = (f: string) => path.join(fixtures, f);
const tokFixture = E.getOrElseW(() => { throw new Error('fixture'); })(decodeTorchSafetensors(new Uint8Array(readFileSync(fx('tok-tiny-p8.safetensors')))));
const arFixture = E.getOrElseW(() => { throw new Error('fixture'); })(decodeTorchSafetensors(new Uint8Array(readFileSync(fx('ar-tiny-g4.safetensors')))));
const tokHeads = ['--encoder-heads', '4', '--decoder-heads', '4'];

const run = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
  let out = '';
  try {
    const code = await importCommand.run(argv, { out: (s) => { out += `${s}\n`; }, err: (s) => { out += `${s}\n`; } });
    return { code, out, err: '' };
  } catch (e) {
    return { code: 1, out, err: (e as Error).message }; // what the CLI edge prints, exit 1
  }
};

/** A folder laid out as the hub repos are: <repo>/config.json and <repo>/checkpoints/<file>. */
const repo = (file: string, config?: Record<string, unknown>): string => {
  const dir = mkdtempSync(path.join(base, 'repo-'));
  mkdirSync(path.join(dir, 'checkpoints'));
  if (config) writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const to = path.join(dir, 'checkpoints', path.basename(file));
  if (existsSync(file)) copyFileSync(file, to);
  return to;
};
const vqArgs = E.getOrElseW(() => { throw new Error('meta'); })(readFixtureMeta(tokFixture.metadata)).args;
const outDir = () => path.join(mkdtempSync(path.join(base, 'out-')), 'models');

const tensorsOf = (bytes: Uint8Array): Map<string, Uint8Array> => {
  const ck = decodeCheckpoint(bytes, undefined);
  assert.ok(E.isRight(ck));
  const m = new Map<string, Uint8Array>();
  for (const [g, t] of Object.entries(ck.right.trees)) {
    const { leaves, paths } = flatten(t as Tree<HostArray>, isHostArray, 'host array');
    leaves.forEach((l, i) => m.set(`${g}/${paths[i]}`, new Uint8Array(l.data.buffer, l.data.byteOffset, l.data.byteLength)));
  }
  return m;
};

test('import: the fixture .pt files become model files that reproduce the official outputs', async () => {
  const out = outDir();
  const tok = repo(fx('tok-tiny-p8.pt'), vqArgs);
  const r = await run(['--tokenizer', tok, '--ar', fx('ar-tiny-g4.pt'), '--ema', '--heads', '4', '--out', out, ...tokHeads]);
  assert.equal(r.err, '');
  assert.equal(r.code, 0);
  assert.match(r.out, /configuration from .*config\.json/);
  assert.match(r.out, /tokenizer .*\['model'\]: kept 86 tensors/);
  assert.match(r.out, /dropped 1 tensors .* under quantize\*: a codebook usage log/);
  assert.match(r.out, /GPT .*\['ema'\]: kept 19 tensors/);
  assert.deepEqual(readdirSync(out).sort(), ['ar.safetensors', 'tokenizer.safetensors']);
  const t = decodeOfficialTokenizerFile(new Uint8Array(readFileSync(path.join(out, 'tokenizer.safetensors'))));
  assert.ok(E.isRight(t), E.isLeft(t) ? t.left : '');
  assert.equal(t.right.config.group, 4);
  const tokChecks = await checkTokenizerFixture(tokFixture.tensors, t.right.config, t.right.params, 'cpu');
  assert.deepEqual(tokChecks.filter((c) => !c.ok), []);
  assert.equal(tokChecks.length, 33);
  const a = decodeArFile(new Uint8Array(readFileSync(path.join(out, 'ar.safetensors'))));
  assert.ok(E.isRight(a), E.isLeft(a) ? a.left : '');
  const arMeta = E.getOrElseW(() => { throw new Error(); })(readFixtureMeta(arFixture.metadata));
  const arChecks = await checkArFixture(arFixture.tensors, a.right.config, a.right.ema, arMeta, 'cpu');
  assert.deepEqual(arChecks.filter((c) => !c.ok), []);
});

test('import round trip: import, export under the official names, re-import gives byte-identical tensors', async () => {
  const first = outDir();
  assert.equal((await run(['--tokenizer', repo(fx('tok-tiny-p8.pt'), vqArgs), '--out', first, ...tokHeads])).code, 0);
  const bytes1 = new Uint8Array(readFileSync(path.join(first, 'tokenizer.safetensors')));
  const m = E.getOrElseW(() => { throw new Error(); })(decodeOfficialTokenizerFile(bytes1));
  const exported = path.join(path.dirname(repo('none', vqArgs)), 'official.safetensors');
  writeFileSync(exported, encodeSafetensors(exportOfficial(tokenizerKeys(m.config), m.params)));
  const second = outDir();
  assert.equal((await run(['--tokenizer', exported, '--out', second, ...tokHeads])).code, 0);
  const a = tensorsOf(bytes1);
  const b = tensorsOf(new Uint8Array(readFileSync(path.join(second, 'tokenizer.safetensors'))));
  assert.deepEqual([...b.keys()], [...a.keys()]);
  for (const [k, v] of a) assert.deepEqual(b.get(k), v, k);
});

const weights = (drop: string[] = [], extra: Record<string, FakeTensor> = {}): Record<string, FakeTensor> => {
  const out: Record<string, FakeTensor> = {};
  for (const [k, t] of tokFixture.tensors) if (!k.startsWith('fixture.') && !drop.includes(k)) out[k] = { shape: t.shape, data: t.data as Float32Array };
  return { ...out, ...extra };
};

test('import refuses bad input with one clear message and writes nothing', async () => {
  const cases: [string, Uint8Array | string, RegExp, Record<string, unknown>?][] = [
    ['not a zip', 'this is not a checkpoint', /not a zip archive/],
    ['not a pickle', makeZip([['archive/data.pkl', new TextEncoder().encode('hello, world')]]), /the pickle is refused/],
    ['os.system', makeZip([['archive/data.pkl', Uint8Array.of(0x80, 2, 0x63, ...new TextEncoder().encode('os\nsystem\n'), 0x4e, 0x85, 0x52, 0x2e)]]), /global 'os\.system'/],
    ['no model key', torchSaveFile({ optimizer: { step: { shape: [1], data: Float32Array.of(1) } } }), /has no 'model' key .*its keys are: optimizer/],
    ['missing and unexpected keys', torchSaveFile({ model: weights(['refine_conv.bias', 'decoder.mask_token'], { 'extra.weight': { shape: [2, 3], data: new Float32Array(6) } }) }),
      /unexpected key 'extra\.weight' \[2, 3\][\s\S]*missing key 'decoder\.mask_token' \(expected \[1, 1, 64\][\s\S]*missing key 'refine_conv\.bias' \(expected \[96\]/],
    ['config contradicting the weights', torchSaveFile({ model: weights() }),
      /shape mismatch at 'encoder\.latent_pos_embed': the file has \[1, 32, 96\], the configuration implies \[1, 64, 96\] \(tokens \(num_latent_tokens\)/, { ...vqArgs, num_latent_tokens: 64 }],
  ];
  for (const [name, bytes, message, config] of cases) {
    const file = repo(path.join(base, 'absent.pt'), config ?? vqArgs);
    writeFileSync(file, bytes);
    const out = outDir();
    const r = await run(['--tokenizer', file, '--out', out, ...tokHeads]);
    assert.equal(r.code, 1, name);
    assert.match(r.err, message, name);
    assert.ok(!existsSync(out), `${name}: nothing written`);
    assert.deepEqual(readdirSync(path.dirname(out)), [], `${name}: no staging folder left`);
  }
});

test('a GPT that fails after the tokenizer converted leaves --out untouched', async () => {
  const out = outDir();
  const bad = repo(path.join(base, 'absent.pt'));
  writeFileSync(bad, torchSaveFile({ ema: { 'tok_embeddings.weight': { shape: [128, 64], data: new Float32Array(128 * 64) } } }));
  const r = await run(['--tokenizer', repo(fx('tok-tiny-p8.pt'), vqArgs), '--ar', bad, '--ema', '--out', out, ...tokHeads]);
  assert.equal(r.code, 1);
  assert.match(r.err, /not a DetailFlow GPT state dict/);
  assert.deepEqual(readdirSync(path.dirname(out)), []);
});
