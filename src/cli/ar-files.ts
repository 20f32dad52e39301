/** Loading codes files at the CLI edge (shapes checked); AR checkpoints load through models.ts. */
import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import { readFileBytes } from '../platform/files.ts';
import { decodeCodes, type Codes } from '../detailflow/codes/codes-file.ts';
import { RunError } from './training-run.ts';

export { AR_KIND } from '../detailflow/pretrained/model-files.ts';

export const loadCodes = async (file: string): Promise<Codes> => {
  const bytes = await readFileBytes(path.resolve(file), 'pass a codes file written by detailflow extract-codes');
  if (E.isLeft(bytes)) throw new RunError(bytes.left.message);
  const codes = decodeCodes(bytes.right);
  if (E.isLeft(codes)) throw new RunError(`${file}: ${codes.left.message}`);
  return codes.right;
};
