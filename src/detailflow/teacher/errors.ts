import { ProblemsError } from '../../io/problems.ts';

/** A teacher input that cannot be used (a precomputed-features file, a batch's indices), every problem listed. */
export class TeacherError extends ProblemsError {
  constructor(problems: readonly string[], source?: string) {
    super('unusable teacher features', problems, source);
    this.name = 'TeacherError';
  }
  withSource(source: string): TeacherError { return new TeacherError(this.problems, source); }
}
