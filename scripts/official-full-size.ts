// Full-size official DetailFlow-16 models with random weights, end to end on one backend:
// writes the tokenizer and GPT-L checkpoints under the official key names (torch.save format,
// repa_model teacher included), imports them, then times sampling (grouped, KV cache, CFG),
// decoding at 256 px and encoding one 256-px image, with the peak resident memory.
//   node --import tsx scripts/official-full-size.ts --dir /tmp/df-full [--backend wasm|onnx-cpu|webgpu] [--skip-write] [--skip-import]
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { runOnce } from '../src/compile/compile.ts';
import { useBackend } from '../src/compile/backend.ts';
import { installNodeWebGPU } from '../src/platform/node-webgpu.ts';
import { installOnnxRuntime } from '../src/platform/onnx-node.ts';
import { writeTorchSave, type TensorToWrite } from '../src/io/pytorch/write.ts';
import { importCommand } from '../src/cli/commands/import.ts';
import { decodeOfficialTokenizerFile } from '../src/detailflow/official/model-file.ts';
import { officialTokenizer } from '../src/detailflow/official/tokenizer.ts';
import { decodeArFile } from '../src/detailflow/pretrained/model-files.ts';
import { arSampler } from '../src/detailflow/sample/sampler.ts';
import { hostArray } from '../src/ir/host-array.ts';
import { keyFromSeed } from '../src/random/key.ts';
import type { Node } from '../src/ir/node.ts';

const arg = (name: string, fallback?: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : fallback; };
const dir = path.resolve(arg('dir', '/tmp/detailflow-full-size')!);
const backend = arg('backend', 'wasm')!;
const shapesFile = path.resolve(import.meta.dirname, '../../shared/reference/fixtures/official-state-dict-shapes.json');
const official = JSON.parse(readFileSync(shapesFile, 'utf8')) as Record<string, { shapes: Record<string, [number[], string]> }>;
const mb = () => `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB peak RSS`;
const time = async <T>(what: string, f: () => Promise<T> | T): Promise<T> => {
  const t = performance.now();
  const r = await f();
  console.log(`${what}: ${((performance.now() - t) / 1000).toFixed(2)} s, ${mb()}`);
  return r;
};

/** Seeded draws of the fixtures' scales: weights ~ 1/sqrt(fan_in), norms ~ 1, embeddings ~ 1 (uniform, same variance). */
const random = (name: string, shape: number[]): Float32Array => {
  let s = [...name].reduce((h, c) => (Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0), 2166136261) || 1;
  const n = shape.reduce((a, d) => a * d, 1);
  const norm = /norm|layernorm/.test(name) && name.endsWith('weight');
  const scale = shape.length === 2 && !/embed|embedding|table/.test(name) ? Math.sqrt(3 / shape[1]) : norm ? 0.1 * Math.sqrt(3) : Math.sqrt(3);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = (norm ? 1 : 0) + scale * (s / 2147483648 - 1);
  }
  return out;
};

const entries = (k: string): TensorToWrite[] => Object.entries(official[k]!.shapes).map(([name, [shape, dtype]]) => ({
  name, shape, dtype: dtype === 'int64' ? 'int64' : 'float32',
  values: () => (dtype === 'int64' ? new BigInt64Array(shape.reduce((a, d) => a * d, 1)) : random(name, shape)),
}));

const write = (file: string, dicts: Record<string, TensorToWrite[]>) => {
  mkdirSync(path.dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  // synchronous writes: each tensor leaves memory before the next is drawn
  const bytes = writeTorchSave(dicts, (b) => { for (let at = 0; at < b.length;) at += writeSync(fd, b, at, b.length - at); });
  closeSync(fd);
  console.log(`  ${file}: ${(bytes / 1e9).toFixed(3)} GB`);
};

const tokPt = path.join(dir, 'DetailFlow-16/checkpoints/128.pt');
const gptPt = path.join(dir, 'DetailFlow-16-GPT-L/checkpoints/128.pt');
if (!process.argv.includes('--skip-write') || !existsSync(gptPt)) {
  await time('write the random tokenizer 128.pt (official keys, repa_model included)', () => write(tokPt, { model: entries('tokenizer_N128') }));
  const gpt = entries('gpt_l_N128');
  await time('write the random GPT-L 128.pt ({model, ema})', () => write(gptPt, { model: gpt, ema: gpt }));
}
const models = path.join(dir, 'models');
if (!process.argv.includes('--skip-import') || !existsSync(path.join(models, 'ar.safetensors'))) await time('import both', async () => {
  const code = await importCommand.run(['--tokenizer', tokPt, '--ar', gptPt, '--ema', '--out', models], { out: (s) => console.log(`  ${s}`), err: (s) => console.error(s) });
  if (code !== 0) throw new Error('import failed');
});

if (backend === 'webgpu') await installNodeWebGPU();
if (backend.startsWith('onnx')) {
  const ort = await installOnnxRuntime();
  if (!ort.ok) throw new Error(`--backend ${backend}: ${ort.error}`);
}
await useBackend(backend as never);
const ar = E.getOrElseW((e: string) => { throw new Error(e); })(decodeArFile(new Uint8Array(readFileSync(path.join(models, 'ar.safetensors')))));
const sampler = arSampler(ar.config, { backend });
const params = await sampler.upload(ar.ema);
let tokens = hostArray(new Int32Array(128), [1, 128]);
for (const run of [1, 2]) {
  const r = await time(`sample 1 image (GPT-L, N = 128, g = 8, CFG 1.5, KV cache), run ${run}`, () => sampler.grouped(params, [207], keyFromSeed(run), { cfg: 1.5, topK: 8192 }));
  tokens = r.tokens;
}
const tk = E.getOrElseW((e: string) => { throw new Error(e); })(decodeOfficialTokenizerFile(new Uint8Array(readFileSync(path.join(models, 'tokenizer.safetensors')))));
const model = officialTokenizer(tk.config);
for (const t of [8, 128]) {
  await time(`decode t = ${t} at ${model.decoderSide(t)} px`, () => runOnce((p: never, k: Node) => model.decodeCodes(p, k, model.decoderSide(t)), [tk.params, hostArray(tokens.data.slice(0, t), [1, t])], { backend }));
}
const image = hostArray(Float32Array.from({ length: 3 * 256 * 256 }, (_, i) => Math.sin(i / 97)), [1, 3, 256, 256]);
await time('encode one 256-px image', () => runOnce((p: never, x: Node) => model.encodeImages(p, x).codes, [tk.params, image], { backend }));
