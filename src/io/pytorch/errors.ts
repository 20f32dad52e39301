import { ProblemsError } from '../problems.ts';

/** Anything wrong with a PyTorch checkpoint: its container, its pickle, or its tensors. */
export class CheckpointError extends ProblemsError {
  constructor(problems: readonly string[], source?: string) {
    super('cannot read PyTorch checkpoint', problems, source);
    this.name = 'CheckpointError';
  }
  withSource(source: string): CheckpointError { return new CheckpointError(this.problems, source); }
}
