import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';

/**
 * A PRNG key: two 32-bit words, immutable. Randomness flows only through keys: every random
 * primitive takes one, and `split` derives independent child keys (there is no global state).
 */
export interface Key {
  readonly kind: 'key';
  readonly words: readonly [number, number];
  /** Present on a key of one data-parallel shard: see `shardKey`. */
  readonly shard?: Shard;
}

/** Shard `index` of `count` equal shards of a batch. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

const fmix32 = (h: number): number => {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

const mk = (a: number, b: number, shard?: Shard): Key => Object.freeze({
  kind: 'key' as const, words: Object.freeze([a >>> 0, b >>> 0]) as readonly [number, number], ...(shard ? { shard } : {}),
});

export const isKey = (x: unknown): x is Key => typeof x === 'object' && x !== null && (x as Key).kind === 'key';

export const keyFromSeed = (seed: number): Key => {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`keyFromSeed: seed must be a non-negative safe integer, got ${seed}`);
  return mk(fmix32(seed >>> 0 ^ 0x9e3779b9), fmix32(Math.floor(seed / 4294967296) ^ 0x7f4a7c15));
};

/** The i-th child of a key; children of distinct indices are independent streams (a shard's children stay that shard's). */
export const foldIn = (key: Key, i: number): Key => {
  const [a, b] = key.words;
  const x = fmix32(a ^ Math.imul(i + 1, 0x9e3779b9));
  const y = fmix32(b ^ fmix32(x + 0x632be5ab + i));
  return mk(fmix32(x ^ y), y, key.shard);
};

/**
 * The key of shard `index` of `count` in a data-parallel step. A traced draw of shape [n, ...]
 * from it (or from its children) yields rows [index n, (index + 1) n) of the draw of shape
 * [count n, ...] that the unsharded key makes, so per-example randomness depends on the example's
 * place in the whole batch, not on how the batch was split. Draws must therefore be batch-major
 * (leading axis over the shard's examples); a scalar draw is the same on every shard.
 */
export const shardKey = (key: Key, index: number, count: number): Key => {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`shardKey: need 0 <= index < count, got index ${index} of ${count}`);
  }
  if (key.shard) throw new RangeError('shardKey: the key is already a shard key');
  return mk(key.words[0], key.words[1], count === 1 ? undefined : { index, count });
};

export const split = (key: Key, n = 2): Key[] => Array.from({ length: n }, (_, i) => foldIn(key, i));

const generator = (key: Key) => {
  const [a, b] = key.words;
  const s: number[] = [fmix32(a), fmix32(b ^ 0xa5a5a5a5), fmix32(a + 0x3c6ef372), fmix32(b + 0xbb67ae85)];
  if (!s.some((w) => w !== 0)) s[0] = 1; // xoroshiro's all-zero state is a fixed point
  return xoroshiro128plusFromState(s);
};

/** `n` floats uniform on [0, 1) (24-bit resolution), a pure function of the key; `skip` drops that many first. */
export const uniformHost = (key: Key, n: number, skip = 0): Float32Array => {
  const g = generator(key);
  for (let i = 0; i < skip; i++) g.next();
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((g.next() >>> 8) & 0xffffff) / 16777216;
  return out;
};

/** `n` standard normal floats (Box-Muller), a pure function of the key; `skip` drops that many first. */
export const normalHost = (key: Key, n: number, skip = 0): Float32Array => {
  if (skip > 0) return normalHost(key, skip + n).slice(skip);
  const g = generator(key);
  const out = new Float32Array(n);
  const u = () => (((g.next() >>> 8) & 0xffffff) + 0.5) / 16777216;
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(u()));
    const th = 2 * Math.PI * u();
    out[i] = r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = r * Math.sin(th);
  }
  return out;
};

/** Uniform integer in [0, n) from a key (host side, for schedules and data order). */
export const randInt = (key: Key, n: number): number => {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`randInt: n must be a positive integer, got ${n}`);
  const g = generator(key);
  const hi = (g.next() >>> 0) * 2097152;
  const lo = (g.next() >>> 11) & 0x1fffff;
  return Math.floor(((hi + lo) / 9007199254740992) * n);
};
