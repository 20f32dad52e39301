/**
 * Experiments: the measurements that put the models and the metrics together. They sit above
 * both detailflow/ (the models) and eval/ (the metrics, which know nothing of DetailFlow).
 */
export { evaluateReconstruction, type ReconstructionEval } from './reconstruction-eval.ts';
export { evaluateGeneration, type GenerationEval } from './generation-eval.ts';
export { type ReconReport, noisySpans, reconReport } from './recon-report.ts';
export { type VariantRow, type ScoreInputs, samplingSpeed, scoreVariant } from './score-variant.ts';
export { formatCompareTable } from './compare-table.ts';
