/** The metric network: configuration, network, training objective, checkpoint bytes, batched readout. */
export { EvaluatorConfigCodec, decodeEvaluatorConfig, evaluatorDefaults, type EvaluatorConfig } from './config.ts';
export { evaluatorNetwork, type Evaluator, type EvaluatorOutputs, type EvaluatorParams } from './network.ts';
export { evaluatorLoss } from './objective.ts';
export { EVALUATOR_KIND, decodeEvaluatorFile, type EvaluatorModel } from './evaluator-file.ts';
export {
  extractFeatureSet, featureCollector, featureExtractor, imageBatch,
  type EvaluatorReadout, type FeatureExtractor, type FeatureSet,
} from './features.ts';
