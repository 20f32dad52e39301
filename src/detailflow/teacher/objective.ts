/**
 * The CNN teacher's training objective: classification cross-entropy of its linear head on the
 * training split. The head exists only for this; the tokenizer uses the pooled features.
 */
import type { Node } from '../../ir/node.ts';
import type { Params } from '../../nn/module.ts';
import { accuracy, crossEntropy } from '../../ops/index.ts';
import { cnnTeacher, type CnnTeacherParams } from './cnn.ts';
import type { CnnTeacherConfig } from './config.ts';

export interface TeacherLoss {
  /** Mean cross-entropy, a float32 scalar (differentiate this). */
  readonly loss: Node;
  /** Fraction of the batch classified correctly (no gradient). */
  readonly accuracy: Node;
}

/**
 * teacherLoss(cfg)(params, images NCHW [B, C, H, W], labels int32 [B]) as graph values. For
 * valueAndGrad take `.loss`; valueAndGradWithAux(f) with f = (p, x, y) => [r.loss, r.accuracy]
 * gives both from one forward pass.
 */
export const teacherLoss = (cfg: CnnTeacherConfig) => {
  const net = cnnTeacher(cfg);
  return (params: Params<CnnTeacherParams>, images: Node, labels: Node): TeacherLoss => {
    const { logits } = net.forward(params, images);
    return { loss: crossEntropy(logits, labels), accuracy: accuracy(logits, labels) };
  };
};
