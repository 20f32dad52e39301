import { compile, release } from '../compile/compile.ts';
import type { BackendName } from '../compile/backend.ts';
import type { Dataset } from '../data/dataset.ts';
import type { Node } from '../ir/node.ts';
import { argmax } from '../ops/index.ts';
import { hostArray } from '../ir/host-array.ts';

/** Accuracy of `logits(params, images)` on a whole dataset, in batches (the tail batch too). */
export const evaluateClassifier = async (
  backend: BackendName, logits: (params: unknown, images: Node) => Node, params: unknown, ds: Dataset, batch: number,
): Promise<number> => {
  const f = compile((p: unknown, x: Node) => argmax(logits(p, x), -1), { backend, name: 'classify' });
  const n = ds.channels * ds.height * ds.width;
  let correct = 0;
  for (let s = 0; s < ds.count; s += batch) {
    const b = Math.min(batch, ds.count - s);
    const x = hostArray(ds.images.slice(s * n, (s + b) * n), [b, ds.channels, ds.height, ds.width]);
    const out = await f.run(params, x);
    const pred = (await out.host()).data;
    for (let i = 0; i < b; i++) if (pred[i] === ds.labels[s + i]) correct++;
    release(out);
  }
  f.dispose();
  return correct / ds.count;
};
