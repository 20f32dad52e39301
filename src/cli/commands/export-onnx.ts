import * as E from 'fp-ts/lib/Either.js';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { flagProblems, intFlag, outputProblems, usageProblems } from '../common.ts';
import { loadArModel, loadTokenizer } from '../models.ts';
import { checkTokenizerPair } from '../../detailflow/sample/pair.ts';
import { nullClassOf } from '../../detailflow/ar/config.ts';
import { exportOnnx, MANIFEST_FILE } from '../../detailflow/pretrained/onnx-export.ts';

/** The models shipped in the package's models/ folder, found from this module (src/cli/commands or dist/cli/commands). */
const shipped = (name: 'tokenizer' | 'ar'): string => fileURLToPath(new URL(`../../../models/${name}.safetensors`, import.meta.url));

const usage = `detailflow export-onnx [--tokenizer CKPT] [--ar CKPT] --out DIR [--batch B] [--guidance=false]
                       [--top-k K] [--top-p P]

Writes a tokenizer and an AR model as plain ONNX inference graphs (opset 17, the standard domain
only, so any ONNX runtime loads them) into DIR, with manifest.json describing them:
  ar-pass-II.onnx   one per pass of the pass plan (the first-group token passes, then the
                    grouped passes), each with its KV cache as inputs (past_L_keys/values) and
                    outputs (present_L_keys/values); it returns the sampled tokens (int32 [B, w])
  decoder-tTTT.onnx the decoder of the first t tokens (int32 [B, t]) at side dec(t), for every
                    prefix t of the pass plan
  encoder.onnx      images float32 [B, C, H, W] in [-1, 1] -> token indices int32 [B, N]
  weights.bin       every weight, stored once, as ONNX external data of those graphs
Shapes are fixed: --batch rows (default 1); with guidance (default on when the AR model has a null
class; --guidance=false turns it off) the passes run the doubled [cond ; null] batch and take the
scale as an input. Temperature is an input too; --top-k / --top-p fix the filter. Sampling
randomness is an explicit input: 'uniform', one draw in [0, 1) per sampled token (the manifest
says how detailflow makes it from a key, so the library's samples can be reproduced).
--tokenizer and --ar default to the shipped models/tokenizer.safetensors and models/ar.safetensors.
Missing or mismatched models and an unwritable DIR exit 2 before any work.`;

/** Each problem on its own line, naming the command; exit 2. */
export const exportOnnxCommand: Command = {
  name: 'export-onnx',
  summary: 'write the tokenizer and AR model as plain ONNX graphs (passes with KV cache, decoders, encoder) and a manifest',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, { tokenizer: 'string', ar: 'string', out: 'string', batch: 'number', guidance: 'boolean', 'top-k': 'number', 'top-p': 'number' });
    if (E.isLeft(flags)) return flagProblems(io, 'export-onnx', flags.left, usage);
    const f = flags.right;
    const tokFile = path.resolve(f.tokenizer ?? shipped('tokenizer'));
    const arFile = path.resolve(f.ar ?? shipped('ar'));
    const problems = [
      ...(f.out === undefined ? ['--out DIR is required'] : []),
      ...intFlag('batch', f.batch, 1),
      ...intFlag('top-k', f['top-k'], 1),
      ...(f['top-p'] !== undefined && !(f['top-p'] > 0 && f['top-p'] <= 1) ? [`--top-p: expected a number in (0, 1], got ${f['top-p']}`] : []),
    ];
    for (const [flag, file] of [['tokenizer', tokFile], ['ar', arFile]] as const) {
      try {
        await access(file, constants.R_OK);
      } catch {
        problems.push(`--${flag} ${f[flag] ?? file}: no such readable file`);
      }
    }
    if (f.out !== undefined) problems.push(...await outputProblems({}, { out: path.resolve(f.out) }));
    if (problems.length) return usageProblems(io, 'export-onnx', problems);
    const out = path.resolve(f.out!);
    const tokenizer = await loadTokenizer(tokFile);
    const ar = await loadArModel(arFile);
    const tc = tokenizer.tk.config;
    const pair = checkTokenizerPair({ codebookSize: tc.codebookSize, tokens: tc.tokens, group: tc.group, causal: tc.causal, ...(tc.spans ? { spans: tc.spans } : {}) }, ar.config);
    const guidance = f.guidance ?? nullClassOf(ar.config) !== undefined;
    const late = [
      ...(E.isLeft(pair) ? pair.left.problems : []),
      ...(guidance && nullClassOf(ar.config) === undefined ? ['--guidance: this AR model has no null class, so it cannot be exported with guidance'] : []),
    ];
    if (late.length) return usageProblems(io, 'export-onnx', late);

    const t0 = performance.now();
    const e = exportOnnx({ tokenizer, ar }, { batch: f.batch ?? 1, guidance, ...(f['top-k'] !== undefined ? { topK: f['top-k'] } : {}), ...(f['top-p'] !== undefined ? { topP: f['top-p'] } : {}) });
    // written into a staging folder beside DIR's files, then moved in: a failed run leaves no half export
    const stage = path.join(out, `.export-onnx-${process.pid}`);
    await mkdir(stage, { recursive: true });
    try {
      for (const [name, bytes] of e.files) await writeFile(path.join(stage, name), bytes);
      await writeFile(path.join(stage, MANIFEST_FILE), `${JSON.stringify(e.manifest, null, 1)}\n`);
      for (const name of [...e.files.keys(), MANIFEST_FILE]) await rename(path.join(stage, name), path.join(out, name));
    } finally {
      await rm(stage, { recursive: true, force: true });
    }
    const bytes = [...e.files.values()].reduce((n, b) => n + b.length, 0);
    io.out(`exported ${e.manifest.passes.length} passes, ${e.manifest.decoders.length} decoders and the encoder (batch ${e.manifest.batch}, guidance ${guidance ? 'on' : 'off'}) to ${out}: ${e.files.size + 1} files, ${(bytes / 1e6).toFixed(2)} MB, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return 0;
  },
};
