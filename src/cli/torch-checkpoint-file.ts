/** A .pt file at the CLI edge: opened for positioned reads, unpickled safely, a state dict picked by key. */
import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import { readTorchCheckpoint, stateDictOf, type LazyTensor, type TorchCheckpoint } from '../io/pytorch/index.ts';
import { openFileSource, type FileSource } from '../platform/file-source.ts';
import { RunError } from './training-run.ts';

export interface OpenCheckpoint {
  readonly checkpoint: TorchCheckpoint;
  /** Keys of the top-level dict. */
  readonly keys: readonly string[];
  close(): void;
}

export const openTorchCheckpoint = (file: string): OpenCheckpoint => {
  let src: FileSource;
  try {
    src = openFileSource(path.resolve(file));
  } catch (e) {
    throw new RunError(`cannot open ${path.resolve(file)}: ${(e as Error).message}`);
  }
  const ck = readTorchCheckpoint(src);
  if (E.isLeft(ck)) { src.close(); throw new RunError(ck.left.withSource(file).message); }
  const root = ck.right.root;
  const keys = root instanceof Map ? [...root.keys()].map(String) : [];
  return { checkpoint: ck.right, keys, close: () => src.close() };
};

/** The state dict under `key`, or a message listing the keys found. */
export const stateDictAt = (open: OpenCheckpoint, key: string, file: string): ReadonlyMap<string, LazyTensor> => {
  const sd = stateDictOf(open.checkpoint, key);
  if (E.isLeft(sd)) throw new RunError(sd.left.withSource(file).message);
  return sd.right;
};
