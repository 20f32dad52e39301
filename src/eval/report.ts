/**
 * The figures `detailflow eval` reports, and their text form. Every figure names the number of
 * images it was measured on, since FD in particular is biased by the sample count.
 */
import type { PrecisionRecall } from './precision-recall.ts';

export interface ReconstructionFigures {
  readonly images: number;
  readonly rfd: number;
  readonly psnr: number;
  readonly secondsPerImage: number;
  readonly precisionRecall?: PrecisionRecall;
}

export interface GenerationFigures {
  readonly samples: number;
  /** Against this many test images. */
  readonly reference: number;
  readonly gfd: number;
  readonly classAccuracy: number;
  readonly perClassAccuracy: readonly number[];
  readonly samplesPerClass: readonly number[];
  readonly secondsPerImage: number;
  readonly passes: number;
  readonly sampling: Readonly<Record<string, number>>;
  readonly precisionRecall?: PrecisionRecall;
}

/**
 * The metric's floor: FD between two disjoint sets of real images of the same size (the first
 * training images against the test images), so that a reader knows what an rFD or gFD of "as
 * good as real data" reads at this sample count.
 */
export interface FloorFigures {
  readonly fd: number;
  /** Training images against this many test images. */
  readonly images: number;
}

export interface EvalReport {
  readonly backend: string;
  readonly seed: number;
  readonly tokenizer: string;
  readonly evaluator: { readonly file: string; readonly referenceAccuracy: number; readonly referenceImages: number; readonly featureDim: number };
  readonly reconstruction: ReconstructionFigures;
  readonly floor?: FloorFigures;
  readonly ar?: string;
  readonly generation?: GenerationFigures;
}

const pr = (p: PrecisionRecall): string =>
  `precision ${p.precision.toFixed(3)}, recall ${p.recall.toFixed(3)} (k = ${p.k}; ${p.generated} vs ${p.real} images)`;

const ms = (s: number): string => `${(s * 1000).toFixed(1)} ms per image`;

export const formatEvalReport = (r: EvalReport): string[] => {
  const rec = r.reconstruction;
  const lines = [
    `eval (${r.backend}, seed ${r.seed}): tokenizer ${r.tokenizer}; evaluator ${r.evaluator.file} (${r.evaluator.featureDim}-d features; `
      + `${(r.evaluator.referenceAccuracy * 100).toFixed(2)}% accurate on the ${r.evaluator.referenceImages} test images)`,
    `reconstruction (all tokens, full size), ${rec.images} test images: rFD ${rec.rfd.toFixed(3)} (${rec.images} reconstructions vs ${rec.images} originals), `
      + `PSNR ${rec.psnr.toFixed(2)} dB (mean of ${rec.images}), ${ms(rec.secondsPerImage)}`,
    ...(rec.precisionRecall ? [`  reconstructions: ${pr(rec.precisionRecall)}`] : []),
    ...(r.floor ? [`floor of the metric: FD ${r.floor.fd.toFixed(3)} between ${r.floor.images} training images and the ${r.floor.images} test images (real against real: what 0 reads as here)`] : []),
  ];
  const g = r.generation;
  if (!g) return lines;
  const sampling = Object.entries(g.sampling).map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    ...lines,
    `generation with ${r.ar} (${sampling}), ${g.samples} class-balanced samples: gFD ${g.gfd.toFixed(3)} (${g.samples} samples vs ${g.reference} test images), `
      + `class accuracy ${(g.classAccuracy * 100).toFixed(2)}% (of ${g.samples}), ${ms(g.secondsPerImage)} (${g.passes} forward passes each)`,
    `  per class (accuracy of samples asked for it): ${g.perClassAccuracy.map((a, i) => `${i}: ${Number.isNaN(a) ? '-' : `${(a * 100).toFixed(0)}%`} of ${g.samplesPerClass[i]}`).join(', ')}`,
    ...(g.precisionRecall ? [`  samples: ${pr(g.precisionRecall)}`] : []),
  ];
};
