/**
 * The metric network from checkpoint bytes, platform-neutral: the configuration is read from
 * the metadata and every tensor is checked against the shapes it implies (never allocated first).
 */
import * as E from 'fp-ts/lib/Either.js';
import { keyFromSeed } from '../../random/key.ts';
import { paramLayout } from '../../nn/layout.ts';
import { decodeModelCheckpoint, type ModelSpec } from '../../train/model-file.ts';
import { decodeEvaluatorConfig } from './config.ts';
import { evaluatorNetwork, type Evaluator, type EvaluatorParams } from './network.ts';

export const EVALUATOR_KIND = 'detailflow-evaluator';

export interface EvaluatorModel {
  readonly net: Evaluator;
  readonly params: EvaluatorParams;
}

/** What the metadata implies: the network and its parameter shapes (nothing allocated). */
export const evaluatorSpec = (meta: Readonly<Record<string, unknown>>): E.Either<string, ModelSpec<Evaluator, { params: EvaluatorParams }>> => {
  const cfg = decodeEvaluatorConfig(meta.config);
  if (E.isLeft(cfg)) return E.left(`its configuration is invalid: ${cfg.left.problems.join('; ')}`);
  const net = evaluatorNetwork(cfg.right);
  return E.right({ model: net, trees: { params: paramLayout(() => net.init(keyFromSeed(0))) } });
};

export const decodeEvaluatorFile = (bytes: Uint8Array): E.Either<string, EvaluatorModel> => {
  const r = decodeModelCheckpoint(bytes, EVALUATOR_KIND, evaluatorSpec);
  return E.map(({ model, trees }: { model: Evaluator; trees: { params: EvaluatorParams } }) => ({ net: model, params: trees.params }))(r);
};
