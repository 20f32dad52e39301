import { hostArray, type HostArray } from '../../ir/host-array.ts';
import { BLOCKED_BIAS } from '../masks.ts';
import { sequenceLayout } from '../ar-layout.ts';
import { partitionOf } from '../partition-config.ts';
import { headDimOf, type ArConfig } from './config.ts';
import { tokenSpan } from './layout.ts';
import { passRows } from './pass-mask.ts';
import { ropeTables } from './rope-2d.ts';

/**
 * The data that places a pass [from, to) in the fixed-length cache of N positions (the model's
 * Placement, on the host): RoPE rows cos and sin [T, Dh], the mask rows against all N cache rows
 * as a bias [T, N] (positions not yet written, and later ones, blocked), and the placement [T, N]
 * (row i has its 1 at column from + i).
 */
export interface PlacementData {
  readonly cos: HostArray;
  readonly sin: HostArray;
  readonly bias: HostArray;
  readonly place: HostArray;
}

export const placementOf = (c: ArConfig, from: number, to: number): PlacementData => {
  const N = c.tokens;
  const T = to - from;
  const dh = headDimOf(c);
  const { cos, sin } = ropeTables(from, to, c);
  const rows = passRows(from, to, partitionOf(c));
  const bias = new Float32Array(T * N).fill(BLOCKED_BIAS);
  rows.forEach((row, i) => row.forEach((ok, j) => { if (ok) bias[i * N + j] = 0; }));
  const place = new Float32Array(T * N);
  for (let i = 0; i < T; i++) place[i * N + from + i] = 1;
  return {
    cos: hostArray(cos, [T, dh]), sin: hostArray(sin, [T, dh]),
    bias: hostArray(bias, [T, N]), place: hostArray(place, [T, N]),
  };
};

/**
 * What the graph of a placed pass depends on: its width, the tokens it is fed, and what each of
 * its positions holds (the class, placeholder k, or held token j counted from the first fed one).
 * Passes with equal shapes share one compiled graph: for DetailFlow, every strict pass after the
 * first is one shape, and every parallel pass after the first parallel one another.
 */
export const placedShapeOf = (c: ArConfig, from: number, to: number): string => {
  const p = partitionOf(c);
  const held = sequenceLayout(p);
  const span = tokenSpan(from, to, p);
  const at = held.slice(from, to).map((h) => (h.kind === 'class' ? 'c' : h.kind === 'placeholder' ? `p${h.index}` : `t${h.token - span.start}`));
  return `${to - from}/${span.end - span.start}/${at.join(',')}`;
};
