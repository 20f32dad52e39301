/**
 * A short tokenizer training run under Deno, on Deno's own WebGPU, with the same library calls as
 * examples/node/train-tokenizer.ts (the dataset bytes come from Deno.readFile).
 *
 *   node_modules/.bin/deno run -A examples/deno/train-tokenizer.ts [--steps 100] [--synthetic]
 *        [--data DIR] [--backend webgpu|wasm|cpu] [--out out/examples/deno]
 *   node_modules/.bin/deno run -A examples/deno/train-tokenizer.ts --smoke     # tiny model, 3 steps
 *   node_modules/.bin/deno run -A examples/deno/train-tokenizer.ts --full --steps 3   # the default model
 *   (in this checkout, from the repository root, add --conditions=detailflow-source after `run -A`:
 *   it points the `detailflow` import at src/; see the README's Examples)
 *
 * Prints one line of losses per step and a JSON summary; writes OUT/tokenizer-recon.png (one row
 * per test image, one column per prefix t, then the original). Without a GPU, Deno's WebGPU runs
 * on a software Vulkan driver (lavapipe): correct but slow, so pass --backend wasm for long runs.
 */
import * as E from 'fp-ts/lib/Either.js';
import { data, keyFromSeed, tokenizer } from 'detailflow';
import { deno, flags, pickBackend, positiveInt, writePng } from './shared.ts';

const f = flags(['smoke', 'full', 'steps', 'synthetic', 'data', 'backend', 'out']);
const smoke = f.smoke === 'true';
const full = f.full === 'true';
const out = f.out ?? 'out/examples/deno';

// The same tiny model as the Node smoke runs; the plain run is a little larger; --full is the
// default configuration `detailflow train-tokenizer` trains (32 tokens, width 128, depth 4), without
// a teacher.
const config = tokenizer.decodeTokenizerConfig(full ? { alignWeight: 0, perceptualWeight: 0 } : {
  size: 32, patch: 8, tokens: 8, group: 2, causal: 2, codebookSize: smoke ? 32 : 128, noiseTopK: 4,
  encoderWidth: smoke ? 16 : 48, encoderDepth: smoke ? 1 : 2, encoderHeads: 2, decoderWidth: smoke ? 16 : 48, decoderDepth: smoke ? 1 : 2, decoderHeads: 2,
  alignWeight: 0, perceptualWeight: 0,
});
const train = tokenizer.decodeTrainConfig({ steps: positiveInt('steps', f.steps, smoke ? 3 : 100), batchSize: smoke ? 8 : full ? 32 : 16, lr: full ? 4e-4 : 3e-3 });
if (E.isLeft(config)) throw config.left;
if (E.isLeft(train)) throw train.left;

const load = async (split: data.Split): Promise<data.Dataset> => {
  if (f.synthetic === 'true') return data.syntheticDataset(keyFromSeed(split === 'train' ? 1 : 2), { count: 512, channels: 1 });
  const dir = f.data ?? data.fashionMnistDefaultDir;
  const names = data.idxFileNames[split];
  const ds = await data.fashionMnistFromBytes(await deno.readFile(`${dir}/${names.images}.gz`), await deno.readFile(`${dir}/${names.labels}.gz`));
  if (E.isLeft(ds)) throw ds.left;
  return ds.right;
};
const testSet = await load('test');
const trainSet = smoke ? testSet : await load('train');

const backend = await pickBackend(f.backend);
const tk = tokenizer.tokenizer(config.right, 1);
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const fit = await tokenizer.fitTokenizer(tk, train.right, trainSet, {
  backend, onStep: (i, m) => console.log(`step ${i}  t ${m.t}  loss ${m.loss.toFixed(4)}  mse ${m.mse.toFixed(4)}  (${elapsed()})`),
});
const recon = await writePng(out, 'tokenizer-recon.png', await tokenizer.reconstructionGrid(tk, backend, fit.params, testSet.images, 4));
console.log(`reconstructions written (${elapsed()})`);
console.log(JSON.stringify({
  example: 'deno-train-tokenizer', backend, tokens: tk.config.tokens, steps: fit.log.length, log: fit.log, recon, images: 4, prefixes: tokenizer.prefixBoundaries(tk),
}));
