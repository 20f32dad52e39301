import { classifierCommand } from '../classifier-training.ts';
import { EVALUATOR_KIND } from '../../eval/evaluator/evaluator-file.ts';
import { decodeEvaluatorConfig } from '../../eval/evaluator/config.ts';
import { evaluatorNetwork } from '../../eval/evaluator/network.ts';
import { evaluatorLoss } from '../../eval/evaluator/objective.ts';
import { adamw } from '../../train/adam.ts';
import { warmupCosine } from '../../train/schedule.ts';

const usage = `detailflow train-evaluator [--config file.json] [--data DIR] --out RUN_DIR [--steps S] [--backend B] [--resume | --force] [--seed N]

Trains the metric network (a small CNN classifier, independent of the tokenizer's teacher) on
the training split; its dense embedding gives the Frechet distance and precision/recall of
'detailflow eval', its predictions the class accuracy of conditional samples. Prints its test
accuracy. The config file holds EvaluatorConfig fields (size, channels, width, features,
classes, lr, weightDecay, batchSize, steps). --seed defaults to 1 (the teacher's is 0).
Writes RUN_DIR/evaluator.safetensors (previous kept as .prev) and RUN_DIR/log.jsonl; ship it
with 'detailflow export --in RUN_DIR/evaluator.safetensors --out models/evaluator.safetensors'.
--resume continues a run (from .prev when the checkpoint is damaged); a RUN_DIR that holds a run
is refused without --resume, and --force moves that run into RUN_DIR/previous-<n>/ first.`;

export const trainEvaluatorCommand = classifierCommand({
  name: 'train-evaluator',
  summary: 'train the metric network used by eval (FD, precision/recall, class accuracy)',
  // no flips: the metric should see images as the dataset has them
  usage, label: 'evaluator', kind: EVALUATOR_KIND, defaultSeed: 1, checkpointEvery: 250, flip: false,
  decode: decodeEvaluatorConfig,
  build: (cfg) => {
    const net = evaluatorNetwork(cfg);
    const loss = evaluatorLoss(cfg);
    return {
      init: (key) => net.init(key),
      logits: (p, x) => net.apply(p, x).logits,
      loss: (p, x, y) => loss(p, x, y),
      optimizer: adamw({
        lr: warmupCosine({ peak: cfg.lr, warmupSteps: Math.round(cfg.steps * 0.05), totalSteps: cfg.steps, floor: cfg.lr * 0.02 }),
        weightDecay: cfg.weightDecay,
      }) as never,
    };
  },
});
