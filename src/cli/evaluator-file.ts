/** Loading the metric network from a file at the CLI edge: the bytes are read here, checked by src/eval. */
import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import { readFileBytes } from '../platform/files.ts';
import { EVALUATOR_KIND, decodeEvaluatorFile, type EvaluatorModel } from '../eval/evaluator/evaluator-file.ts';
import { RunError } from './training-run.ts';

export { EVALUATOR_KIND };
/** How help texts name the shipped evaluator; the file itself is shippedModel('evaluator') (models.ts), found wherever the command runs. */
export const DEFAULT_EVALUATOR = 'models/evaluator.safetensors';

const HOW = "train one with 'detailflow train-evaluator --out runs/evaluator' and export it, or pass --evaluator CKPT";

export const loadEvaluator = async (file: string): Promise<EvaluatorModel> => {
  const bytes = await readFileBytes(path.resolve(file), HOW);
  if (E.isLeft(bytes)) throw new RunError(`evaluator: ${bytes.left.message}`);
  const model = decodeEvaluatorFile(bytes.right);
  if (E.isLeft(model)) throw new RunError(`${file}: ${model.left}`);
  return model.right;
};
