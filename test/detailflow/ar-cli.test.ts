import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { dispatch } from '../../src/cli/main.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { decodeCodes, type Codes } from '../../src/detailflow/codes/codes-file.ts';
import { noiseSpanDistribution } from '../../src/detailflow/noise-span.ts';
import { decodeArConfig } from '../../src/detailflow/ar/config.ts';
import { arModel } from '../../src/detailflow/ar/model.ts';
import { decodePng } from '../../src/io/png.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { flatten } from '../../src/tree/tree.ts';
import { isHostArray } from '../../src/ir/host-array.ts';
import { tinyIdxDir } from '../helpers/tiny-idx.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const tokCfg = {
  tokenizer: { size: 32, patch: 8, tokens: 8, group: 2, causal: 2, codebookSize: 32, encoderWidth: 16, encoderDepth: 1, encoderHeads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2, noiseTopK: 4, alignHidden: 8 },
  train: { steps: 6, batchSize: 8, lr: 0.003, checkpointEvery: 6, reconstructionEvery: 0 },
};
const arCfg = { ar: { width: 32, depth: 1, heads: 2, mlpHidden: 64, headInitStd: 0.02 }, train: { steps: 16, batchSize: 8, lr: 0.01, ema: 0.9, checkpointEvery: 8 } };

const run = async (argv: string[], expect = 0) => {
  const io = memoryIO();
  const code = await dispatch(argv, io);
  assert.equal(code, expect, `${argv[0]} exited ${code}:\n${io.stderr.join('\n')}`);
  return io;
};

let root = '';
let tok = '';
let codesFile = '';
let codes: Codes;

before(async () => {
  const data = await tinyIdxDir(32);
  root = await tempDir('ar-cli');
  await writeFile(path.join(root, 'tok.json'), JSON.stringify(tokCfg));
  await writeFile(path.join(root, 'ar.json'), JSON.stringify(arCfg));
  await run(['train-tokenizer', '--config', path.join(root, 'tok.json'), '--data', data, '--out', path.join(root, 'tok'), '--backend', 'cpu', '--no-align']);
  tok = path.join(root, 'tok', 'tokenizer.safetensors');
  codesFile = path.join(root, 'codes.safetensors');
  await run(['extract-codes', '--tokenizer', tok, '--data', data, '--out', codesFile, '--limit', '16', '--batch', '8', '--backend', 'cpu']);
  const decoded = decodeCodes(new Uint8Array(await readFile(codesFile)));
  assert.ok(E.isRight(decoded), E.isLeft(decoded) ? decoded.left.message : '');
  codes = decoded.right;
});

test('extract-codes stores one valid (clean, input, label) triple per image and per flip', () => {
  const { tokens: N, group, causal } = codes.shape;
  assert.equal(codes.count, 32);
  const allowed = noiseSpanDistribution(N, { tokens: N, group, causal }).map((s) => `${s.start},${s.end}`);
  for (let r = 0; r < codes.count; r++) {
    const [s, e] = [codes.spans[2 * r]!, codes.spans[2 * r + 1]!];
    assert.ok(allowed.includes(`${s},${e}`), `row ${r}: span [${s}, ${e}) is not a noise span for t = N`);
    if (r % 2 === 1) assert.deepEqual([s, e], [codes.spans[2 * r - 2], codes.spans[2 * r - 1]], 'an image and its flip share the span');
    const at = (a: Int32Array, i: number) => a[r * N + i];
    for (let i = 0; i < N; i++) {
      if (i < e) assert.equal(at(codes.label, i), at(codes.clean, i), `row ${r}: label[:e] == clean[:e]`);
      if (i < s) assert.equal(at(codes.input, i), at(codes.clean, i), `row ${r}: input[:s] == clean[:s]`);
      if (i >= e) assert.equal(at(codes.input, i), at(codes.label, i), `row ${r}: input[e:] == label[e:]`);
      // exactly one span: input and label differ only inside [s, e)
      if (at(codes.input, i) !== at(codes.label, i)) assert.ok(i >= s && i < e, `row ${r}: input differs from label at ${i}, outside [${s}, ${e})`);
    }
  }
});

const leaves = async (file: string, group: string): Promise<Float32Array[]> => {
  const ck = decodeCheckpoint(new Uint8Array(await readFile(file)), 'detailflow-ar');
  assert.ok(E.isRight(ck));
  return flatten(ck.right.trees[group]!, isHostArray).leaves.map((l) => l.data as Float32Array);
};

