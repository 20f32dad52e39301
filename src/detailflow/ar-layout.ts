/**
 * The AR model's training sequence layout (gpt.py Transformer.forward), generic in g and C:
 * position 0 is the class token, positions 1..C hold tokens 0..C-1, positions C+1..C+g-1 hold
 * the g-1 learned `spe` placeholders, and every position p >= C+g holds token p-g (the previous
 * group, shifted). Position p always predicts token p. Used by the mask laws (no leak).
 */
export interface LayoutOpts {
  readonly group: number;
  readonly causal: number;
}

/** The token index held at sequence position p, or -1 for the class token and placeholders. */
export const tokenAtPosition = (p: number, o: LayoutOpts): number => {
  if (p === 0) return -1;
  if (p <= o.causal) return p - 1;
  if (p < o.causal + o.group) return -1;
  return p - o.group;
};

/** The token predicted by the logit at position p. */
export const predictedAt = (p: number): number => p;
