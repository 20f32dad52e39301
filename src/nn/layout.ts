/**
 * From host arrays to a model's parameter type, checked. The layout of a parameter type is its
 * tree with every parameter's shape and dtype, traced from the model's init without allocating
 * (`initSpecs`); a host tree with exactly that layout is a value of the type. Checkpoint loaders
 * and in-memory fits reading a trainer's state back narrow with `holds` instead of casting.
 */
import { isHostArray, type HostArray } from '../ir/host-array.ts';
import { flatten, sameDef, type Tree } from '../tree/tree.ts';
import { initSpecs, type ParamSpec } from './init.ts';

const isPlainRecord = (x: unknown): x is Readonly<Record<string, unknown>> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;

/** Whether `x` is a tree of host arrays: host arrays in plain records and arrays (what `flatten` accepts as one). */
export const isHostTree = (x: unknown): x is Tree<HostArray> =>
  isHostArray(x) || (Array.isArray(x) ? x.every(isHostTree) : isPlainRecord(x) && Object.values(x).every(isHostTree));

/** A host array or a bare shape and dtype (what `initSpecs` gives). */
const isSpec = (x: unknown): x is HostArray | ParamSpec =>
  typeof x === 'object' && x !== null && Array.isArray((x as ParamSpec).shape) && typeof (x as ParamSpec).dtype === 'string';

/**
 * Every way `tree` differs from the expected one, tensors named `group/path`: a missing group,
 * missing and unexpected tensors, wrong shapes and dtypes, then containers without parameters
 * (empty records or lists) that are not where the expected tree has them.
 */
export const layoutProblems = (expected: Tree<HostArray | ParamSpec>, tree: unknown, group: string): string[] => {
  if (tree === undefined) return [`missing parameter group '${group}'`];
  if (!isHostTree(tree)) return [`parameter group '${group}' is not a tree of arrays`];
  const want = flatten(expected, isSpec, 'parameter');
  const have = flatten(tree, isHostArray, 'host array');
  const problems: string[] = [];
  const got = new Map(have.paths.map((p, i) => [p, have.leaves[i]]));
  want.paths.forEach((p, i) => {
    const g = got.get(p);
    const w = want.leaves[i];
    if (!g) problems.push(`missing tensor '${group}/${p}' (expected ${w.dtype} [${w.shape.join(', ')}])`);
    else if (g.dtype !== w.dtype || g.shape.join() !== w.shape.join()) {
      problems.push(`tensor '${group}/${p}' is ${g.dtype} [${g.shape.join(', ')}], expected ${w.dtype} [${w.shape.join(', ')}]`);
    }
    got.delete(p);
  });
  for (const p of got.keys()) problems.push(`unexpected tensor '${group}/${p}'`);
  if (problems.length === 0 && !sameDef(want.def, have.def)) {
    problems.push(`parameter group '${group}' has the expected tensors, but its records and lists are not arranged as expected (empty ones, or keys with dots)`);
  }
  return problems;
};

/** The layout of the parameter type H: the tree of every parameter's shape and dtype, and the check that narrows to H. */
export interface ParamLayout<H> {
  readonly specs: Tree<ParamSpec>;
  /**
   * Whether `tree` is a tree of host arrays with exactly this layout (paths, shapes, dtypes and
   * structure), and so an H; every difference is pushed onto `problems`, tensors named `group/path`.
   */
  holds(tree: unknown, problems?: string[], group?: string): tree is H;
}

/** The layout of what `init` makes, traced without allocating (the key it closes over does not matter). */
export const paramLayout = <H>(init: () => H): ParamLayout<H> => {
  const specs = initSpecs(init);
  return {
    specs,
    holds: (tree, problems = [], group = 'params'): tree is H => {
      const found = layoutProblems(specs, tree, group);
      problems.push(...found);
      return found.length === 0;
    },
  };
};
