/**
 * Importing official checkpoints into the project's own model files, platform-neutral. The
 * configuration comes from the weights' shapes, then the official config.json values (which
 * must agree with the shapes: a contradiction is reported as a shape mismatch naming the key,
 * both shapes and the field), then defaults for what neither says. Everything is checked and
 * converted in memory; callers write files only after success.
 */
import * as E from 'fp-ts/lib/Either.js';
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import type { StoredTensor } from '../../io/safetensors.ts';
import { encodeCheckpoint } from '../../train/checkpoint.ts';
import type { ArConfig } from '../ar/config.ts';
import type { ArParams } from '../ar/model.ts';
import { AR_KIND } from '../pretrained/model-files.ts';
import { arConfigOfGpt, checkTokenizerConfig, tokenizerConfigFromShapes, type GptArgs, type OfficialTokenizerConfig, type TokenizerHints } from './config.ts';
import { droppedTokenizerKeys, gptKeys, tokenizerKeys, type KeyEntry } from './keys.ts';
import { mapStateDict, transpose2d, type Dropped, type TensorSource } from './state-dict.ts';
import type { OfficialTokenizerParams } from './tokenizer.ts';

export const OFFICIAL_TOKENIZER_KIND = 'detailflow-official-tokenizer';

export interface Imported<C, T> {
  readonly config: C;
  readonly params: T;
  readonly kept: readonly KeyEntry[];
  readonly dropped: readonly Dropped[];
  /** Configuration values that came from defaults rather than the weights or the config file. */
  readonly assumed: readonly string[];
}

type Json = Readonly<Record<string, unknown>>;
const num = (u: unknown): number | undefined => (typeof u === 'number' && Number.isFinite(u) ? u : undefined);
const shapesOf = (s: TensorSource) => new Map([...s].map(([k, t]) => [k, t.shape]));

/** The tokenizer: config.json (VQ kwargs) fields override what the shapes say, hints fill the rest. */
export const importTokenizer = (source: TensorSource, json: Json = {}, hints: TokenizerHints = {}): E.Either<string[], Imported<OfficialTokenizerConfig, OfficialTokenizerParams>> => {
  const merged: TokenizerHints = {
    imageSize: hints.imageSize ?? num(json['image_size']),
    group: hints.group ?? num(json['group_size']),
    causal: hints.causal ?? num(json['causal_num']),
    alpha: hints.alpha ?? num(json['degradation_power']),
    encoderHeads: hints.encoderHeads, decoderHeads: hints.decoderHeads,
  };
  const assumed: string[] = [];
  if (merged.group === undefined) assumed.push('group g = 8 (the released models; --group or group_size in config.json to change)');
  if (merged.alpha === undefined) assumed.push('degradation power 1.5 (the released models; --alpha to change)');
  if (merged.encoderHeads === undefined) assumed.push('encoder heads 16 (SigLIP2 so400m)');
  if (merged.decoderHeads === undefined) assumed.push('decoder heads 12 (the released decoder)');
  const fromShapes = tokenizerConfigFromShapes(shapesOf(source), merged);
  if (E.isLeft(fromShapes)) return fromShapes;
  const c = fromShapes.right;
  // the config file's sizes must agree with the weights: a different value shows up as a shape mismatch
  const cfg = checkTokenizerConfig({
    ...c,
    tokens: num(json['num_latent_tokens']) ?? c.tokens,
    codebookSize: num(json['codebook_size']) ?? c.codebookSize,
    codeDim: num(json['codebook_embed_dim']) ?? c.codeDim,
    patch: num(json['enc_patch_size']) ?? c.patch,
  });
  if (E.isLeft(cfg)) return cfg;
  const mapped = mapStateDict<OfficialTokenizerParams>(tokenizerKeys(cfg.right), source, droppedTokenizerKeys);
  if (E.isLeft(mapped)) return mapped;
  return E.right({ config: cfg.right, params: mapped.right.tree, kept: mapped.right.kept, dropped: mapped.right.dropped, assumed });
};

/** The GPT: sizes from the shapes (vocab, width, depth, classes, g), heads and N from config.json or hints. */
export const importGpt = (source: TensorSource, json: Json = {}, hints: { tokens?: number; heads?: number } = {}): E.Either<string[], Imported<ArConfig, ArParams>> => {
  const shape = (k: string) => source.get(k)?.shape;
  const tok = shape('tok_embeddings.weight');
  const cls = shape('cls_embedding.embedding_table.weight');
  if (!tok || tok.length !== 2 || !cls || cls.length !== 2) return E.left(['missing tok_embeddings.weight or cls_embedding.embedding_table.weight: this is not a DetailFlow GPT state dict']);
  let depth = 0;
  while (source.has(`layers.${depth}.attention.wqkv.weight`)) depth++;
  const spe = shape('spe_tok_embeddings.special_embeddings.weight');
  const dim = num(json['dim']) ?? tok[1];
  const assumed: string[] = [];
  const tokens = hints.tokens ?? num(json['block_size']);
  if (tokens === undefined) return E.left(['the number of tokens N (block_size) is not in the weights: pass --tokens N, a config.json with block_size, or import the tokenizer alongside']);
  const heads = hints.heads ?? num(json['n_head']) ?? dim / 64;
  if (hints.heads === undefined && num(json['n_head']) === undefined) assumed.push(`heads ${dim / 64} (head size 64, as every LlamaGen GPT up to XXXL; --heads to change)`);
  const args: GptArgs = {
    dim, n_layer: num(json['n_layer']) ?? depth, n_head: heads,
    vocab_size: num(json['vocab_size']) ?? tok[0], block_size: tokens,
    num_classes: num(json['num_classes']) ?? cls[0] - 1,
    group_size: num(json['group_size']) ?? (spe ? spe[0] + 1 : 1),
    causal_num: num(json['causal_num']) ?? null,
  };
  const cfg = arConfigOfGpt(args);
  if (E.isLeft(cfg)) return cfg;
  const mapped = mapStateDict<ArParams>(gptKeys(cfg.right), source);
  if (E.isLeft(mapped)) return mapped;
  return E.right({ config: cfg.right, params: mapped.right.tree, kept: mapped.right.kept, dropped: mapped.right.dropped, assumed });
};

/** The project's model files: the official tokenizer under its own kind, the GPT as a project AR model (sample reads it). */
export const encodeOfficialTokenizer = (m: Imported<OfficialTokenizerConfig, OfficialTokenizerParams>, source: string): Uint8Array =>
  encodeCheckpoint({ kind: OFFICIAL_TOKENIZER_KIND, trees: { params: m.params as never }, meta: { config: m.config, source } });
export const encodeImportedGpt = (m: Imported<ArConfig, ArParams>, source: string): Uint8Array =>
  encodeCheckpoint({ kind: AR_KIND, trees: { ema: m.params as never }, meta: { config: m.config, source } });

const getPath = (tree: unknown, path: readonly (string | number)[]): HostArray =>
  path.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], tree) as HostArray;

/** The inverse of the import: a project tree back under the official names and shapes. */
export const exportOfficial = (entries: readonly KeyEntry[], tree: unknown): Record<string, StoredTensor> =>
  Object.fromEntries(entries.map((e) => {
    const a = getPath(tree, e.path);
    return [e.key, e.transpose ? transpose2d(a) : hostArray(a.data, e.shape)];
  }));
