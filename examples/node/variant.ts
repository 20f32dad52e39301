/**
 * Defines DetailFlow variants by composing values, not by copying model code, and trains each a
 * few steps next to the base model:
 *   - map:         another resolution map R(n) (a linear curve instead of the power curve);
 *   - degradation: another training target (bicubic both ways, no area pooling);
 *   - group:       another group size g (a configuration field; the pass plan follows);
 *   - partition:   another token partition, "groups of 2, then 4, then 8": one Partition
 *                  constructor call, groupsPartition(N, [1, 1, 2, 4, 8]), written into the
 *                  configuration as its span sizes (the compare table's g248 row is the same call).
 *
 *   node --import tsx examples/node/variant.ts [--variant base|map|degradation|group|partition] [--steps 100]
 *                                              [--synthetic] [--data DIR] [--backend B] [--out out/examples]
 *   node --import tsx examples/node/variant.ts --smoke       # tiny models, 3 steps each, seconds
 *   (in this checkout, from the repository root, add --conditions=detailflow-source after `node`:
 *   it points the `detailflow` import at src/; see the README's Examples)
 *
 * Prints each variant's R(n), dec(t) and pass count, one line of losses per step, and a JSON
 * summary; writes OUT/variant-targets.png (one row per variant: the target the decoder learns
 * for t = 1..N of one image) and OUT/variant-<name>-recon.png.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import {
  bicubic, degradation, degradeHost, fromCurve, groupsPartition, io, partitionFields, partitionOf, passCountOf, snapToPatch, stage, tokenizer,
  validateResolutionMap,
} from 'detailflow';
import { loadImages, lossLine, pickBackend, positiveInt, runMain, smallTokenizer, tinyTokenizer, writePng } from './shared.ts';

await runMain(async () => {
  const { values: flags } = parseArgs({
    options: {
      smoke: { type: 'boolean' }, variant: { type: 'string', multiple: true }, steps: { type: 'string' }, synthetic: { type: 'boolean' },
      data: { type: 'string' }, backend: { type: 'string' }, out: { type: 'string', default: 'out/examples' },
    },
  });
  const smoke = flags.smoke ?? false;
  const backend = await pickBackend(flags.backend);
  const decoded = tokenizer.decodeTokenizerConfig(smoke ? tinyTokenizer : smallTokenizer);
  if (E.isLeft(decoded)) throw decoded.left;
  const base = decoded.right;
  const { size: H, tokens: N, patch: P } = base;

  // R(n): any curve through the same truncation and clamp as the reference; the map is checked.
  const linear = fromCurve('linear', H, N, (n) => 1 + ((H - 1) * (n - 1)) / (N - 1));
  if (E.isLeft(validateResolutionMap(linear))) throw new Error('the linear map is not a valid resolution map');

  // The target for prefix t as a chain of resizes: content at R(t), then the decoder's side dec(t).
  const bicubicBothWays = degradation('bicubic down and up', H, N, [
    stage('content R(t)', (t) => linear.values[t - 1], bicubic),
    stage('decoder dec(t)', (t) => snapToPatch(linear.values[t - 1], P), bicubic),
  ]);

  // The group size is a field: the codec checks it against tokens and causal.
  const grouped = tokenizer.decodeTokenizerConfig({ ...base, group: 2 * base.group, causal: 2 * base.causal });
  if (E.isLeft(grouped)) throw grouped.left;

  // The partition is a value: spans of 1, 1, 2, 4, then 8 until N ([1, 1, 2, 4] at N = 8,
  // [1, 1, 2, 4, 8, 8, 8] at N = 32). As configuration it is `spans` (and the causal window, the
  // two single tokens); the codec checks that the spans sum to N and fit the causal window.
  const growing = tokenizer.decodeTokenizerConfig({ ...base, ...partitionFields(groupsPartition(N, [1, 1, 2, 4, 8])) });
  if (E.isLeft(growing)) throw growing.left;

  const variants = {
    base: tokenizer.tokenizer(base, 1),
    map: tokenizer.tokenizer(base, 1, { resolutionMap: linear }),
    degradation: tokenizer.tokenizer(base, 1, { resolutionMap: linear, degradation: bicubicBothWays }),
    group: tokenizer.tokenizer(grouped.right, 1),
    partition: tokenizer.tokenizer(growing.right, 1),
  };
  type Name = keyof typeof variants;
  const chosen = (flags.variant ?? Object.keys(variants)) as Name[];
  const unknown = chosen.filter((v) => !(v in variants));
  if (unknown.length) throw new Error(`--variant: unknown ${unknown.join(', ')}; choose from ${Object.keys(variants).join(', ')}`);

  const source = { synthetic: flags.synthetic ?? false, ...(flags.data ? { dir: flags.data } : {}) };
  const trainSet = await loadImages({ ...source, split: smoke ? 'test' : 'train' });
  const testSet = await loadImages({ ...source, split: 'test', count: 4 });
  const train = tokenizer.decodeTrainConfig({ steps: positiveInt('steps', flags.steps, smoke ? 3 : 100), batchSize: smoke ? 8 : 16, lr: smoke ? 3e-3 : 1e-3 });
  if (E.isLeft(train)) throw train.left;

  // What each variant's decoder is asked to produce for t = 1..N, from the first test image.
  const first = { data: testSet.images.subarray(0, H * H), channels: 1, height: H, width: H };
  const targets = chosen.flatMap((v) => Array.from({ length: N }, (_, i) => ({ ...degradeHost(variants[v].degradation, first, i + 1), channels: 1 as const })));
  const targetsPng = await writePng(path.join(flags.out, 'variant-targets.png'), io.imageGrid(targets, N, { upscale: 'nearest', scale: 2, pad: 2 }));

  const summary = [];
  for (const name of chosen) {
    const tk = variants[name];
    const sides = Array.from({ length: N }, (_, i) => tk.decoderSide(i + 1));
    // every derived object (pass plan, masks, noise spans, prefix schedule) comes from the configuration's partition
    const spans = partitionOf(tk.config).spans.map((s) => s.end - s.start);
    const passes = passCountOf(partitionOf(tk.config));
    console.log(`${name}: R(n) = ${tk.resolutionMap.values.join(' ')}; dec(t) = ${sides.join(' ')}; ${passes} passes (spans ${spans.join(' ')})`);
    const fit = await tokenizer.fitTokenizer(tk, train.right, trainSet, { backend, onStep: (i, m) => console.log(`  ${lossLine(i, m)}`) });
    const recon = await writePng(path.join(flags.out, `variant-${name}-recon.png`), await tokenizer.reconstructionGrid(tk, backend, fit.params, testSet.images, testSet.count));
    summary.push({ name, group: tk.config.group, spans, resolution: tk.resolutionMap.values, sides, passes, prefixes: tokenizer.prefixBoundaries(tk), log: fit.log, recon });
  }
  console.log(JSON.stringify({ example: 'variant', backend, tokens: N, images: testSet.count, targets: targetsPng, variants: summary }));
});
