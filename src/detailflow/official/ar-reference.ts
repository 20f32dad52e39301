/**
 * Runs the imported official GPT (the project's AR model under the official configuration) on
 * a fixture's inputs: the teacher-forced logits and loss, the RoPE table and mask, and greedy
 * CFG generation pass by pass as generate_group_par runs it (no KV cache: class only, then C-1
 * single-token passes, then one pass per group over everything generated so far).
 */
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import type { Node } from '../../ir/node.ts';
import type { StoredTensor } from '../../io/safetensors.ts';
import { runOnce } from '../../compile/compile.ts';
import type { Params } from '../../nn/module.ts';
import { headDimOf, type ArConfig } from '../ar/config.ts';
import { arModel, type ArParams } from '../ar/model.ts';
import { ropeAngles } from '../ar/rope-2d.ts';
import { groupCausalRows } from '../masks.ts';
import { compareOutput, type OutputCheck } from './compare.ts';
import type { FixtureMeta } from './fixture-meta.ts';

type P = Params<ArParams>;
const f = Math.fround;

/** Cross-entropy averaged over every position (float64 on the host, as a reference). */
const meanCrossEntropy = (logits: Float32Array, targets: ArrayLike<number>, V: number): number => {
  let total = 0;
  for (let r = 0; r < targets.length; r++) {
    let m = -Infinity;
    for (let v = 0; v < V; v++) m = Math.max(m, logits[r * V + v]);
    let s = 0;
    for (let v = 0; v < V; v++) s += Math.exp(logits[r * V + v] - m);
    total += m + Math.log(s) - logits[r * V + Number(targets[r])];
  }
  return total / targets.length;
};

export interface Generation {
  readonly tokens: Int32Array;
  /** The CFG logits each token was chosen from [B, N, V]. */
  readonly cfgLogits: Float32Array;
  readonly firstPass: HostArray;
  readonly lastPass: HostArray;
}

/** Greedy CFG generation in the official pass order; classes [B], the null class appended. */
export const generateGreedy = async (c: ArConfig, params: ArParams, classes: readonly number[], scale: number, backend: string): Promise<Generation> => {
  const model = arModel(c);
  const B = classes.length;
  const N = c.tokens;
  const V = c.vocab;
  const batch = hostArray(Int32Array.from([...classes, ...classes.map(() => c.classes)]), [2 * B]);
  const tokens = new Int32Array(B * N);
  const cfgLogits = new Float32Array(B * N * V);
  const passes: { length: number; first: number; count: number }[] = [];
  for (let i = 0; i < c.causal; i++) passes.push({ length: i + 1, first: i, count: 1 });
  for (let i = c.causal / c.group; i < N / c.group; i++) passes.push({ length: (i + 1) * c.group, first: i * c.group, count: c.group });
  let firstPass: HostArray | undefined;
  let lastPass: HostArray | undefined;
  for (const pass of passes) {
    const known = pass.first;
    const sofar = new Int32Array(2 * B * known);
    for (let b = 0; b < 2 * B; b++) sofar.set(tokens.subarray((b % B) * N, (b % B) * N + known), b * known);
    const args: unknown[] = known > 0 ? [params, batch, hostArray(sofar, [2 * B, known])] : [params, batch];
    const out = await runOnce((p: P, cls: Node, toks?: Node) => model.logits(p, model.forward(p, 0, pass.length, { classes: cls, tokens: toks }).hidden), args, { backend }) as HostArray;
    const L = pass.length;
    const data = out.data as Float32Array;
    firstPass ??= out;
    lastPass = out;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < pass.count; j++) {
        const row = L - pass.count + j;
        const cond = (b * L + row) * V;
        const unc = ((B + b) * L + row) * V;
        const n = pass.first + j;
        let best = 0;
        for (let v = 0; v < V; v++) {
          const g = f(data[unc + v] + f(f(data[cond + v] - data[unc + v]) * scale));
          cfgLogits[(b * N + n) * V + v] = g;
          if (g > cfgLogits[(b * N + n) * V + best]) best = v;
        }
        tokens[b * N + n] = best;
      }
    }
  }
  return { tokens, cfgLogits, firstPass: firstPass!, lastPass: lastPass! };
};

const numbers = (t: StoredTensor | undefined): number[] => (t ? Array.from(t.data as ArrayLike<number>, Number) : []);

export const checkArFixture = async (
  fixture: ReadonlyMap<string, StoredTensor>, c: ArConfig, params: ArParams, meta: FixtureMeta, backend: string,
): Promise<OutputCheck[]> => {
  const model = arModel(c);
  const checks: OutputCheck[] = [];
  const check = (name: string, got: ArrayLike<number>, shape: readonly number[], note?: string) => {
    const want = fixture.get(`fixture.out.${name}`);
    if (want) checks.push(compareOutput(name, want, got, shape, note));
  };
  const N = c.tokens;
  const V = c.vocab;
  const codes = fixture.get('fixture.in.codes') as HostArray | undefined;
  const labels = fixture.get('fixture.in.class_labels') as HostArray | undefined;
  if (codes && labels) {
    const logits = await runOnce((p: P, cls: Node, z: Node) => model.apply(p, cls, z), [params, labels, codes], { backend }) as HostArray;
    check('train_logits', logits.data, logits.shape);
    check('train_loss', [meanCrossEntropy(logits.data as Float32Array, codes.data, V)], [1]);
  }
  const half = headDimOf(c) / 2;
  const freqs = new Float32Array((N + 1) * half * 2);
  for (let p = 1; p <= N; p++) {
    const a = ropeAngles(p, c);
    for (let m = 0; m < half; m++) { freqs[(p * half + m) * 2] = Math.cos(a[m]); freqs[(p * half + m) * 2 + 1] = Math.sin(a[m]); }
  }
  check('freqs_cis', freqs, [N + 1, half, 2], 'the table rotate-pairs reads');
  check('group_causal_mask', groupCausalRows(N, { group: c.group, causal: c.causal }).flat().map((x) => (x ? 1 : 0)), [N, N]);
  const genLabels = numbers(fixture.get('fixture.in.gen_class_labels'));
  if (genLabels.length > 0) {
    const scale = Number(meta.config['cfg_scale'] ?? 1.5);
    const g = await generateGreedy(c, params, genLabels, scale, backend);
    check('gen_tokens', g.tokens, [genLabels.length, N], `greedy, cfg ${scale}`);
    check('gen_logits_cfg', g.cfgLogits, [genLabels.length, N, V]);
    check('gen_pass0_logits', g.firstPass.data, g.firstPass.shape);
    check('gen_pass_last_logits', g.lastPass.data, g.lastPass.shape);
    const margins = new Float32Array(genLabels.length * N);
    for (let r = 0; r < margins.length; r++) {
      const row = Array.from(g.cfgLogits.subarray(r * V, (r + 1) * V)).sort((a, b) => b - a);
      margins[r] = row[0] - row[1];
    }
    check('gen_top2_margin', margins, [genLabels.length, N]);
  }
  return checks;
};
