/** Loading trained models from checkpoints at the CLI edge: config from the metadata, shapes checked. */
import * as E from 'fp-ts/lib/Either.js';
import { decodeTokenizerConfig } from '../detailflow/tokenizer/config.ts';
import { tokenizer, type Tokenizer } from '../detailflow/tokenizer/model.ts';
import { keyFromSeed } from '../random/key.ts';
import type { HostArray } from '../compile/device-array.ts';
import type { Tree } from '../tree/tree.ts';
import { loadCheckpoint, RunError } from './training-run.ts';
import { checkTrees } from '../train/checkpoint.ts';

export const TOKENIZER_KIND = 'detailflow-tokenizer';

export const loadTokenizer = async (file: string): Promise<{ tk: Tokenizer; params: Tree<HostArray> }> => {
  const probe = await loadCheckpoint(file, TOKENIZER_KIND);
  const cfg = decodeTokenizerConfig(probe.meta.config);
  if (E.isLeft(cfg)) throw new RunError(`${file}: its configuration is invalid: ${cfg.left.message}`);
  const teacherDim = probe.meta.teacherDim;
  if (typeof teacherDim !== 'number' || !Number.isInteger(teacherDim) || teacherDim < 1) throw new RunError(`${file}: metadata teacherDim is missing or invalid`);
  const tk = tokenizer(cfg.right, teacherDim);
  // every tensor must have the configured shape: compare with a fresh initialisation
  const checked = checkTrees(probe, { params: tk.init(keyFromSeed(0)) as never });
  if (E.isLeft(checked)) throw new RunError(`${file} does not match its configuration: ${checked.left.message}`);
  return { tk, params: probe.trees.params };
};
