/** Loading trained models from files at the CLI edge: the bytes are read here, checked by the pretrained module. */
import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileBytes } from '../platform/files.ts';
import { readSafetensorsHeader } from '../io/safetensors.ts';
import {
  AR_KIND, TOKENIZER_KIND, decodeArFile, decodeTokenizerFile, type ArModelFile, type TokenizerModel,
} from '../detailflow/pretrained/model-files.ts';
import { decodeTeacherFile, type TeacherModel } from '../detailflow/teacher/teacher-file.ts';
import { decodeTokenizerConfig, type TokenizerConfig } from '../detailflow/tokenizer/config.ts';
import { readCheckpointHeader } from '../train/checkpoint.ts';
import { RunError } from './training-run.ts';

export { TOKENIZER_KIND };

/**
 * A model shipped in the package's models/ folder. It is found from this module's place (src/cli
 * in the checkout, dist/cli once installed), never from the working directory, so the defaults
 * work wherever a command is run from.
 */
export const shippedModel = (name: 'tokenizer' | 'ar' | 'evaluator' | 'teacher'): string =>
  fileURLToPath(new URL(`../../models/${name}.safetensors`, import.meta.url));

/** How help texts name a shipped model. */
export const shippedName = (name: 'tokenizer' | 'ar' | 'evaluator' | 'teacher'): string => `models/${name}.safetensors`;

const readBytes = async (file: string, what: string): Promise<Uint8Array> => {
  const bytes = await readFileBytes(path.resolve(file), `pass the path of ${what} checkpoint (.safetensors)`);
  if (E.isLeft(bytes)) throw new RunError(bytes.left.message);
  return bytes.right;
};

const decodeOrThrow = <M>(file: string, bytes: Uint8Array, decode: (b: Uint8Array) => E.Either<string, M>): M => {
  const model = decode(bytes);
  if (E.isLeft(model)) throw new RunError(`${file}: ${model.left}`);
  return model.right;
};

const readModel = async <M>(file: string, what: string, decode: (b: Uint8Array) => E.Either<string, M>): Promise<M> =>
  decodeOrThrow(file, await readBytes(file, what), decode);

export const loadTokenizer = (file: string): Promise<TokenizerModel> => readModel(file, 'a tokenizer', decodeTokenizerFile);

/** An AR checkpoint's configuration and EMA weights (what sampling uses), shapes checked. */
export const loadArModel = (file: string): Promise<ArModelFile> => readModel(file, 'an AR model', decodeArFile);

/** A train-teacher checkpoint: the CNN teacher and its parameters, shapes checked. */
export const loadTeacher = (file: string): Promise<TeacherModel> => readModel(file, 'a teacher', decodeTeacherFile);

/** The checkpoint kind a file's header names (undefined when it is no detailflow checkpoint). */
const kindOf = (bytes: Uint8Array): string | undefined => {
  const h = readSafetensorsHeader(bytes);
  return E.isRight(h) ? h.right.metadata.kind : undefined;
};

/**
 * Problems with the roles of the two files, from their headers alone: a tokenizer checkpoint given
 * as --ar or an AR checkpoint given as --tokenizer (both at once: the two look swapped). Other
 * problems with a file (missing, corrupt, another kind) are left to its loader.
 */
const pairKindProblems = (files: { tokenizer: string; ar: string }, kinds: { tokenizer: string | undefined; ar: string | undefined }): string[] => {
  if (kinds.tokenizer === AR_KIND && kinds.ar === TOKENIZER_KIND) {
    return [`--tokenizer ${files.tokenizer} and --ar ${files.ar} look swapped: the first is an AR model checkpoint, the second a tokenizer; pass them the other way round`];
  }
  return [
    ...(kinds.tokenizer === AR_KIND ? [`--tokenizer ${files.tokenizer} is an AR model checkpoint, not a tokenizer; pass it as --ar`] : []),
    ...(kinds.ar === TOKENIZER_KIND ? [`--ar ${files.ar} is a tokenizer checkpoint, not an AR model; pass it as --tokenizer`] : []),
  ];
};

/**
 * A tokenizer and an AR model, each read once. Left: the two files' roles are mixed up (a usage
 * problem, exit 2); a missing or corrupt file throws as the single loaders do (exit 1).
 */
export const loadModelPair = async (tokenizerFile: string, arFile: string): Promise<E.Either<string[], { tokenizer: TokenizerModel; ar: ArModelFile }>> => {
  const tb = await readBytes(tokenizerFile, 'a tokenizer');
  const ab = await readBytes(arFile, 'an AR model');
  const roles = pairKindProblems({ tokenizer: tokenizerFile, ar: arFile }, { tokenizer: kindOf(tb), ar: kindOf(ab) });
  if (roles.length) return E.left(roles);
  return E.right({ tokenizer: decodeOrThrow(tokenizerFile, tb, decodeTokenizerFile), ar: decodeOrThrow(arFile, ab, decodeArFile) });
};

const arAsTokenizer = (file: string): string =>
  `--tokenizer ${file} is an AR model checkpoint, not a tokenizer; pass a tokenizer checkpoint (the shipped one is ${shippedName('tokenizer')})`;

/** A tokenizer alone; an AR checkpoint given in its place is a usage problem (Left), not a load failure. */
export const loadTokenizerChecked = async (file: string): Promise<E.Either<string[], TokenizerModel>> => {
  const bytes = await readBytes(file, 'a tokenizer');
  if (kindOf(bytes) === AR_KIND) return E.left([arAsTokenizer(file)]);
  return E.right(decodeOrThrow(file, bytes, decodeTokenizerFile));
};

/** A tokenizer checkpoint's configuration, from its header alone (no tensor is copied); an AR checkpoint in its place is a usage problem (Left). */
export const loadTokenizerConfig = async (file: string): Promise<E.Either<string[], TokenizerConfig>> => {
  const bytes = await readBytes(file, 'a tokenizer');
  if (kindOf(bytes) === AR_KIND) return E.left([arAsTokenizer(file)]);
  const header = readCheckpointHeader(bytes, TOKENIZER_KIND);
  if (E.isLeft(header)) throw new RunError(`${file}: ${header.left.problems.join('; ')}`);
  const config = decodeTokenizerConfig(header.right.meta.config);
  if (E.isLeft(config)) throw new RunError(`${file}: its configuration is invalid: ${config.left.problems.join('; ')}`);
  return E.right(config.right);
};