test('train-ar: the loss falls, and --until/--resume is bit-exact; sample writes the grids', async () => {
  const train = (out: string, extra: string[] = []) =>
    run(['train-ar', '--codes', codesFile, '--config', path.join(root, 'ar.json'), '--out', out, '--backend', 'cpu', ...extra]);
  const whole = path.join(root, 'ar-whole');
  await train(whole);
  const log = (await readFile(path.join(whole, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  const avg = (rs: { loss: number }[]) => rs.reduce((a, r) => a + r.loss, 0) / rs.length;
  assert.ok(avg(log.slice(-3)) < 0.9 * avg(log.slice(0, 3)), `loss went from ${avg(log.slice(0, 3))} to ${avg(log.slice(-3))}`);
  // the metadata ships with the model: file names only, nothing of this machine's folders
  const meta = decodeCheckpoint(new Uint8Array(await readFile(path.join(whole, 'ar.safetensors'))), 'detailflow-ar');
  assert.ok(E.isRight(meta));
  assert.deepEqual([meta.right.meta.codes].map((c) => [(c as { file: string }).file, (c as { source: string }).source]), [['codes.safetensors', 'tokenizer.safetensors']]);
  assert.ok(!JSON.stringify(meta.right.meta).includes(root), 'an absolute path in the metadata');
  const half = path.join(root, 'ar-half');
  await train(half, ['--until', '8']);
  await train(half, ['--resume']);
  for (const g of ['params', 'ema', 'opt']) {
    const [a, b] = [await leaves(path.join(whole, 'ar.safetensors'), g), await leaves(path.join(half, 'ar.safetensors'), g)];
    a.forEach((x, i) => assert.deepEqual(Array.from(b[i]!), Array.from(x), `${g} leaf ${i} differs after resuming`));
  }
  const out = path.join(root, 'samples.png');
  const strip = path.join(root, 'strip.png');
  const io = await run(['sample', '--tokenizer', tok, '--ar', path.join(whole, 'ar.safetensors'), '--classes', '0,3,7', '--per-class', '2',
    '--cfg', '1.5', '--top-k', '8', '--backend', 'cpu', '--out', out, '--progressive', strip, '--json']);
  const report = JSON.parse(io.stdout.at(-1)!);
  assert.equal(report.images, 6);
  assert.equal(report.passesPerImage, 5); // 1 + (C-1) + (N/g - C/g) for N = 8, g = C = 2
  // cells of 2 x 32 pixels, padding 2: 2 columns x 3 rows; 5 passes x 6 samples
  const png = async (f: string) => { const r = await decodePng(new Uint8Array(await readFile(f))); assert.ok(E.isRight(r)); return r.right; };
  const grid = await png(out);
  assert.deepEqual([grid.width, grid.height], [2 * 64 + 3 * 2, 3 * 64 + 4 * 2]);
  const prog = await png(strip);
  assert.deepEqual([prog.width, prog.height], [5 * 64 + 6 * 2, 6 * 64 + 7 * 2]);
});

test('train-ar --init starts from another model\'s EMA weights (the EMA starts there too) and refuses another configuration', async () => {
  const train = (out: string, extra: string[], config = path.join(root, 'ar.json'), expect = 0) =>
    run(['train-ar', '--codes', codesFile, '--config', config, '--out', out, '--backend', 'cpu', '--steps', '1', ...extra], expect);
  const first = path.join(root, 'ar-init-from');
  await train(first, []);
  const from = path.join(first, 'ar.safetensors');
  const next = path.join(root, 'ar-init');
  await train(next, ['--init', from]);
  // one step at ema 0.9: ema = 0.9 * init + 0.1 * params, with init the first model's EMA
  const [init, params, ema] = [await leaves(from, 'ema'), await leaves(path.join(next, 'ar.safetensors'), 'params'), await leaves(path.join(next, 'ar.safetensors'), 'ema')];
  init.forEach((x, i) => x.forEach((v, j) => {
    const want = Math.fround(Math.fround(v * 0.9) + Math.fround(params[i]![j]! * 0.1));
    assert.ok(Math.abs(ema[i]![j]! - want) <= 1e-6 * (1 + Math.abs(want)), `ema leaf ${i}[${j}] ${ema[i]![j]} is not 0.9 init + 0.1 params = ${want}`);
  }));
  const wider = path.join(root, 'ar-wider.json');
  await writeFile(wider, JSON.stringify({ ...arCfg, ar: { ...arCfg.ar, width: 48, heads: 2 } }));
  const io = await train(path.join(root, 'ar-init-bad'), ['--init', from], wider, 1);
  assert.match(io.stderr.join('\n'), /--init .*ar\.safetensors: its width \(32, this run 48\) differ/);
});

test('an explicit partition travels through the CLI: train-tokenizer, extract-codes, train-ar and sample all follow its spans', async () => {
  const data = await tinyIdxDir(32);
  const dir = await tempDir('ar-cli-spans');
  const cfg = path.join(dir, 'tok.json');
  await writeFile(cfg, JSON.stringify({ ...tokCfg, tokenizer: { ...tokCfg.tokenizer, spans: [1, 1, 2, 4], causal: 2 }, train: { ...tokCfg.train, steps: 2, checkpointEvery: 2 } }));
  await run(['train-tokenizer', '--config', cfg, '--data', data, '--out', path.join(dir, 'tok'), '--backend', 'cpu', '--no-align']);
  const tk = path.join(dir, 'tok', 'tokenizer.safetensors');
  const codes = path.join(dir, 'codes.safetensors');
  await run(['extract-codes', '--tokenizer', tk, '--data', data, '--out', codes, '--limit', '8', '--batch', '8', '--backend', 'cpu']);
  const ar = path.join(dir, 'ar.json');
  await writeFile(ar, JSON.stringify({ ...arCfg, train: { ...arCfg.train, steps: 2, checkpointEvery: 2 } }));
  await run(['train-ar', '--codes', codes, '--config', ar, '--out', path.join(dir, 'ar'), '--backend', 'cpu']);
  const io = await run(['sample', '--tokenizer', tk, '--ar', path.join(dir, 'ar', 'ar.safetensors'), '--classes', '0,1', '--per-class', '1',
    '--backend', 'cpu', '--out', path.join(dir, 's.png'), '--json']);
  assert.equal(JSON.parse(io.stdout.at(-1)!).passesPerImage, 4, 'one pass per span: [1, 1, 2, 4]');
  // the AR model without the partition does not pair with this tokenizer
  const io2 = await run(['sample', '--tokenizer', tk, '--ar', path.join(root, 'ar-whole', 'ar.safetensors'), '--backend', 'cpu', '--out', path.join(dir, 't.png')], 2);
  assert.match(io2.stderr.join('\n'), /span/);
});

test('sample refuses bad requests with exit 2, naming the problem', async () => {
  const ar = path.join(root, 'ar-whole', 'ar.safetensors');
  const base = ['sample', '--tokenizer', tok, '--ar', ar, '--backend', 'cpu', '--out', path.join(root, 'bad.png')];
  const unknown = await run([...base, '--classes', '0,12'], 2);
  assert.match(unknown.stderr.join('\n'), /unknown class id 12/);
  const topP = await run([...base, '--top-p', '1.5'], 2);
  assert.match(topP.stderr.join('\n'), /--top-p: expected a number in \(0, 1\], got 1\.5/);
  // an AR model over another codebook (vocab 64, the tokenizer has 32)
  const other = decodeArConfig({ ...arCfg.ar, vocab: 64, tokens: 8, group: 2, causal: 2 });
  assert.ok(E.isRight(other));
  const params = arModel(other.right).init(keyFromSeed(0));
  const mismatched = path.join(root, 'other-ar.safetensors');
  await writeFile(mismatched, encodeCheckpoint({ kind: 'detailflow-ar', trees: { params: params as never, ema: params as never }, meta: { config: other.right } }));
  const pair = await run([...base.slice(0, 3), '--ar', mismatched, ...base.slice(5)], 2);
  assert.match(pair.stderr.join('\n'), /codebook size \(AR vocab\): the tokenizer has 32, the AR model 64/);
});

test('selfCorrect: per-sample span masks [B, 3, N] equal the shared [3, N] masks when every sample has the same span', async () => {
  const { decodeTokenizerConfig } = await import('../../src/detailflow/tokenizer/config.ts');
  const { tokenizer } = await import('../../src/detailflow/tokenizer/model.ts');
  const { selfCorrect } = await import('../../src/detailflow/tokenizer/self-correction.ts');
  const { spanMasks } = await import('../../src/detailflow/tokenizer/trainer.ts');
  const { perSampleMasks } = await import('../../src/detailflow/codes/extract.ts');
  const { compile } = await import('../../src/compile/compile.ts');
  const { hostArray } = await import('../../src/ir/host-array.ts');
  const { uniformHost } = await import('../../src/random/key.ts');
  const cfg = decodeTokenizerConfig(tokCfg.tokenizer);
  assert.ok(E.isRight(cfg));
  const tk = tokenizer(cfg.right, 1);
  const params = tk.init(keyFromSeed(3));
  const B = 3;
  const images = hostArray(uniformHost(keyFromSeed(4), B * 32 * 32).map((u) => 2 * u - 1), [B, 1, 32, 32]);
  const span = { start: 2, end: 4 };
  const f = compile((p: never, x: never, m: never, k: never) => selfCorrect(tk, p, x, tk.encode(p, x), m, k).indices, { backend: 'cpu' });
  const shared = await (await f.run(params, images, spanMasks(8, span), keyFromSeed(5))).host();
  const per = await (await f.run(params, images, perSampleMasks(8, [span, span, span]), keyFromSeed(5))).host();
  assert.deepEqual(Array.from(per.data), Array.from(shared.data));
  f.dispose();
});

test('train-ar refuses an AR config that disagrees with the codes file; a corrupted codes file is rejected on read', async () => {
  const cfgFile = path.join(root, 'ar-bad.json');
  await writeFile(cfgFile, JSON.stringify({ ar: { ...arCfg.ar, vocab: 64, group: 4 }, train: arCfg.train }));
  const io = await run(['train-ar', '--codes', codesFile, '--config', cfgFile, '--out', path.join(root, 'ar-bad'), '--backend', 'cpu'], 2);
  assert.match(io.stderr.join('\n'), /ar\.vocab: the config says 64 but the codes file has 32/);
  assert.match(io.stderr.join('\n'), /ar\.group: the config says 4 but the codes file has 2/);
  const { encodeCodes } = await import('../../src/detailflow/codes/codes-file.ts');
  const label = Int32Array.from(codes.label);
  label[0] = (label[0]! + 1) % 32; // position 0 < e: the label must equal the clean code there
  const bad = decodeCodes(encodeCodes({ ...codes, label }));
  assert.ok(E.isLeft(bad) && /row 0: label differs from clean at 0/.test(bad.left.message), E.isLeft(bad) ? bad.left.message : 'accepted');
  const outOfRange = decodeCodes(encodeCodes({ ...codes, clean: Int32Array.from(codes.clean, (v, i) => (i === 5 ? 32 : v)) }));
  assert.ok(E.isLeft(outOfRange) && /tensor 'clean': value 32 at element 5 is outside 0\.\.31/.test(outOfRange.left.message));
  // the empty span [N, N) is a row without corruption (a tokenizer without self-correction writes
  // it): accepted when its three sequences are equal; any other empty or reversed span is refused
  const N = codes.shape.tokens;
  const plain = { ...codes, input: Int32Array.from(codes.clean), label: Int32Array.from(codes.clean), spans: Int32Array.from(codes.spans, () => N) };
  assert.ok(E.isRight(decodeCodes(encodeCodes(plain))));
  const uncorrupted = Int32Array.from(plain.input, (v, i) => (i === 3 ? (v + 1) % 32 : v));
  const differs = decodeCodes(encodeCodes({ ...plain, input: uncorrupted }));
  assert.ok(E.isLeft(differs) && /row 0: input differs from clean at 3 < s = /.test(differs.left.message), E.isLeft(differs) ? differs.left.message : 'accepted');
  for (const [s0, e0] of [[2, 2], [3, 1], [N - 1, N + 1]]) {
    const bad = decodeCodes(encodeCodes({ ...plain, spans: Int32Array.from(plain.spans, (v, i) => (i === 0 ? s0 : i === 1 ? e0 : v)) }));
    assert.ok(E.isLeft(bad) && new RegExp(`row 0: span \\[${s0}, ${e0}\\) is not within`).test(bad.left.message), `[${s0}, ${e0})`);
  }
});

test('the AR schedule warms up from 0.005 lr over 5% of the steps, then decays by cosine to 0.01 lr', async () => {
  const { arSchedule } = await import('../../src/detailflow/codes/ar-trainer.ts');
  const s = arSchedule(1e-3, 100);
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b}`);
  near(s.host(0), 5e-6);
  near(s.host(5), 1e-3);
  near(s.host(100), 1e-5);
  assert.ok(s.host(3) > s.host(2) && s.host(50) < s.host(10));
});
