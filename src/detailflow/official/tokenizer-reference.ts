/**
 * Runs the imported official tokenizer on a fixture's inputs and compares every output the
 * official code recorded. The self-correction passes take their noisy codes from the fixture
 * (PyTorch's RNG picked them among the 50 nearest); the re-encode around them is ours.
 */
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import type { Node } from '../../ir/node.ts';
import { concat, gather, sliceAxis } from '../../ops/index.ts';
import type { StoredTensor } from '../../io/safetensors.ts';
import { runOnce } from '../../compile/compile.ts';
import type { Params } from '../../nn/module.ts';
import type { Tree } from '../../tree/tree.ts';
import { encoderRows } from '../masks.ts';
import { l2Normalize } from '../tokenizer/quantizers/l2-vq.ts';
import type { OfficialTokenizerConfig } from './config.ts';
import { compareOutput, type OutputCheck } from './compare.ts';
import { officialTokenizer, resizePositions, type OfficialTokenizerParams } from './tokenizer.ts';

type P = Params<OfficialTokenizerParams>;
const arr = (t: Tree<HostArray>): HostArray => t as HostArray;
const outputs = (fixture: ReadonlyMap<string, StoredTensor>, prefix: string): [string, number][] =>
  [...fixture.keys()].filter((k) => k.startsWith(prefix) && /^\d+$/.test(k.slice(prefix.length))).map((k) => [k, Number(k.slice(prefix.length))]);

/** The self-correction span for a start s: one token inside the causal prefix, else s's group. */
const spanEnd = (s: number, c: OfficialTokenizerConfig): number => (s < c.causal ? s + 1 : c.group * (Math.floor(s / c.group) + 1));

export const checkTokenizerFixture = async (
  fixture: ReadonlyMap<string, StoredTensor>, c: OfficialTokenizerConfig, params: OfficialTokenizerParams, backend: string,
): Promise<OutputCheck[]> => {
  const tk = officialTokenizer(c);
  const images = fixture.get('fixture.in.images') as HostArray;
  const checks: OutputCheck[] = [];
  const check = (name: string, got: ArrayLike<number>, shape: readonly number[], note?: string) => {
    const want = fixture.get(`fixture.out.${name}`);
    if (want) checks.push(compareOutput(name, want, got, shape, note));
  };
  const opts = { backend };
  const clean = await runOnce((p: P, x: Node) => {
    const r = tk.encodeImages(p, x);
    return { patchTokens: r.patchTokens, latentTokens: r.latentTokens, z: r.z, codes: r.codes, quant: r.quant, margin: r.margin };
  }, [params, images], opts) as Record<string, Tree<HostArray>>;
  const codes = arr(clean['codes']);
  const quant = arr(clean['quant']);
  const margin = arr(clean['margin']);
  check('enc_patch_tokens', arr(clean['patchTokens']).data, arr(clean['patchTokens']).shape);
  check('enc_latent_tokens', arr(clean['latentTokens']).data, arr(clean['latentTokens']).shape);
  check('z_pre_quant', arr(clean['z']).data, arr(clean['z']).shape);
  check('codes', codes.data, codes.shape);
  check('z_quant', quant.data, quant.shape);
  check('quant_dist_margin', margin.data, margin.shape.slice(0, 2));
  const side = c.imageSize / c.patch;
  const blocked = encoderRows(side * side, c.tokens, { group: c.group, causal: c.causal }).flat().map((ok) => (ok ? 0 : 1));
  check('enc_attn_blocked', blocked, [side * side + c.tokens, side * side + c.tokens]);

  // decoder position tables, reconstructions from the straight-through vectors and from codes
  const grids = outputs(fixture, 'fixture.out.dec_pos_resized_g');
  const recons = outputs(fixture, 'fixture.out.recon_t');
  const fromCodes = outputs(fixture, 'fixture.out.recon_from_codes_t');
  const decoded = await runOnce((p: P, q: Node, k: Node) => ({
    grids: grids.map(([, g]) => resizePositions(p.decoder.pos, g)),
    recons: recons.map(([, t]) => tk.decode(p, sliceAxis(q, 1, 0, t), tk.decoderSide(t))),
    fromCodes: fromCodes.map(([, t]) => tk.decodeCodes(p, sliceAxis(k, 1, 0, t), tk.decoderSide(t))),
  }), [params, quant, codes], opts) as Record<string, HostArray[]>;
  grids.forEach(([k], i) => check(k.slice('fixture.out.'.length), decoded['grids'][i].data, decoded['grids'][i].shape));
  recons.forEach(([k, t], i) => check(k.slice('fixture.out.'.length), decoded['recons'][i].data, decoded['recons'][i].shape, `side ${tk.decoderSide(t)}`));
  fromCodes.forEach(([k, t], i) => check(k.slice('fixture.out.'.length), decoded['fromCodes'][i].data, decoded['fromCodes'][i].shape, `side ${tk.decoderSide(t)}`));

  // self-correction re-encodes
  let minMargin = Math.min(...Array.from(margin.data as Float32Array));
  const starts = [...fixture.keys()].map((k) => /^fixture\.out\.corr_s(\d+)_codes$/.exec(k)).filter((m) => m !== null).map((m) => Number(m![1]));
  for (const s of starts) {
    const e = spanEnd(s, c);
    const ref = fixture.get(`fixture.out.corr_s${s}_codes`)!;
    const [B, N] = codes.shape;
    const noisy = new Int32Array(B * (e - s));
    for (let b = 0; b < B; b++) for (let j = s; j < e; j++) noisy[b * (e - s) + j - s] = Number(ref.data[(b * N + j) * 3 + 1]);
    const r = await runOnce((p: P, x: Node, q: Node, n: Node) => {
      const noisyVecs = gather(l2Normalize(p.codebook), n);
      const prefix = s > 0 ? concat([sliceAxis(q, 1, 0, s), noisyVecs], 1) : noisyVecs;
      const re = tk.reencode(p, x, prefix);
      return { codes: re.codes, quant: e < N ? concat([prefix, sliceAxis(re.quant, 1, e, N)], 1) : prefix, margin: re.margin };
    }, [params, images, quant, hostArray(noisy, [B, e - s])], opts) as Record<string, HostArray>;
    const triple = new Int32Array(B * N * 3);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < N; j++) {
        const clean = codes.data[b * N + j];
        const re = r['codes'].data[b * N + j];
        const o = (b * N + j) * 3;
        triple[o] = clean;
        triple[o + 1] = j < s ? clean : j < e ? noisy[b * (e - s) + j - s] : re;
        triple[o + 2] = j < e ? clean : re;
      }
    }
    check(`corr_s${s}_codes`, triple, [B, N, 3], `noisy codes [${s}, ${e}) taken from the fixture`);
    check(`corr_s${s}_quant`, r['quant'].data, r['quant'].shape);
    minMargin = Math.min(minMargin, ...Array.from(r['margin'].data as Float32Array));
  }
  check('quant_min_margin_all_calls', [minMargin], [1]);
  return checks;
};
