import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { compile, release, toHost } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import { ConfigError } from '../../src/config/errors.ts';
import type { Node } from '../../src/ir/node.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { adamw, defaultDecayMask } from '../../src/train/adam.ts';
import { stepFnWithAux } from '../../src/train/train-step.ts';
import { countParams, paramShapes } from '../../src/nn/params.ts';

import { arLoss, decodeArConfig, emaUpdate, arModel, type ArConfig, type ArBatch } from '../../src/detailflow/ar/index.ts';
import { arSampler, checkSampleRequest, checkTokenizerPair } from '../../src/detailflow/sample/index.ts';
import type { BackendName } from '../../src/compile/backend.ts';
import { ready } from '../../laws/helpers/backends.ts';

const backend = (process.env.DETAILFLOW_BACKEND ?? 'cpu') as BackendName;
before(() => ready(backend));
const config = (o: Partial<ArConfig> = {}): ArConfig => {
  const r = decodeArConfig({ vocab: 64, tokens: 16, classes: 10, width: 32, depth: 2, heads: 2, mlpHidden: 64, ...o });
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

const rejects = async (p: Promise<unknown>, ...parts: string[]) => {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    for (const want of parts) assert.ok(e.message.includes(want), `'${want}' in\n${e.message}`);
    return true;
  });
};

test('bad sampling requests fail with every problem listed, before any plan is compiled', async () => {
  const c = config();
  const s = arSampler(c, { backend });
  const params = arModel(c).init(keyFromSeed(0));
  const key = keyFromSeed(1);
  await rejects(s.grouped(params, [3, 10, -1], key), 'unknown class ids 10, -1', 'classes 0..9');
  await rejects(s.grouped(params, [], key), 'at least one class id');
  await rejects(s.grouped(params, [1], key, { cfg: 0.5 }), 'cfg: expected a guidance scale >= 1, got 0.5');
  await rejects(s.grouped(params, [1], key, { topK: 0, topP: 0 }), 'topK: expected an integer >= 1, got 0', 'topP: expected a number in (0, 1], got 0');
  await rejects(s.grouped(params, [1], key, { topP: 1.5, temperature: -1 }), 'topP', 'temperature');
  await rejects(s.grouped(params, [1], key, { cfgSchedule: [1, 2] }), 'cfgSchedule: expected 7 finite scales');
  await rejects(s.tokenByToken(params, [1], key), 'needs a model trained with group 1');
  await rejects(s.grouped(params, [1], key, { tokenizer: { codebookSize: 1024, tokens: 32, group: 8 } }),
    'codebook size (AR vocab): the tokenizer has 1024, the AR model 64', 'tokens (N): the tokenizer has 32', 'group (g): the tokenizer has 8');
  const noNull = arSampler(config({ nullClass: false }), { backend });
  await rejects(noNull.grouped(params, [1], key, { cfg: 1.5 }), "needs the model's null class");
  assert.equal(s.planCount, 0);
  assert.equal(noNull.planCount, 0);
});

test('checkSampleRequest: gradual CFG follows the reference schedule; top-k >= V and top-p = 1 are dropped', () => {
  const c = config();
  const r = checkSampleRequest(c, [1], { cfg: 2, cfgSchedule: 'gradual', topK: 64, topP: 1 }, 'grouped');
  assert.ok(E.isRight(r));
  const G = 4;
  // passes 0..3 are strict (constant s); parallel groups i = 1..3 get s (G - i + 1) / (G + 1)
  assert.deepEqual(r.right.scales, [2, 2, 2, 2, (2 * G) / 5, (2 * (G - 1)) / 5, (2 * (G - 2)) / 5]);
  assert.equal(r.right.topK, undefined);
  assert.equal(r.right.topP, undefined);
  assert.ok(E.isRight(checkTokenizerPair({ codebookSize: 64, tokens: 16, group: 4, causal: 4 }, c)));
});

test('the model: gpt.py shapes, zero head (loss log V at init), placeholders N(0, 1), norms not decayed', async () => {
  const c = config();
  const m = arModel(c);
  const p = m.init(keyFromSeed(3));
  assert.deepEqual(p.classEmbed.table.shape, [11, 32]);
  assert.deepEqual(p.placeholders?.table.shape, [3, 32]);
  assert.ok(p.head.w.data.every((v) => v === 0));
  const spe = Array.from(p.placeholders?.table.data ?? []);
  const std = Math.sqrt(spe.reduce((s, v) => s + v * v, 0) / spe.length);
  assert.ok(std > 0.6 && std < 1.4, `placeholder std ${std}`);
  const L = c.width;
  const per = 4 * L * L + 3 * L * c.mlpHidden + 2 * L;
  assert.equal(countParams(p), 64 * L + 11 * L + 3 * L + c.depth * per + L + L * 64);
  // AdamW's default mask decays rank >= 2 (matrices, embeddings, placeholders), as the reference's dim >= 2
  const decayed = paramShapes(p).filter((x) => defaultDecayMask(x.path, x.shape)).map((x) => x.path);
  assert.ok(decayed.includes('placeholders.table') && decayed.includes('tokEmbed.table') && !decayed.some((x) => x.includes('norm')));
  const loss = arLoss(m, { labelDropout: 0.1, correctionProb: 0.3 });
  const f = compile((params: never, b: ArBatch, key: Node) => loss(params, b, key)[0], { backend });
  const codes = hostArray(Int32Array.from({ length: 32 }, (_, i) => i % 64), [2, 16]);
  const out = await f.run(p, { classes: hostArray(Int32Array.of(1, 2), [2]), clean: codes, input: codes, label: codes }, keyFromSeed(4));
  assert.ok(Math.abs((await toHost(out) as HostArray).data[0] - Math.log(64)) < 1e-5);
  release(out);
});

test('a compiled AdamW step on the AR loss lowers it on a fixed batch; EMA moves towards the parameters', async () => {
  const c = config({ headInitStd: 0.02 });
  const m = arModel(c);
  const params = m.init(keyFromSeed(5));
  const opt = adamw({ lr: 3e-3, b1: 0.9, b2: 0.95, weightDecay: 0.05 });
  const step = compile(stepFnWithAux(arLoss(m), opt, 1), { backend });
  const batch = {
    classes: hostArray(Int32Array.of(1, 2, 3, 4), [4]),
    clean: hostArray(Int32Array.from({ length: 64 }, (_, i) => (i * 5) % 64), [4, 16]),
  };
  let p: unknown = params;
  let st: unknown = opt.initHost(params);
  const losses: number[] = [];
  for (let i = 0; i < 12; i++) {
    const out = await step.run(p, st, batch, keyFromSeed(100 + i));
    losses.push((await toHost(out.loss) as HostArray).data[0]);
    if (i > 0) { release(p); release(st); }
    p = out.params; st = out.state;
    release([out.loss, out.gradNorm, out.lr, out.aux]);
  }
  assert.ok(losses[11] < losses[0] - 0.1, `loss ${losses[0]} -> ${losses[11]}`);
  const ema = compile((e: Node, q: Node) => emaUpdate(e, q, 0.9), { backend });
  const e = await ema.run(hostArray(Float32Array.of(0, 10), [2]), hostArray(Float32Array.of(1, 0), [2]));
  assert.deepEqual(Array.from((await toHost(e) as HostArray).data).map((v) => +v.toFixed(5)), [0.1, 9]);
  release([e, p, st]);
});
