/**
 * Whether a checkpoint file is damaged, in one phrase: "truncated" when it is shorter than its
 * own header says (a copy or a disk that stopped early), "corrupt" when its header or layout is
 * unreadable. A whole file that decodes to the wrong kind or shapes is not damaged: that is a
 * mismatch, and `decodeCheckpoint` lists it.
 */
import * as E from 'fp-ts/lib/Either.js';
import { readSafetensorsHeader } from '../io/safetensors.ts';
import { parseJsonBounded } from '../io/json.ts';

export interface CheckpointDamage {
  readonly kind: 'truncated' | 'corrupt';
  /** What is wrong, in a few words ("1,024 of 151,272 bytes"). */
  readonly detail: string;
}

// A header over this is not a checkpoint's: a longer length field is garbage, not a short file.
const PLAUSIBLE_HEADER = 100_000_000;

const count = (n: number): string => n.toLocaleString('en-US');

/** Whether the file is shorter than its header claims (with what it lacks), or its header is unreadable. */
const shortfall = (bytes: Uint8Array): CheckpointDamage | undefined => {
  if (bytes.length === 0) return { kind: 'truncated', detail: 'empty' };
  if (bytes.length < 8) return { kind: 'truncated', detail: `${bytes.length} bytes, shorter than the 8-byte header length` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (n > PLAUSIBLE_HEADER) return { kind: 'corrupt', detail: `its header length field says ${count(n)} bytes` };
  if (8 + n > bytes.length) return { kind: 'truncated', detail: `${count(bytes.length)} bytes; its header alone needs ${count(8 + n)}` };
  let text: string;
  try { text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)); } catch { return undefined; }
  const parsed = parseJsonBounded(text, 4);
  if (E.isLeft(parsed) || typeof parsed.right !== 'object' || parsed.right === null) return undefined;
  let end = 0;
  for (const [name, entry] of Object.entries(parsed.right)) {
    const offsets = name === '__metadata__' ? undefined : (entry as { data_offsets?: unknown } | null)?.data_offsets;
    if (Array.isArray(offsets) && typeof offsets[1] === 'number' && Number.isSafeInteger(offsets[1])) end = Math.max(end, offsets[1]);
  }
  return 8 + n + end > bytes.length ? { kind: 'truncated', detail: `${count(bytes.length)} of ${count(8 + n + end)} bytes` } : undefined;
};

/** The damage of a checkpoint file's bytes, or undefined when its safetensors layout is whole. */
export const checkpointDamage = (bytes: Uint8Array): CheckpointDamage | undefined => {
  const header = readSafetensorsHeader(bytes);
  if (E.isRight(header)) return undefined;
  return shortfall(bytes) ?? { kind: 'corrupt', detail: header.left.problems[0] ?? 'unreadable header' };
};
