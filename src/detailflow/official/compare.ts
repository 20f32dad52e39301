/**
 * Comparing a computed tensor with a fixture output: max absolute difference for floats (with a
 * tolerance per output), exact equality for integer outputs (codes, tokens, masks).
 */
import type { HostData } from '../../ir/dtype.ts';
import type { StoredTensor } from '../../io/safetensors.ts';

export interface OutputCheck {
  readonly name: string;
  readonly shape: readonly number[];
  readonly kind: 'float' | 'exact';
  /** Floats: the max |ours - reference|; exact: the number of differing entries. */
  readonly maxAbsDiff: number;
  readonly mismatches: number;
  readonly tolerance: number;
  readonly ok: boolean;
  readonly note?: string;
}

export interface ReferenceReport {
  readonly fixture: string;
  readonly kind: 'tokenizer' | 'ar';
  readonly backend: string;
  readonly weights: string;
  readonly outputs: readonly OutputCheck[];
  readonly ok: boolean;
}

/** Per-output float tolerances (absolute); anything not listed uses the default. */
export const FLOAT_TOLERANCE = 1e-4;
export const toleranceOf = (name: string): number =>
  name.endsWith('train_loss') ? 1e-5 : name.endsWith('freqs_cis') ? 1e-5 : FLOAT_TOLERANCE;

export const compareOutput = (name: string, want: StoredTensor, got: HostData | ArrayLike<number>, shape: readonly number[], note?: string): OutputCheck => {
  const exact = want.dtype !== 'float32';
  const sameShape = shape.length === want.shape.length && shape.every((d, i) => d === want.shape[i]);
  const tolerance = exact ? 0 : toleranceOf(name);
  if (!sameShape || got.length !== want.data.length) {
    return { name, shape: want.shape, kind: exact ? 'exact' : 'float', maxAbsDiff: Infinity, mismatches: want.data.length, tolerance, ok: false, note: `shape [${shape}] instead of [${want.shape}]` };
  }
  let maxAbsDiff = 0;
  let mismatches = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(Number(got[i]) - Number(want.data[i]));
    if (!(d <= maxAbsDiff)) maxAbsDiff = Number.isNaN(d) ? Infinity : Math.max(maxAbsDiff, d);
    if (exact ? d !== 0 : !(d <= tolerance)) mismatches++;
  }
  return { name, shape: want.shape, kind: exact ? 'exact' : 'float', maxAbsDiff, mismatches, tolerance, ok: mismatches === 0, ...(note ? { note } : {}) };
};

export const formatReport = (r: ReferenceReport): string => {
  const width = Math.max(...r.outputs.map((o) => o.name.length));
  const rows = r.outputs.map((o) => {
    const what = o.kind === 'exact' ? (o.mismatches === 0 ? 'exact' : `${o.mismatches} of ${o.shape.reduce((a, b) => a * b, 1)} differ`)
      : `max |diff| ${o.maxAbsDiff.toExponential(2)} (tol ${o.tolerance.toExponential(0)})`;
    return `  ${o.ok ? 'ok  ' : 'FAIL'} ${o.name.padEnd(width)}  [${o.shape.join(',')}]  ${what}${o.note ? `  (${o.note})` : ''}`;
  });
  return [`${r.fixture}: ${r.kind} fixture, weights from ${r.weights}, backend ${r.backend}`, ...rows,
    r.ok ? `ok: all ${r.outputs.length} outputs match` : `FAILED: ${r.outputs.filter((o) => !o.ok).length} of ${r.outputs.length} outputs differ`].join('\n');
};
