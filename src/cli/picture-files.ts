/** Pictures in and out at the CLI edge: a user's PNG read with a one-line problem, outputs written atomically. */
import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import { readFileBytes, writeFileAtomic } from '../platform/files.ts';
import { decodePng, type PngImage } from '../io/png.ts';
import { RunError } from './training-run.ts';

/** The PNG at `file`, or one line naming the file and what is wrong with it. */
export const readPicture = async (file: string): Promise<E.Either<string, PngImage>> => {
  const bytes = await readFileBytes(path.resolve(file), 'pass a PNG picture');
  if (E.isLeft(bytes)) return E.left(`--image ${file}: ${bytes.left.problems.join('; ')}`);
  const png = await decodePng(bytes.right);
  if (E.isLeft(png)) return E.left(`--image ${file}: not a readable PNG: ${png.left.problems.join('; ')}`);
  return E.right(png.right);
};

/** Writes an output file atomically (its folder made if missing); a failure is one line naming the file. */
export const writeOutput = async (file: string, bytes: Uint8Array): Promise<void> => {
  const w = await writeFileAtomic(file, bytes);
  if (E.isLeft(w)) throw new RunError(w.left.problems.join('; '));
};
