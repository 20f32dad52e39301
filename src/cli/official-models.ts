/** An imported official model folder (written by `detailflow import`) read at the CLI edge. */
import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import { readFileBytes } from '../platform/files.ts';
import { decodeOfficialTokenizerFile } from '../detailflow/official/model-file.ts';
import { decodeArFile } from '../detailflow/pretrained/model-files.ts';
import type { OfficialModels } from '../detailflow/official/generate.ts';
import { RunError } from './training-run.ts';

const read = async <A>(file: string, what: string, decode: (b: Uint8Array) => E.Either<string, A>): Promise<A> => {
  const bytes = await readFileBytes(file, `import the official checkpoints first: detailflow import --tokenizer 128.pt --ar 128.pt --ema --out ${path.dirname(file)}`);
  if (E.isLeft(bytes)) throw new RunError(bytes.left.message);
  const r = decode(bytes.right);
  if (E.isLeft(r)) throw new RunError(`${file} is not ${what}: ${r.left}`);
  return r.right;
};

export const loadOfficialTokenizer = (dir: string): Promise<OfficialModels['tokenizer']> =>
  read(path.resolve(dir, 'tokenizer.safetensors'), 'an imported official tokenizer', decodeOfficialTokenizerFile);

export const loadOfficialModels = async (dir: string): Promise<OfficialModels> => ({
  tokenizer: await loadOfficialTokenizer(dir),
  ar: await read(path.resolve(dir, 'ar.safetensors'), 'an imported GPT', decodeArFile),
});
