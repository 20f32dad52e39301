/** The metric network's training objective: cross-entropy of its head on the training split. */
import type { Node } from '../../ir/node.ts';
import type { Params } from '../../nn/module.ts';
import { accuracy, crossEntropy } from '../../ops/index.ts';
import type { EvaluatorConfig } from './config.ts';
import { evaluatorNetwork, type EvaluatorParams } from './network.ts';

/** (params, images NCHW, labels int32 [B]) -> [mean cross-entropy, batch accuracy], for stepFnWithAux. */
export const evaluatorLoss = (cfg: EvaluatorConfig) => {
  const net = evaluatorNetwork(cfg);
  return (params: Params<EvaluatorParams>, images: Node, labels: Node): [Node, Node] => {
    const { logits } = net.apply(params, images);
    return [crossEntropy(logits, labels), accuracy(logits, labels)];
  };
};
