/**
 * The codes file (extract_codes_c2i's output): for every image and its horizontal flip, the
 * clean token indices, the self-correction input and label (reference section 4.4), the noise
 * span and the class id, as int32 safetensors with the tokenizer's shape in the metadata. The AR
 * trainer reads only this file, so it is checked completely on read.
 */
import * as E from 'fp-ts/lib/Either.js';
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import { spanProblems } from '../partition-config.ts';
import { checkTensors, decodeSafetensors, encodeSafetensors, SafetensorsError } from '../../io/safetensors.ts';

export const CODES_FORMAT = 'detailflow-codes/1';

/** What the codes must agree on with the AR model: the tokenizer's codebook, N, g and C. */
export interface CodesShape {
  readonly codebookSize: number;
  readonly tokens: number;
  readonly group: number;
  readonly causal: number;
  /** The tokenizer's explicit partition (span sizes); absent: DetailFlow's (C ones, then groups of g). */
  readonly spans?: readonly number[];
}

export interface Codes {
  readonly shape: CodesShape;
  /** The tokenizer checkpoint the codes came from. */
  readonly source: string;
  /** Rows M; every array is row-major int32. */
  readonly count: number;
  /** [M, N] each. */
  readonly clean: Int32Array;
  readonly input: Int32Array;
  readonly label: Int32Array;
  /** [M, 2]: the noise span [s, e) of each row. */
  readonly spans: Int32Array;
  /** [M]. */
  readonly classes: Int32Array;
}

export const encodeCodes = (c: Codes): Uint8Array => {
  const N = c.shape.tokens;
  const t = (data: Int32Array, shape: number[]): HostArray => hostArray(data, shape);
  return encodeSafetensors(
    { clean: t(c.clean, [c.count, N]), input: t(c.input, [c.count, N]), label: t(c.label, [c.count, N]), spans: t(c.spans, [c.count, 2]), classes: t(c.classes, [c.count]) },
    {
      format: CODES_FORMAT, codebookSize: String(c.shape.codebookSize), tokens: String(c.shape.tokens),
      group: String(c.shape.group), causal: String(c.shape.causal), source: c.source, count: String(c.count),
      // only an explicit partition writes the key, so DetailFlow's files stay byte-identical
      ...(c.shape.spans ? { spans: c.shape.spans.join(',') } : {}),
    },
  );
};

const positiveInt = (md: Readonly<Record<string, string>>, k: string, problems: string[]): number => {
  const v = Number(md[k]);
  if (md[k] === undefined || !Number.isInteger(v) || v < 1) problems.push(`metadata '${k}': expected a positive integer, got ${md[k] ?? 'nothing'}`);
  return v;
};

/** Every value of `data` in [0, hi); names the first offender. */
const rangeProblem = (name: string, data: Int32Array, hi: number): string | null => {
  const bad = data.findIndex((v) => v < 0 || v >= hi);
  return bad < 0 ? null : `tensor '${name}': value ${data[bad]} at element ${bad} is outside 0..${hi - 1}`;
};

/** Decodes and validates: format, metadata, shapes and dtypes, index ranges, spans and the triple invariants. */
export const decodeCodes = (bytes: Uint8Array): E.Either<SafetensorsError, Codes> => {
  const decoded = decodeSafetensors(bytes);
  if (E.isLeft(decoded)) return decoded;
  const md = decoded.right.metadata;
  const problems: string[] = [];
  if (md.format !== CODES_FORMAT) return E.left(new SafetensorsError([`not a detailflow codes file (format '${md.format ?? 'none'}', expected '${CODES_FORMAT}')`]));
  const [V, N, g, C, M] = ['codebookSize', 'tokens', 'group', 'causal', 'count'].map((k) => positiveInt(md, k, problems));
  if (problems.length) return E.left(new SafetensorsError(problems));
  const spanSizes = md.spans === undefined ? undefined : md.spans.split(',').map(Number);
  if (spanSizes !== undefined) {
    const bad = spanProblems({ tokens: N, group: g, causal: C, spans: spanSizes });
    if (spanSizes.some((s) => !Number.isInteger(s))) problems.push(`metadata 'spans': expected comma-separated integers, got ${md.spans}`);
    else problems.push(...bad.map((p) => `metadata 'spans': ${p}`));
  } else if (N % g !== 0 || C % g !== 0 || C > N) problems.push(`metadata: tokens ${N}, group ${g}, causal ${C} are inconsistent (g must divide N and C, C <= N)`);
  const i32 = (shape: number[]) => ({ shape, dtype: 'int32' as const });
  const checked = checkTensors(decoded.right, { clean: i32([M, N]), input: i32([M, N]), label: i32([M, N]), spans: i32([M, 2]), classes: i32([M]) });
  if (E.isLeft(checked)) return checked;
  const get = (k: string) => decoded.right.tensors[k]!.data as Int32Array;
  const c: Codes = {
    shape: { codebookSize: V, tokens: N, group: g, causal: C, ...(spanSizes ? { spans: spanSizes } : {}) }, source: md.source ?? '', count: M,
    clean: get('clean'), input: get('input'), label: get('label'), spans: get('spans'), classes: get('classes'),
  };
  for (const k of ['clean', 'input', 'label'] as const) { const p = rangeProblem(k, c[k], V); if (p) problems.push(p); }
  const neg = c.classes.findIndex((v) => v < 0);
  if (neg >= 0) problems.push(`tensor 'classes': class ${c.classes[neg]} of row ${neg} is negative`);
  const badRow = firstBadRow(c);
  if (badRow) problems.push(badRow);
  return problems.length ? E.left(new SafetensorsError(problems)) : E.right(c);
};

/**
 * The first row whose span is out of range or whose triple breaks label[:e] = clean[:e],
 * input[:s] = clean[:s], input[e:] = label[e:]. The empty span [N, N) is a row without
 * corruption (a tokenizer without self-correction writes it): its three sequences are equal.
 */
export const firstBadRow = (c: Codes): string | null => {
  const N = c.shape.tokens;
  for (let r = 0; r < c.count; r++) {
    const s = c.spans[2 * r]!;
    const e = c.spans[2 * r + 1]!;
    if (!((s >= 0 && s < e && e <= N) || (s === N && e === N))) return `row ${r}: span [${s}, ${e}) is not within [0, ${N}) (nor [${N}, ${N}), no corruption)`;
    for (let i = 0; i < N; i++) {
      const at = r * N + i;
      if (i < e && c.label[at] !== c.clean[at]) return `row ${r}: label differs from clean at ${i} < e = ${e}`;
      if (i < s && c.input[at] !== c.clean[at]) return `row ${r}: input differs from clean at ${i} < s = ${s}`;
      if (i >= e && c.input[at] !== c.label[at]) return `row ${r}: input differs from label at ${i} >= e = ${e}`;
    }
  }
  return null;
};

/**
 * The batch of training step i as a pure function of (order key, i), like stepBatches: an epoch
 * is a permutation of the rows, full batches only, so a resumed run sees the same batches.
 */
export const codesBatch = (c: Codes, rows: Int32Array) => {
  const N = c.shape.tokens;
  const B = rows.length;
  const take = (src: Int32Array) => {
    const out = new Int32Array(B * N);
    rows.forEach((r, b) => out.set(src.subarray(r * N, (r + 1) * N), b * N));
    return hostArray(out, [B, N]);
  };
  return {
    classes: hostArray(Int32Array.from(rows, (r) => c.classes[r]!), [B]),
    clean: take(c.clean), input: take(c.input), label: take(c.label),
  };
};
