import { ProblemsError } from '../io/problems.ts';

/** A dataset that cannot be read or used: every problem, each naming the file or field. */
export class DataError extends ProblemsError {
  constructor(problems: readonly string[], source?: string) {
    super('cannot load dataset', problems, source);
    this.name = 'DataError';
  }
  withSource(source: string): DataError { return new DataError(this.problems, source); }
}
