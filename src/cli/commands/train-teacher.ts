import { classifierCommand } from '../classifier-training.ts';
import { decodeCnnTeacherConfig } from '../../detailflow/teacher/config.ts';
import { cnnTeacher } from '../../detailflow/teacher/cnn.ts';
import { teacherLoss } from '../../detailflow/teacher/objective.ts';
import { TEACHER_KIND } from '../../detailflow/teacher/teacher-file.ts';
import { adam } from '../../train/adam.ts';
import { warmupCosine } from '../../train/schedule.ts';

const usage = `detailflow train-teacher [--config file.json] [--data DIR] --out RUN_DIR [--steps S] [--backend B] [--resume | --force] [--seed N]

Trains the small CNN teacher whose pooled features the tokenizer's first token is aligned to
(a local stand-in for SigLIP2), on the training split; prints its test accuracy. The config
file holds CnnTeacherConfig fields (size, channels, width, classes, lr, batchSize, steps).
Writes RUN_DIR/teacher.safetensors (previous kept as .prev) and RUN_DIR/log.jsonl. --resume
continues a run (from .prev when the checkpoint is damaged); a RUN_DIR that holds a run is refused
without --resume, and --force moves that run into RUN_DIR/previous-<n>/ first.`;

const KIND = TEACHER_KIND;

export const trainTeacherCommand = classifierCommand({
  name: 'train-teacher',
  summary: 'train the CNN teacher used for first-token alignment',
  usage, label: 'teacher', kind: KIND, defaultSeed: 0, checkpointEvery: 200, flip: true,
  decode: decodeCnnTeacherConfig,
  build: (cfg) => {
    const net = cnnTeacher(cfg);
    const loss = teacherLoss(cfg);
    return {
      init: (key) => net.init(key),
      logits: (p, x) => net.forward(p, x).logits,
      loss: (p, x, y) => { const r = loss(p, x, y); return [r.loss, r.accuracy]; },
      optimizer: adam({ lr: warmupCosine({ peak: cfg.lr, warmupSteps: Math.round(cfg.steps * 0.05), totalSteps: cfg.steps, floor: cfg.lr * 0.05 }) }) as never,
    };
  },
});
