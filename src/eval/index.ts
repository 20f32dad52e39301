/** Evaluation: PSNR, feature moments, Frechet distance, precision/recall, class accuracy, the metric network. */
export { psnrExpr } from './psnr.ts';
export { clampImages } from './clamp.ts';
export { addRows, emptyStats, gaussianOf, mergeStats, statsOf, type FeatureStats, type Gaussian } from './feature-stats.ts';
export { symmetricEigen, type SymmetricEigen } from './symmetric-eigen.ts';
export { matmulSquare, sqrtPsd, traceSqrtProduct } from './matrix-sqrt.ts';
export { frechetDistance } from './frechet.ts';
export { PR_NEIGHBOURS, knnRadiiSquared, precisionRecall, type PrecisionRecall } from './precision-recall.ts';
export { balancedLabels, classAccuracy, type ClassAccuracy } from './class-accuracy.ts';
export { formatEvalReport, type EvalReport, type GenerationFigures, type ReconstructionFigures } from './report.ts';
export * from './evaluator/index.ts';
