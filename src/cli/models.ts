/** Loading trained models from files at the CLI edge: the bytes are read here, checked by the pretrained module. */
import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import { readFileBytes } from '../platform/files.ts';
import {
  TOKENIZER_KIND, decodeArFile, decodeTokenizerFile, type ArModelFile, type TokenizerModel,
} from '../detailflow/pretrained/model-files.ts';
import { decodeTeacherFile, type TeacherModel } from '../detailflow/teacher/teacher-file.ts';
import { RunError } from './training-run.ts';

export { TOKENIZER_KIND };

const readModel = async <M>(file: string, what: string, decode: (b: Uint8Array) => E.Either<string, M>): Promise<M> => {
  const bytes = await readFileBytes(path.resolve(file), `pass the path of ${what} checkpoint (.safetensors)`);
  if (E.isLeft(bytes)) throw new RunError(bytes.left.message);
  const model = decode(bytes.right);
  if (E.isLeft(model)) throw new RunError(`${file}: ${model.left}`);
  return model.right;
};

export const loadTokenizer = (file: string): Promise<TokenizerModel> => readModel(file, 'a tokenizer', decodeTokenizerFile);

/** An AR checkpoint's configuration and EMA weights (what sampling uses), shapes checked. */
export const loadArModel = (file: string): Promise<ArModelFile> => readModel(file, 'an AR model', decodeArFile);

/** A train-teacher checkpoint: the CNN teacher and its parameters, shapes checked. */
export const loadTeacher = (file: string): Promise<TeacherModel> => readModel(file, 'a teacher', decodeTeacherFile);
