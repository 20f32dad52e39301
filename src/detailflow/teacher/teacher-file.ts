/**
 * The CNN teacher from a train-teacher checkpoint, platform-neutral: the configuration is read
 * from the metadata (strictly, within bounds) and every tensor is checked against the shapes it
 * implies, computed without allocating them.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { HostArray } from '../../ir/host-array.ts';
import { paramLayout } from '../../nn/layout.ts';
import { keyFromSeed } from '../../random/key.ts';
import type { Checkpoint } from '../../train/checkpoint.ts';
import { decodeModelCheckpoint, type ModelSpec } from '../../train/model-file.ts';
import type { Tree } from '../../tree/tree.ts';
import { cnnTeacher, type CnnTeacher } from './cnn.ts';
import { decodeCnnTeacherConfig } from './config.ts';

export const TEACHER_KIND = 'cnn-teacher';

export interface TeacherModel {
  readonly teacher: CnnTeacher;
  readonly params: Tree<HostArray>;
}

/** What the metadata implies: the network and its parameter shapes (nothing allocated). */
export const teacherSpec = (meta: Readonly<Record<string, unknown>>): E.Either<string, ModelSpec<CnnTeacher>> => {
  const cfg = decodeCnnTeacherConfig(meta.config);
  if (E.isLeft(cfg)) return E.left(`its configuration is invalid: ${cfg.left.problems.join('; ')}`);
  const teacher = cnnTeacher(cfg.right);
  return E.right({ model: teacher, trees: { params: paramLayout(() => teacher.init(keyFromSeed(0))) } });
};

export const decodeTeacherFile = (bytes: Uint8Array): E.Either<string, TeacherModel> => {
  const r = decodeModelCheckpoint(bytes, TEACHER_KIND, teacherSpec);
  return E.map(({ model, ck }: { model: CnnTeacher; ck: Checkpoint }) => ({ teacher: model, params: ck.trees.params! }))(r);
};
