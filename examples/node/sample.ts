/**
 * Samples class-conditional images from the shipped models, coarse to fine: the AR model draws
 * the tokens group by group, the tokenizer decodes every prefix.
 *
 *   node --import tsx examples/node/sample.ts [--ar models/ar.safetensors] [--tokenizer models/tokenizer.safetensors]
 *                                             [--classes 0,1,2] [--per-class 4] [--cfg 1.5] [--temperature 1]
 *                                             [--seed 0] [--backend B] [--out out/examples]
 *   node --import tsx examples/node/sample.ts --smoke       # two images, seconds on wasm
 *   (in this checkout, from the repository root, add --conditions=detailflow-source after `node`:
 *   it points the `detailflow` import at src/; see the README's Examples)
 *
 * DETAILFLOW_AR and DETAILFLOW_TOKENIZER name other model files (any AR checkpoint that pairs
 * with the tokenizer, e.g. one written by `detailflow train-ar`). Shows `pretrained`: checking
 * checkpoint bytes (decodeTokenizerFile, decodeArFile), `generator` and the two pictures.
 * Prints each pass as it is decoded and a JSON summary; writes OUT/samples.png (one row per class)
 * and OUT/progressive.png (the first sample of each class after every pass).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import { data, keyFromSeed, pretrained } from 'detailflow';
import { parseClasses, pickBackend, positiveInt, runMain, writePng } from './shared.ts';

await runMain(async () => {
  const { values: flags } = parseArgs({
    options: {
      smoke: { type: 'boolean' }, ar: { type: 'string' }, tokenizer: { type: 'string' }, classes: { type: 'string' },
      'per-class': { type: 'string' }, cfg: { type: 'string' }, temperature: { type: 'string' }, seed: { type: 'string', default: '0' },
      backend: { type: 'string' }, out: { type: 'string', default: 'out/examples' },
    },
  });
  const smoke = flags.smoke ?? false;
  const files = {
    tokenizer: flags.tokenizer ?? process.env.DETAILFLOW_TOKENIZER ?? 'models/tokenizer.safetensors',
    ar: flags.ar ?? process.env.DETAILFLOW_AR ?? 'models/ar.safetensors',
  };
  const classes = parseClasses(flags.classes ?? (smoke ? '0,1' : '0,1,2,3,4,5,6,7,8,9'));
  const perClass = positiveInt('per-class', flags['per-class'], smoke ? 1 : 4);
  const labels = classes.flatMap((c) => Array<number>(perClass).fill(c));
  // the sampler checks these (and the labels against the model) before any work
  const sampling = {
    ...(flags.cfg ? { cfg: Number(flags.cfg) } : {}), ...(flags.temperature ? { temperature: Number(flags.temperature) } : {}),
  };

  // The bytes are checked against the configuration in their metadata; problems come back as Left.
  const load = async <M>(file: string, decode: (b: Uint8Array) => E.Either<string, M>): Promise<M> => {
    const m = decode(new Uint8Array(await readFile(file)));
    if (E.isLeft(m)) throw new Error(`${file}: ${m.left}`);
    return m.right;
  };
  const models = { tokenizer: await load(files.tokenizer, pretrained.decodeTokenizerFile), ar: await load(files.ar, pretrained.decodeArFile) };

  const backend = await pickBackend(flags.backend);
  const gen = pretrained.generator(models, { backend });
  console.log(`sampling ${labels.length} images (${classes.map((c) => data.fashionMnistClasses[c] ?? c).join(', ')}) in ${gen.passes} passes on ${backend}`);
  const g = await gen.generate(labels, keyFromSeed(Number(flags.seed)), sampling, {
    onFrame: (f) => console.log(`pass ${f.index + 1}/${gen.passes}: ${f.tokens} tokens decoded at ${f.images[0].width}x${f.images[0].width}, ${(f.elapsedMs / 1000).toFixed(2)} s`),
  });
  const samples = await writePng(path.join(flags.out, 'samples.png'), pretrained.sampleGrid(g, perClass));
  const progressive = await writePng(path.join(flags.out, 'progressive.png'), pretrained.progressiveStrip(g, 2, classes.map((_, i) => i * perClass)));
  console.log(JSON.stringify({
    example: 'sample', backend, models: files, images: labels.length, passes: g.passes, frames: g.frames.map((f) => f.tokens),
    seconds: g.seconds, samples, progressive,
  }));
});
