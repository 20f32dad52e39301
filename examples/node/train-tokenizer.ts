/**
 * Trains a small DetailFlow tokenizer in memory and writes its coarse-to-fine reconstructions.
 *
 *   node --import tsx examples/node/train-tokenizer.ts [--steps 300] [--synthetic] [--data DIR]
 *                                                      [--backend wasm|webgpu|cpu] [--out out/examples]
 *   node --import tsx examples/node/train-tokenizer.ts --smoke      # a tiny model, 4 steps, seconds
 *   (in this checkout, from the repository root, add --conditions=detailflow-source after `node`:
 *   it points the `detailflow` import at src/; see the README's Examples)
 *
 * Shows: a configuration as data (decoded over the defaults), `tokenizer.fitTokenizer` (the same
 * steps as `detailflow train-tokenizer`, without files; that command adds checkpoints and the
 * teacher's alignment), and `tokenizer.reconstructionGrid`. Prints one line of losses per step
 * (each step trains one prefix t; t = N is the full image) and a JSON summary; writes
 * OUT/tokenizer-recon.png: one row per test image, one column per prefix, then the original.
 * The full run takes several minutes on a CPU.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import { tokenizer } from 'detailflow';
import { loadImages, lossLine, pickBackend, positiveInt, runMain, smallTokenizer, tinyTokenizer, writePng } from './shared.ts';

await runMain(async () => {
  const { values: flags } = parseArgs({
    options: {
      smoke: { type: 'boolean' }, steps: { type: 'string' }, synthetic: { type: 'boolean' }, data: { type: 'string' },
      backend: { type: 'string' }, out: { type: 'string', default: 'out/examples' },
    },
  });
  const smoke = flags.smoke ?? false;
  const backend = await pickBackend(flags.backend);

  // Configurations are io-ts codecs: a partial object is checked and completed with the defaults.
  const config = tokenizer.decodeTokenizerConfig(smoke ? tinyTokenizer : smallTokenizer);
  const train = tokenizer.decodeTrainConfig({ steps: positiveInt('steps', flags.steps, smoke ? 4 : 300), batchSize: smoke ? 8 : 16, lr: smoke ? 3e-3 : 1e-3 });
  if (E.isLeft(config)) throw config.left;
  if (E.isLeft(train)) throw train.left;

  // In smoke runs the small test split is the training data too: it loads in a fraction of the time.
  const source = { synthetic: flags.synthetic ?? false, ...(flags.data ? { dir: flags.data } : {}) };
  const trainSet = await loadImages({ ...source, split: smoke ? 'test' : 'train' });
  const testSet = await loadImages({ ...source, split: 'test', count: 8 });

  // teacherDim 1: no teacher here, so the alignment head is a placeholder (alignWeight is 0).
  const tk = tokenizer.tokenizer(config.right, 1);
  console.log(`training a ${tk.config.tokens}-token tokenizer for ${train.right.steps} steps on ${trainSet.count} images (${backend})`);
  const started = performance.now();
  const fit = await tokenizer.fitTokenizer(tk, train.right, trainSet, { backend, onStep: (i, m) => console.log(lossLine(i, m)) });
  const seconds = (performance.now() - started) / 1000;

  const recon = await writePng(path.join(flags.out, 'tokenizer-recon.png'), await tokenizer.reconstructionGrid(tk, backend, fit.params, testSet.images, testSet.count));
  console.log(JSON.stringify({
    example: 'train-tokenizer', backend, tokens: tk.config.tokens, steps: fit.log.length, seconds, log: fit.log,
    recon, images: testSet.count, prefixes: tokenizer.prefixBoundaries(tk),
  }));
});
