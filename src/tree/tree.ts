import { GraphError } from '../ir/errors.ts';

/**
 * Parameter trees: nested records and arrays whose leaves are values of one kind
 * (graph nodes while tracing, device arrays at run time). Trees are never mutated.
 */
export type Tree<L> = L | readonly Tree<L>[] | { readonly [k: string]: Tree<L> };

/** The structure of a tree without its leaves; records are walked in sorted key order. */
export type TreeDef =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'array'; readonly children: readonly TreeDef[] }
  | { readonly kind: 'record'; readonly keys: readonly string[]; readonly children: readonly TreeDef[] };

const isPlainRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;

/** Flattens a tree; `isLeaf` decides what counts as a leaf, anything else that is not a container is an error. */
export const flatten = <L>(tree: Tree<L>, isLeaf: (x: unknown) => x is L, what = 'tensor'): { leaves: L[]; def: TreeDef; paths: string[] } => {
  const leaves: L[] = [];
  const paths: string[] = [];
  const go = (t: unknown, path: string): TreeDef => {
    if (isLeaf(t)) { leaves.push(t); paths.push(path || '.'); return { kind: 'leaf' }; }
    if (Array.isArray(t)) return { kind: 'array', children: t.map((c, i) => go(c, `${path}[${i}]`)) };
    if (isPlainRecord(t)) {
      const keys = Object.keys(t).sort();
      return { kind: 'record', keys, children: keys.map((k) => go(t[k], path ? `${path}.${k}` : k)) };
    }
    const shown = t === null ? 'null' : typeof t === 'object' ? (t as object).constructor?.name ?? 'object' : typeof t;
    throw new GraphError('tree', 'tree', `leaf at ${path || '.'} is a ${shown}, not a ${what}; parameter trees hold only ${what}s in records and arrays`);
  };
  const def = go(tree, '');
  return { leaves, def, paths };
};

export const unflatten = <L>(def: TreeDef, leaves: readonly L[]): Tree<L> => {
  let i = 0;
  const go = (d: TreeDef): Tree<L> => {
    switch (d.kind) {
      case 'leaf': return leaves[i++];
      case 'array': return Object.freeze(d.children.map(go));
      case 'record': return Object.freeze(Object.fromEntries(d.keys.map((k, j) => [k, go(d.children[j])])));
    }
  };
  const out = go(def);
  if (i !== leaves.length) throw new GraphError('tree', 'unflatten', `structure has ${i} leaves but ${leaves.length} were given`);
  return out;
};

export const sameDef = (a: TreeDef, b: TreeDef): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Maps leaves of one or more trees with the same structure. */
export const mapTree = <A, B>(isLeaf: (x: unknown) => x is A, f: (x: A, path: string) => B, tree: Tree<A>): Tree<B> => {
  const { leaves, def, paths } = flatten(tree, isLeaf);
  return unflatten(def, leaves.map((l, i) => f(l, paths[i])));
};

export const zipTrees = <A, B>(isLeaf: (x: unknown) => x is A, f: (xs: A[], path: string) => B, trees: readonly Tree<A>[]): Tree<B> => {
  const flat = trees.map((t) => flatten(t, isLeaf));
  flat.forEach((f2, j) => {
    if (!sameDef(f2.def, flat[0].def)) throw new GraphError('tree', 'zipTrees', `tree ${j} has a different structure from tree 0`);
  });
  return unflatten(flat[0].def, flat[0].leaves.map((_, i) => f(flat.map((t) => t.leaves[i]), flat[0].paths[i])));
};

/** The leaf paths of a structure, in flatten's order (as flatten would name them). */
export const pathsOf = (def: TreeDef): string[] => {
  const out: string[] = [];
  const go = (d: TreeDef, path: string): void => {
    if (d.kind === 'leaf') out.push(path || '.');
    else if (d.kind === 'array') d.children.forEach((c, i) => go(c, `${path}[${i}]`));
    else d.children.forEach((c, i) => go(c, path ? `${path}.${d.keys[i]}` : d.keys[i]));
  };
  go(def, '');
  return out;
};
