/**
 * The metric network from checkpoint bytes, platform-neutral: the configuration is read from
 * the metadata and every tensor is checked against a fresh initialisation of it.
 */
import * as E from 'fp-ts/lib/Either.js';
import { keyFromSeed } from '../../random/key.ts';
import { checkTrees, decodeCheckpoint } from '../../train/checkpoint.ts';
import { decodeEvaluatorConfig } from './config.ts';
import { evaluatorNetwork, type Evaluator, type EvaluatorParams } from './network.ts';

export const EVALUATOR_KIND = 'detailflow-evaluator';

export interface EvaluatorModel {
  readonly net: Evaluator;
  readonly params: EvaluatorParams;
}

export const decodeEvaluatorFile = (bytes: Uint8Array): E.Either<string, EvaluatorModel> => {
  const ck = decodeCheckpoint(bytes, EVALUATOR_KIND);
  if (E.isLeft(ck)) return E.left(ck.left.message);
  const cfg = decodeEvaluatorConfig(ck.right.meta.config);
  if (E.isLeft(cfg)) return E.left(`its configuration is invalid: ${cfg.left.message}`);
  const net = evaluatorNetwork(cfg.right);
  const ok = checkTrees(ck.right, { params: net.init(keyFromSeed(0)) as never });
  if (E.isLeft(ok)) return E.left(`it does not match its configuration: ${ok.left.message}`);
  return E.right({ net, params: ok.right.trees.params as unknown as EvaluatorParams });
};
