// export-onnx: the written files are plain ONNX (standard domain only) that a plain
// onnxruntime-node InferenceSession runs without this project's compiler; run pass by pass with the
// KV cache carried from outputs to inputs and detailflow's uniform draws fed in, they give the
// library's own grouped-sampler tokens for a fixed key, and the exported decoders and encoder
// match the library's to float tolerance. Bad input exits 2 with one line per problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import pkg from 'onnx-proto';
import { memoryIO } from '../../src/cli/io.ts';
import { exportOnnxCommand } from '../../src/cli/commands/export-onnx.ts';
import { encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { decodeTokenizerConfig } from '../../src/detailflow/tokenizer/config.ts';
import { tokenizer } from '../../src/detailflow/tokenizer/model.ts';
import { decodeArConfig } from '../../src/detailflow/ar/config.ts';
import { arModel } from '../../src/detailflow/ar/model.ts';
import { sampleGrouped } from '../../src/detailflow/sample/sampler.ts';
import { prefixDecoder } from '../../src/detailflow/pretrained/prefix-decoder.ts';
import type { OnnxManifest } from '../../src/detailflow/pretrained/onnx-export.ts';
import { compile } from '../../src/compile/compile.ts';
import type { Node } from '../../src/ir/node.ts';
import { hostArray } from '../../src/ir/host-array.ts';
import { orThrow } from '../../src/config/codec.ts';
import { foldIn, keyFromSeed, uniformHost } from '../../src/random/key.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const { onnx } = pkg;
// a plain onnxruntime-node, as a user's program would load it; telemetry off, as the library sets it
// (it would otherwise leave a .ses file in the temp directory)
process.env['ORT_DISABLE_TELEMETRY'] ??= '1';
const ort = await import('onnxruntime-node');
type OrtTensor = InstanceType<typeof ort.Tensor>;

const tokCfg = orThrow(decodeTokenizerConfig({
  size: 16, patch: 4, tokens: 8, group: 2, causal: 2, codebookSize: 32, codeDim: 4, noiseTopK: 4, alignHidden: 4,
  encoderWidth: 16, encoderDepth: 1, encoderHeads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2,
}));
const arCfg = E.getOrElseW(() => assert.fail('bad AR config'))(decodeArConfig({
  vocab: 32, tokens: 8, group: 2, causal: 2, width: 32, depth: 2, heads: 2, mlpHidden: 64, headInitStd: 0.5, classes: 10,
}));
const tk = tokenizer(tokCfg, 4);
const tkParams = tk.init(keyFromSeed(1));
const ema = arModel(arCfg).init(keyFromSeed(2));

const write = async (dir: string) => {
  const tokFile = path.join(dir, 'tok.safetensors');
  const arFile = path.join(dir, 'ar.safetensors');
  await writeFile(tokFile, encodeCheckpoint({ kind: 'detailflow-tokenizer', trees: { params: tkParams as never }, meta: { config: tokCfg, teacherDim: 4 } }));
  await writeFile(arFile, encodeCheckpoint({ kind: 'detailflow-ar', trees: { ema: ema as never }, meta: { config: arCfg } }));
  return { tokFile, arFile };
};

const run = async (argv: string[]) => {
  const io = memoryIO();
  const code = await exportOnnxCommand.run(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
};

type Feeds = Record<string, OrtTensor>;
const tensor = (dtype: 'float32' | 'int32', data: Float32Array | Int32Array, shape: readonly number[]) => new ort.Tensor(dtype, data, [...shape]);

test('export-onnx writes standard ONNX that a plain InferenceSession runs to the library\'s samples, decodes and encodes', async () => {
  const dir = await tempDir('export-onnx');
  const { tokFile, arFile } = await write(dir);
  const out = path.join(dir, 'onnx');
  const r = await run(['--tokenizer', tokFile, '--ar', arFile, '--out', out, '--batch', '3']);
  assert.equal(r.code, 0, r.err);
  const m = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as OnnxManifest;
  assert.equal(m.passes.length, 5); // 1 + (C - 1) + (N - C)/g = 1 + 1 + 3
  assert.deepEqual(m.decoders.map((d) => d.t), [1, 2, 4, 6, 8]);
  assert.deepEqual(m.tokenizer.dec, Array.from({ length: 8 }, (_, n) => tk.decoderSide(n + 1)));
  assert.equal(m.tokenizer.R.length, 8);

  // plain ONNX: every node in the default domain, one opset import (the standard one)
  const files = (await readdir(out)).filter((f) => f.endsWith('.onnx'));
  assert.equal(files.length, 5 + 5 + 1);
  for (const f of files) {
    const model = onnx.ModelProto.decode(await readFile(path.join(out, f)));
    assert.deepEqual(model.opsetImport.map((o) => [o.domain ?? '', Number(o.version)]), [['', m.opset]], f);
    assert.ok(model.graph!.node!.every((n) => !n.domain), `${f}: a node outside the default domain`);
  }

  const labels = [3, 0, 7];
  const key = keyFromSeed(11);
  const scale = 2.5;
  const temperature = 0.9;
  const want = await sampleGrouped(arCfg, ema, labels, key, { cfg: scale, temperature }, { backend: 'cpu' });

  const B = labels.length;
  const sampled = new Int32Array(B * arCfg.tokens);
  let past: Feeds = {};
  for (const p of m.passes) {
    const session = await ort.InferenceSession.create(path.join(out, p.file));
    const feeds: Feeds = { ...past };
    for (const i of p.inputs) {
      if (i.name === 'classes') feeds[i.name] = tensor('int32', Int32Array.from([...labels, ...labels.map(() => m.ar.nullClass!)]), i.shape);
      else if (i.name === 'tokens') {
        const { start, end } = p.tokensIn!;
        const w = end - start;
        const data = new Int32Array(B * w);
        for (let b = 0; b < B; b++) for (let t = 0; t < w; t++) data[b * w + t] = sampled[b * arCfg.tokens + start + t];
        feeds[i.name] = tensor('int32', data, i.shape);
      } else if (i.name === 'scale') feeds[i.name] = tensor('float32', Float32Array.of(scale), []);
      else if (i.name === 'temperature') feeds[i.name] = tensor('float32', Float32Array.of(temperature), []);
      else if (i.name === 'uniform') {
        // the manifest's derivation, uniform(key, shape) with the key of pass i = foldIn(K, i)
        assert.equal(p.random[0].derivation, `uniform(key, [${i.shape.join(', ')}])`);
        feeds[i.name] = tensor('float32', uniformHost(foldIn(key, p.index), i.shape.reduce((a, b) => a * b, 1)), i.shape);
      } else assert.ok(i.name.startsWith('past_') && feeds[i.name], `pass ${p.index}: unexpected input ${i.name}`);
    }
    const res = await session.run(feeds);
    const s = res['sampled'].data as Int32Array;
    const w = p.sample.end - p.sample.start;
    for (let b = 0; b < B; b++) for (let t = 0; t < w; t++) sampled[b * arCfg.tokens + p.sample.start + t] = s[b * w + t];
    past = Object.fromEntries(Object.entries(res).filter(([k]) => k.startsWith('present_')).map(([k, v]) => [k.replace('present_', 'past_'), v]));
    await session.release();
  }
  assert.deepEqual(Array.from(sampled), Array.from(want.tokens.data), 'the exported passes give the library\'s tokens');
  assert.ok(new Set(sampled).size > 3, 'the samples are not degenerate');

  // decoders at every prefix against the library's decode
  const dec = prefixDecoder({ tk, params: tkParams }, { backend: 'cpu' });
  const indices = hostArray(sampled, [B, arCfg.tokens]);
  for (const d of m.decoders) {
    const session = await ort.InferenceSession.create(path.join(out, d.file));
    const prefix = new Int32Array(B * d.t);
    for (let b = 0; b < B; b++) for (let t = 0; t < d.t; t++) prefix[b * d.t + t] = sampled[b * arCfg.tokens + t];
    const img = (await session.run({ indices: tensor('int32', prefix, [B, d.t]) }))['image'];
    assert.deepEqual(img.dims, [B, tokCfg.channels, d.side, d.side]);
    const lib = await dec.decode(d.t, indices);
    const got = img.data as Float32Array;
    let diff = 0;
    lib.forEach((im, b) => im.data.forEach((v, j) => { diff = Math.max(diff, Math.abs(v - got[b * im.data.length + j])); }));
    assert.ok(diff < 1e-4, `decoder t = ${d.t}: max |diff| ${diff}`);
    await session.release();
  }

  // the encoder against the library's encode
  const image = hostArray(uniformHost(keyFromSeed(5), B * tokCfg.channels * 16 * 16).map((u) => 2 * u - 1), [B, tokCfg.channels, 16, 16]);
  const enc = compile((p: never, x: Node) => tk.encode(p, x).indices, { backend: 'cpu' });
  const wantCodes = await enc.host(tkParams, image);
  const session = await ort.InferenceSession.create(path.join(out, m.encoder.file));
  const got = (await session.run({ image: tensor('float32', image.data as Float32Array, image.shape) }))['tokens'];
  assert.deepEqual(Array.from(got.data as Int32Array), Array.from(wantCodes.data));
  await session.release();
});

test('export-onnx refuses missing models and an unwritable --out with one line each, exit 2, before any work', async () => {
  const dir = await tempDir('export-onnx-bad');
  const { arFile } = await write(dir);
  const blocker = path.join(dir, 'a-file');
  await writeFile(blocker, 'x');
  const r = await run(['--tokenizer', path.join(dir, 'missing.safetensors'), '--ar', arFile, '--out', path.join(blocker, 'sub')]);
  assert.equal(r.code, 2);
  const lines = r.err.split('\n');
  assert.equal(lines.length, 2, r.err);
  assert.match(lines[0], /^detailflow export-onnx: --tokenizer .*missing\.safetensors: no such readable file$/);
  assert.match(lines[1], /^detailflow export-onnx: --out .*a-file.sub: /);
  assert.deepEqual((await readdir(dir)).sort(), ['a-file', 'ar.safetensors', 'tok.safetensors']);
  const noOut = await run(['--ar', arFile]);
  assert.equal(noOut.code, 2);
  assert.equal(noOut.err, 'detailflow export-onnx: --out DIR is required');
});
