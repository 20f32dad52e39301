export * from './constants.ts';
export * from './elementwise.ts';
export * from './reduce.ts';
export * from './movement.ts';
export * from './indexing.ts';
export * from './linalg.ts';
export * from './functional.ts';
export * from './random.ts';
export type { Tensor, Node } from '../ir/node.ts';
