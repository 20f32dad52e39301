/**
 * Trained models from checkpoint bytes, platform-neutral: the configuration is read from the
 * metadata and every tensor is checked against a fresh initialisation of that configuration.
 * The CLI reads the bytes from files, the web page fetches them.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { HostArray } from '../../ir/host-array.ts';
import { keyFromSeed } from '../../random/key.ts';
import { checkTrees, decodeCheckpoint, type Checkpoint } from '../../train/checkpoint.ts';
import type { Tree } from '../../tree/tree.ts';
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

const decodeKind = (bytes: Uint8Array, kind: string): E.Either<string, Checkpoint> =>
  E.mapLeft((e: Error) => e.message)(decodeCheckpoint(bytes, kind));

const checked = (ck: Checkpoint, expected: Record<string, Tree<HostArray>>): E.Either<string, Checkpoint> =>
  E.mapLeft((e: Error) => `it does not match its configuration: ${e.message}`)(checkTrees(ck, expected));

export const decodeTokenizerFile = (bytes: Uint8Array): E.Either<string, TokenizerModel> => {
  const ck = decodeKind(bytes, TOKENIZER_KIND);
  if (E.isLeft(ck)) return ck;
  const cfg = decodeTokenizerConfig(ck.right.meta.config);
  if (E.isLeft(cfg)) return E.left(`its configuration is invalid: ${cfg.left.message}`);
  const teacherDim = ck.right.meta.teacherDim;
  if (typeof teacherDim !== 'number' || !Number.isInteger(teacherDim) || teacherDim < 1) return E.left('metadata teacherDim is missing or invalid');
  const tk = tokenizer(cfg.right, teacherDim);
  const ok = checked(ck.right, { params: tk.init(keyFromSeed(0)) as never });
  return E.map((c: Checkpoint) => ({ tk, params: c.trees.params as unknown as TokenizerParams }))(ok);
};

export const decodeArFile = (bytes: Uint8Array): E.Either<string, ArModelFile> => {
  const ck = decodeKind(bytes, AR_KIND);
  if (E.isLeft(ck)) return ck;
  const cfg = decodeArConfig(ck.right.meta.config);
  if (E.isLeft(cfg)) return E.left(`its configuration is invalid: ${cfg.left.message}`);
  const ok = checked(ck.right, { ema: arModel(cfg.right).init(keyFromSeed(0)) as never });
  return E.map((c: Checkpoint) => ({ config: cfg.right, ema: c.trees.ema as unknown as ArParams }))(ok);
};
