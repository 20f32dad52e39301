export * from './optimizer.ts';
export * from './adam.ts';
export * from './clip.ts';
export * from './num.ts';
export * from './schedule.ts';
export * from './tree-math.ts';
export * from './train-step.ts';
