import type { BackendName } from '../compile/backend.ts';
import { encodePng } from '../io/png.ts';
import type { Tokenizer } from '../detailflow/tokenizer/model.ts';
import { reconstructionGrid } from '../detailflow/tokenizer/reconstruction-grid.ts';

/** The tokenizer's reconstruction grid (see reconstructionGrid) as PNG bytes. */
export const reconstructionPng = async (tk: Tokenizer, backend: BackendName, params: unknown, images: Float32Array, count: number): Promise<Uint8Array> =>
  encodePng(await reconstructionGrid(tk, backend, params, images, count));
