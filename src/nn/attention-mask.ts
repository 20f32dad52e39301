import type { Node } from '../ir/node.ts';
import { constant } from '../ops/index.ts';
import { GraphError } from '../ir/errors.ts';

/**
 * Causal mask [tq, tk] (true = may attend): query i sits at absolute position offset + i and
 * sees keys 0..offset+i. With a KV cache, tk = offset + tq; without one offset = 0 and tk = tq.
 */
export const causalMask = (tq: number, tk = tq, offset = tk - tq): Node => {
  if (!Number.isInteger(tq) || !Number.isInteger(tk) || tq < 1 || tk < 1 || offset < 0) {
    throw new GraphError('attr', 'causalMask', `need positive lengths and offset >= 0, got tq=${tq} tk=${tk} offset=${offset}`);
  }
  const data = new Uint8Array(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = 0; j < tk && j <= offset + i; j++) data[i * tk + j] = 1;
  return constant(data, [tq, tk]);
};

/**
 * Block-causal mask from per-position group ids (e.g. DetailFlow's resolution groups): position i
 * may attend j when group[j] <= group[i]. Groups must be non-decreasing for this to be causal.
 */
export const groupCausalMask = (groups: readonly number[]): Node => {
  const t = groups.length;
  const data = new Uint8Array(t * t);
  for (let i = 0; i < t; i++) for (let j = 0; j < t; j++) data[i * t + j] = groups[j] <= groups[i] ? 1 : 0;
  return constant(data, [t, t]);
};
