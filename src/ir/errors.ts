import type { Shape } from './shape.ts';
import { showShape } from './shape.ts';

export type GraphErrorKind = 'shape' | 'dtype' | 'attr' | 'input' | 'tree' | 'backend' | 'nonfinite' | 'config';

/** Every error the DSL reports: which op, what it got, what was expected. */
export class GraphError extends Error {
  constructor(
    readonly kind: GraphErrorKind,
    readonly op: string,
    readonly detail: string,
    readonly inputs: readonly { shape: Shape; dtype: string }[] = [],
  ) {
    const got = inputs.length ? ` (inputs: ${inputs.map((i) => `${i.dtype}${showShape(i.shape)}`).join(', ')})` : '';
    super(`${op}: ${detail}${got}`);
    this.name = 'GraphError';
  }
}
