/** Teachers for DetailFlow's alignment and perceptual terms: the interface, the CNN, precomputed features. */
export {
  type AnyNetworkTeacher, type NetworkTeacher, type PrecomputedTeacher, type Teacher, type TeacherFeatures,
  alignmentTarget, freeze, frozenFeatures, hasMaps, teacherArg,
} from './teacher.ts';
export { TeacherError } from './errors.ts';
export { CnnTeacherConfigCodec, cnnFeatureDim, cnnTeacherDefaults, decodeCnnTeacherConfig, type CnnTeacherConfig } from './config.ts';
export { cnnTeacher, type CnnForward, type CnnTeacher, type CnnTeacherParams } from './cnn.ts';
export { PERCEPTUAL_EPS, perceptualDistance, perceptualDistances } from './perceptual.ts';
export { teacherLoss, type TeacherLoss } from './objective.ts';
export { decodePrecomputedTeacher, encodePrecomputedFeatures, type PrecomputedOptions } from './precomputed.ts';
