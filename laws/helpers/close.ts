import type { HostArray } from '../../src/ir/host-array.ts';

/** Largest |a - b| / (atol + rtol |b|); <= 1 means close. */
export const closeness = (a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number): number => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / (atol + rtol * Math.abs(b[i]));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
};

export const assertClose = (got: HostArray, want: HostArray, atol: number, rtol: number, what = ''): void => {
  if (got.shape.join() !== want.shape.join()) throw new Error(`${what}: shape [${got.shape}] vs [${want.shape}]`);
  const c = closeness(got.data, want.data, atol, rtol);
  if (c > 1) {
    const i = [...got.data].findIndex((v, j) => Math.abs(v - want.data[j]) > atol + rtol * Math.abs(want.data[j]) || Number.isNaN(v));
    throw new Error(`${what}: not close (worst ratio ${c.toFixed(3)}; first at ${i}: ${got.data[i]} vs ${want.data[i]}; atol ${atol}, rtol ${rtol})`);
  }
};

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
