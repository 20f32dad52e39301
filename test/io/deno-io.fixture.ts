// Run by test/io/deno-io.test.ts under Deno: the platform-neutral formats work there unchanged
// (web-standard compression streams, no node: imports). Prints one JSON line of results.
import * as E from 'fp-ts/lib/Either.js';
import { decodePng, encodePng } from '../../src/io/png.ts';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.ts';
import { compress } from '../../src/io/streams.ts';
import { decodeIdx, encodeIdx } from '../../src/data/idx.ts';
import { batchAtCursor, startCursor } from '../../src/data/batches.ts';
import { syntheticDataset } from '../../src/data/synthetic.ts';
import { keyFromSeed } from '../../src/random/key.ts';

export const probe = async () => {
  const png = await encodePng({ width: 3, height: 2, channels: 3, data: Uint8Array.from({ length: 18 }, (_, i) => i * 14) });
  const decoded = await decodePng(png);
  const st = decodeSafetensors(encodeSafetensors({ w: { data: Float32Array.of(1.5, -2), shape: [2], dtype: 'float32' } }, { step: '3' }));
  const idx = await decodeIdx(await compress(encodeIdx({ dims: [2], data: Uint8Array.of(7, 9) }), 'gzip'));
  const batch = batchAtCursor(syntheticDataset(keyFromSeed(5), { count: 6, channels: 1, height: 2, width: 2 }), keyFromSeed(6), startCursor, 3, { flip: true });
  return {
    png: Array.from(png),
    pixels: E.isRight(decoded) ? Array.from(decoded.right.data) : decoded.left.message,
    safetensors: E.isRight(st) ? [Array.from(st.right.tensors['w']!.data), st.right.metadata] : st.left.message,
    idx: E.isRight(idx) ? Array.from(idx.right.data) : idx.left.message,
    batch: [Array.from(batch.labels.data), Array.from(batch.images.data)],
  };
};

if ((import.meta as { main?: boolean }).main) console.log(JSON.stringify(await probe()));
