import { detailflowSpecs } from './specs-detailflow.ts';
import { nnSpecs } from './specs-nn.ts';
import { opsSpecs } from './specs-ops.ts';
import type { SpecTable } from './spec.ts';

/** Every composite spec, keyed by the exported name it checks (the coverage law reads the keys). */
export const compositeSpecs: SpecTable = { ...opsSpecs, ...nnSpecs, ...detailflowSpecs };
