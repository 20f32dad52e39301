/** How often a classifier's predictions match the intended class labels, overall and per class. */
export interface ClassAccuracy {
  readonly count: number;
  readonly accuracy: number;
  /** Per class: how many samples asked for it, and the fraction classified as it (NaN when none). */
  readonly perClass: readonly { readonly count: number; readonly accuracy: number }[];
}

export const classAccuracy = (predicted: ArrayLike<number>, labels: ArrayLike<number>, classes: number): ClassAccuracy => {
  if (predicted.length !== labels.length) throw new RangeError(`classAccuracy: ${predicted.length} predictions for ${labels.length} labels`);
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`classAccuracy: classes must be a positive integer, got ${classes}`);
  const counts = new Float64Array(classes);
  const hits = new Float64Array(classes);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!(Number.isInteger(l) && l >= 0 && l < classes)) throw new RangeError(`classAccuracy: label ${l} at ${i} is outside 0..${classes - 1}`);
    counts[l]++;
    if (predicted[i] === l) { hits[l]++; correct++; }
  }
  return {
    count: labels.length,
    accuracy: labels.length ? correct / labels.length : NaN,
    perClass: Array.from(counts, (c, i) => ({ count: c, accuracy: c ? hits[i]! / c : NaN })),
  };
};

/** Class labels 0, 1, ..., classes-1, 0, 1, ...: `count` samples as balanced as the count allows. */
export const balancedLabels = (count: number, classes: number): Int32Array => Int32Array.from({ length: count }, (_, i) => i % classes);
