/** Loading codes files and AR checkpoints at the CLI edge (shapes and configs checked). */
import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import { readFileBytes } from '../platform/files.ts';
import { decodeCodes, type Codes } from '../detailflow/codes/codes-file.ts';
import { decodeArConfig, type ArConfig } from '../detailflow/ar/config.ts';
import { arModel } from '../detailflow/ar/model.ts';
import type { HostArray } from '../compile/device-array.ts';
import type { Tree } from '../tree/tree.ts';
import { keyFromSeed } from '../random/key.ts';
import { checkTrees } from '../train/checkpoint.ts';
import { loadCheckpoint, RunError } from './training-run.ts';

export const AR_KIND = 'detailflow-ar';

export const loadCodes = async (file: string): Promise<Codes> => {
  const bytes = await readFileBytes(path.resolve(file), 'pass a codes file written by detailflow extract-codes');
  if (E.isLeft(bytes)) throw new RunError(bytes.left.message);
  const codes = decodeCodes(bytes.right);
  if (E.isLeft(codes)) throw new RunError(`${file}: ${codes.left.message}`);
  return codes.right;
};

/** An AR checkpoint's configuration and EMA weights (what sampling uses), shapes checked. */
export const loadArModel = async (file: string): Promise<{ config: ArConfig; ema: Tree<HostArray> }> => {
  const ck = await loadCheckpoint(file, AR_KIND);
  const cfg = decodeArConfig(ck.meta.config);
  if (E.isLeft(cfg)) throw new RunError(`${file}: its configuration is invalid: ${cfg.left.message}`);
  const checked = checkTrees(ck, { ema: arModel(cfg.right).init(keyFromSeed(0)) as never });
  if (E.isLeft(checked)) throw new RunError(`${file} does not match its configuration: ${checked.left.message}`);
  return { config: cfg.right, ema: ck.trees.ema! };
};
