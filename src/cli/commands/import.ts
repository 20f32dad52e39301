import * as E from 'fp-ts/lib/Either.js';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import type { CliIO, Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { flagProblems, intFlag } from '../common.ts';
import { RunError } from '../training-run.ts';
import { makeDirs, readFileBytes, writeFileAtomic } from '../../platform/files.ts';
import { isLazyTensor, type LazyTensor } from '../../io/pytorch/index.ts';
import { decodeTorchSafetensors } from '../../detailflow/official/fixture-file.ts';
import { checkpointSource, storedSource } from '../../detailflow/official/sources.ts';
import type { TensorSource } from '../../detailflow/official/state-dict.ts';
import { encodeImportedGpt, encodeOfficialTokenizer, importGpt, importTokenizer, type Imported } from '../../detailflow/official/import.ts';
import { mergeConfigs, parseFlatYaml, type ConfigValues } from '../../detailflow/official/config-file.ts';
import { openTorchCheckpoint, type OpenCheckpoint } from '../torch-checkpoint-file.ts';

const usage = `detailflow import --tokenizer FILE [--ar FILE] --out DIR [--config FILE] [--ar-config FILE] [--ema]
                  [--group g] [--causal C] [--alpha a] [--image-size H] [--encoder-heads n] [--decoder-heads n]
                  [--tokens N] [--heads n]

Converts the official DetailFlow checkpoints (torch.save .pt files as released, or safetensors under
the official names) into this project's model files: DIR/tokenizer.safetensors (the official
tokenizer) and DIR/ar.safetensors (the GPT as a project AR model). Only what inference uses is
kept; what is dropped is listed with the reason. The configuration comes from the weights' shapes,
then from config.json / config.yaml where the reference keeps them (the folder above the
checkpoint's, or --config / --ar-config), then from the flags; what none of them gives takes the
released models' value, and is printed. --ema takes the EMA weights where the file has them (the
official sampler's GPT weights). Nothing appears in DIR unless everything converts.`;

const readConfig = async (file: string): Promise<ConfigValues> => {
  const bytes = await readFileBytes(file);
  if (E.isLeft(bytes)) throw new RunError(bytes.left.message);
  const text = new TextDecoder().decode(bytes.right);
  if (/\.ya?ml$/i.test(file)) return parseFlatYaml(text);
  try {
    const u = JSON.parse(text) as unknown;
    if (typeof u !== 'object' || u === null || Array.isArray(u)) throw new Error('not a JSON object');
    return u as ConfigValues;
  } catch (e) {
    throw new RunError(`${file} is not a JSON object: ${(e as Error).message}`);
  }
};

/** config.json and config.yaml from Path(ckpt).parent.parent, as the official loaders read them. */
const configBeside = async (ckpt: string, explicit: string | undefined, io: CliIO): Promise<ConfigValues> => {
  if (explicit) return readConfig(path.resolve(explicit));
  const dir = path.resolve(path.dirname(path.resolve(ckpt)), '..');
  const json = path.join(dir, 'config.json');
  const yaml = path.join(dir, 'config.yaml');
  const found = [json, yaml].filter((f) => existsSync(f));
  if (found.length > 0) io.out(`configuration from ${found.join(' and ')}`);
  return mergeConfigs(existsSync(json) ? await readConfig(json) : {}, existsSync(yaml) ? await readConfig(yaml) : {});
};

interface Loaded { readonly source: TensorSource; readonly what: string; readonly close: () => void }

/** A .pt checkpoint's chosen state dict, or an official-name safetensors file. */
const loadWeights = async (file: string, ema: boolean, io: CliIO): Promise<Loaded> => {
  const abs = path.resolve(file);
  if (/\.safetensors$/i.test(file)) {
    const bytes = await readFileBytes(abs);
    if (E.isLeft(bytes)) throw new RunError(bytes.left.message);
    const st = decodeTorchSafetensors(bytes.right);
    if (E.isLeft(st)) throw new RunError(`${file}: ${st.left.message}`);
    return { source: storedSource(st.right.tensors), what: file, close: () => {} };
  }
  const open: OpenCheckpoint = openTorchCheckpoint(file);
  try {
    const root = open.checkpoint.root as Map<string | number, unknown>;
    if (!(root instanceof Map)) throw new RunError(`${file} holds no dict (a torch.save of {"model": state_dict} is expected)`);
    // a bare state dict: every value a tensor
    if ([...root.values()].every(isLazyTensor) && root.size > 0) return { source: checkpointSource(root as Map<string, LazyTensor>), what: `${file} (a bare state dict)`, close: open.close };
    const order = ema ? ['ema', 'model', 'module', 'state_dict'] : ['model', 'module', 'state_dict'];
    const key = order.find((k) => root.get(k) instanceof Map);
    if (key === undefined) throw new RunError(`${file} has no 'model' key (nor ${ema ? "'ema', " : ''}'module', 'state_dict'); its keys are: ${open.keys.join(', ')}`);
    if (ema && key !== 'ema') io.out(`${file} has no EMA weights; using '${key}'`);
    const sd = root.get(key) as Map<string | number, unknown>;
    const bad = [...sd].filter(([k, v]) => typeof k !== 'string' || !isLazyTensor(v)).map(([k]) => String(k));
    if (bad.length > 0) throw new RunError(`${file}: '${key}' holds entries that are not tensors: ${bad.slice(0, 10).join(', ')}`);
    return { source: checkpointSource(sd as Map<string, LazyTensor>), what: `${file} ['${key}']`, close: open.close };
  } catch (e) {
    open.close();
    throw e;
  }
};

const values = (shapes: readonly (readonly number[])[]) => shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
const millions = (n: number) => `${(n / 1e6).toFixed(2)} M values`;

const summarise = (io: CliIO, name: string, m: Imported<unknown, unknown>, out: string) => {
  io.out(`${name}: kept ${m.kept.length} tensors (${millions(values(m.kept.map((e) => e.shape)))}) -> ${out}`);
  const reasons = new Map<string, { n: number; v: number; prefix: string }>();
  for (const d of m.dropped) {
    const r = reasons.get(d.why) ?? { n: 0, v: 0, prefix: d.key.split('.')[0] };
    reasons.set(d.why, { ...r, n: r.n + 1, v: r.v + values([d.shape]) });
  }
  for (const [why, r] of reasons) io.out(`  dropped ${r.n} tensors (${millions(r.v)}) under ${r.prefix}*: ${why}`);
  for (const a of m.assumed) io.out(`  assumed ${a}`);
};

const failed = (what: string, problems: readonly string[]): never => {
  const shown = problems.length > 40 ? [...problems.slice(0, 40), `... and ${problems.length - 40} more`] : problems;
  throw new RunError(`${what} cannot be imported (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${shown.map((p) => `  - ${p}`).join('\n')}`);
};

export const importCommand: Command = {
  name: 'import',
  summary: 'convert the official DetailFlow PyTorch checkpoints into this project\'s model files',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, {
      tokenizer: 'string', ar: 'string', out: 'string', config: 'string', 'ar-config': 'string', ema: 'boolean',
      group: 'number', causal: 'number', alpha: 'number', 'image-size': 'number', 'encoder-heads': 'number', 'decoder-heads': 'number', tokens: 'number', heads: 'number',
    });
    if (E.isLeft(flags)) return flagProblems(io, 'import', flags.left, usage);
    const f = flags.right;
    const problems = [
      ...(f.out === undefined ? ['--out DIR is required'] : []),
      ...(f.tokenizer === undefined && f.ar === undefined ? ['give --tokenizer FILE, --ar FILE or both'] : []),
      ...(['group', 'causal', 'image-size', 'encoder-heads', 'decoder-heads', 'tokens', 'heads'] as const).flatMap((k) => intFlag(k, f[k], 1)),
    ];
    if (problems.length > 0) return flagProblems(io, 'import', problems, usage);
    const outDir = path.resolve(f.out!);
    // each model is converted, encoded and written to a staging folder before the next is read (one
    // model in memory at a time); only when both succeeded do the files move into --out
    const staging = path.join(path.dirname(outDir), `.${path.basename(outDir)}.importing-${process.pid}`);
    const staged: [string, number][] = [];
    const stage = async (name: string, bytes: Uint8Array) => {
      await makeDirs(staging);
      const r = await writeFileAtomic(path.join(staging, name), bytes);
      if (E.isLeft(r)) throw new RunError(r.left.message);
      staged.push([name, bytes.length]);
    };
    try {
      let tokens = f.tokens;
      let codebook: number | undefined;
      if (f.tokenizer !== undefined) {
        const json = await configBeside(f.tokenizer, f.config, io);
        const w = await loadWeights(f.tokenizer, f.ema ?? false, io);
        try {
          const m = importTokenizer(w.source, json, { group: f.group, causal: f.causal, alpha: f.alpha, imageSize: f['image-size'], encoderHeads: f['encoder-heads'], decoderHeads: f['decoder-heads'] });
          if (E.isLeft(m)) return failed(`the tokenizer ${w.what}`, m.left);
          await stage('tokenizer.safetensors', encodeOfficialTokenizer(m.right, path.basename(f.tokenizer)));
          summarise(io, `tokenizer ${w.what}`, m.right, path.join(outDir, 'tokenizer.safetensors'));
          tokens ??= m.right.config.tokens;
          codebook = m.right.config.codebookSize;
        } finally {
          w.close();
        }
      }
      if (f.ar !== undefined) {
        const json = await configBeside(f.ar, f['ar-config'], io);
        const w = await loadWeights(f.ar, f.ema ?? false, io);
        try {
          const m = importGpt(w.source, json, { tokens, heads: f.heads });
          if (E.isLeft(m)) return failed(`the GPT ${w.what}`, m.left);
          const c = m.right.config;
          if (codebook !== undefined && c.vocab !== codebook) failed(`the GPT ${w.what}`, [`its vocabulary (${c.vocab}) differs from the tokenizer's codebook size (${codebook})`]);
          if (f.tokenizer !== undefined && tokens !== c.tokens) failed(`the GPT ${w.what}`, [`its block_size N = ${c.tokens} differs from the tokenizer's N = ${tokens}`]);
          await stage('ar.safetensors', encodeImportedGpt(m.right, path.basename(f.ar)));
          summarise(io, `GPT ${w.what}`, m.right, path.join(outDir, 'ar.safetensors'));
        } finally {
          w.close();
        }
      }
      await makeDirs(outDir);
      for (const [name] of staged) await fs.rename(path.join(staging, name), path.join(outDir, name));
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
    io.out(`wrote ${staged.map(([n, b]) => `${n} (${(b / 1e6).toFixed(2)} MB)`).join(' and ')} to ${outDir}`);
    return 0;
  },
};
