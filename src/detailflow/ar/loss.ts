import { GraphError } from '../../ir/errors.ts';
import type { Node } from '../../ir/node.ts';
import { accuracy, bernoulli, crossEntropy, splitKey, where } from '../../ops/index.ts';
import type { Params } from '../../nn/module.ts';
import type { ArModel, ArParams } from './model.ts';

/**
 * One training batch of extracted codes (extract_codes_c2i): class ids [B] and clean codes
 * [B, N]; with self-correction, also the stored triple's corrupted input and its label [B, N].
 */
export interface ArBatch {
  readonly classes: Node;
  readonly clean: Node;
  readonly input?: Node;
  readonly label?: Node;
}

export interface ArLossOptions {
  /** Probability that a sample's class is replaced by the null class; default 0.1 (the reference). */
  readonly labelDropout?: number;
  /** Probability that a sample uses its correction (input, label) pair; default 0.3 (--correction-prob). */
  readonly correctionProb?: number;
}

/** The reference's AR training settings (train_c2i.py, ar_l.yaml), for the training command. */
export const arTrainDefaults = {
  lr: 1e-4, b1: 0.9, b2: 0.95, weightDecay: 0.05, clip: 1, emaDecay: 0.9999,
  /** Warmup over 5% of the steps from 0.005 lr to lr, then cosine down to 0.01 lr. */
  warmupFraction: 0.05, warmupStartFactor: 0.005, floorFactor: 0.01,
  labelDropout: 0.1, correctionProb: 0.3,
} as const;

/**
 * Cross-entropy over all N positions (mean over B x N), with per-sample label dropout and
 * per-sample correction triples, all drawn from `key` inside the graph. The model runs in
 * training mode (its dropouts active). Returns [loss, { accuracy }] for stepFnWithAux.
 */
export const arLoss = (model: ArModel, opts: ArLossOptions = {}) => {
  const c = model.config;
  const drop = opts.labelDropout ?? 0.1;
  const corr = opts.correctionProb ?? 0.3;
  if (!(drop >= 0 && drop < 1 && corr >= 0 && corr <= 1)) throw new GraphError('attr', 'arLoss', `need labelDropout in [0, 1) and correctionProb in [0, 1], got ${drop} and ${corr}`);
  if (drop > 0 && !c.nullClass) throw new GraphError('attr', 'arLoss', 'label dropout needs the null class (nullClass: true) to replace dropped labels with');
  return (params: Params<ArParams>, batch: ArBatch, key: Node): [Node, { accuracy: Node }] => {
    const B = batch.classes.shape[0];
    const classes = drop > 0 ? where(bernoulli(splitKey(key, 0), drop, [B]), c.classes, batch.classes) : batch.classes;
    let inputs = batch.clean;
    let targets = batch.clean;
    if (corr > 0 && batch.input && batch.label) {
      const use = bernoulli(splitKey(key, 1), corr, [B, 1]);
      inputs = where(use, batch.input, batch.clean);
      targets = where(use, batch.label, batch.clean);
    }
    const logits = model.apply(params, classes, inputs, { train: true, key: splitKey(key, 2) });
    return [crossEntropy(logits, targets), { accuracy: accuracy(logits, targets) }];
  };
};
