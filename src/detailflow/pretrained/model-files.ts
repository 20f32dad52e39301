/**
 * Trained models from checkpoint bytes, platform-neutral: the configuration is read from the
 * metadata (strictly, within bounds) and every tensor is checked against the shapes that
 * configuration implies, computed without allocating them (see train/model-file.ts).
 * The CLI reads the bytes from files, the web page fetches them.
 */
import * as E from 'fp-ts/lib/Either.js';
import { paramLayout } from '../../nn/layout.ts';
import { keyFromSeed } from '../../random/key.ts';
import { decodeModelCheckpoint, type ModelSpec } from '../../train/model-file.ts';
import { decodeArConfig, type ArConfig } from '../ar/config.ts';
import { arModel, type ArParams } from '../ar/model.ts';
import { decodeTokenizerConfig } from '../tokenizer/config.ts';
import { tokenizer, type Tokenizer, type TokenizerParams } from '../tokenizer/model.ts';

export const TOKENIZER_KIND = 'detailflow-tokenizer';
export const AR_KIND = 'detailflow-ar';

export interface TokenizerModel {
  readonly tk: Tokenizer;
  readonly params: TokenizerParams;
}

/** The AR model's configuration and the weights sampling uses (the EMA of training). */
export interface ArModelFile {
  readonly config: ArConfig;
  readonly ema: ArParams;
}

// The teacher's feature width sizes the alignment head; no teacher this project knows is wider.
const MAX_TEACHER_DIM = 1 << 16;

/** What a tokenizer checkpoint's metadata implies: the model and its parameter shapes (nothing allocated). */
export const tokenizerSpec = (meta: Readonly<Record<string, unknown>>): E.Either<string, ModelSpec<Tokenizer, { params: TokenizerParams }>> => {
  const cfg = decodeTokenizerConfig(meta.config);
  if (E.isLeft(cfg)) return E.left(`its configuration is invalid: ${cfg.left.problems.join('; ')}`);
  const teacherDim = meta.teacherDim;
  if (typeof teacherDim !== 'number' || !Number.isInteger(teacherDim) || teacherDim < 1 || teacherDim > MAX_TEACHER_DIM) {
    return E.left(`metadata teacherDim is missing or invalid (an integer in [1, ${MAX_TEACHER_DIM}])`);
  }
  const tk = tokenizer(cfg.right, teacherDim);
  return E.right({ model: tk, trees: { params: paramLayout(() => tk.init(keyFromSeed(0))) } });
};

export const decodeTokenizerFile = (bytes: Uint8Array): E.Either<string, TokenizerModel> => {
  const r = decodeModelCheckpoint(bytes, TOKENIZER_KIND, tokenizerSpec);
  return E.map(({ model, trees }: { model: Tokenizer; trees: { params: TokenizerParams } }) => ({ tk: model, params: trees.params }))(r);
};

/** What an AR checkpoint's metadata implies: its configuration and the EMA weights' shapes (nothing allocated). */
export const arSpec = (meta: Readonly<Record<string, unknown>>): E.Either<string, ModelSpec<ArConfig, { ema: ArParams }>> => {
  const cfg = decodeArConfig(meta.config);
  if (E.isLeft(cfg)) return E.left(`its configuration is invalid: ${cfg.left.problems.join('; ')}`);
  const model = arModel(cfg.right);
  return E.right({ model: cfg.right, trees: { ema: paramLayout(() => model.init(keyFromSeed(0))) } });
};

export const decodeArFile = (bytes: Uint8Array): E.Either<string, ArModelFile> => {
  const r = decodeModelCheckpoint(bytes, AR_KIND, arSpec);
  return E.map(({ model, trees }: { model: ArConfig; trees: { ema: ArParams } }) => ({ config: model, ema: trees.ema }))(r);
};
