/**
 * The `bench core` step written with jax-js (npm `@jax-js/jax`, a dev dependency): the same stack,
 * loss and AdamW from the same parameters and data, as one `jit` of `valueAndGrad` plus the update,
 * the way a JAX user writes a train step. jax-js is imported dynamically, so the library never needs it.
 *
 * What differs from the DSL step: jax-js's own kernels and fusion (its wasm backend runs one thread
 * in Node: it spreads work over Web Workers, which Node lacks); nn.gelu (the tanh form) and
 * nn.softmax instead of the DSL's lowerings; the bias-correction factors computed on the host in
 * float64 (as the tfjs baseline does) rather than in float32 on the device.
 */
import type { BackendName } from '../compile/backend.ts';
import { isHostArray } from '../ir/host-array.ts';
import { isHostTree } from '../nn/layout.ts';
import type { TransformerStackParams } from '../nn/transformer-stack.ts';
import { flatten } from '../tree/tree.ts';
import { benchAdamW, type CoreBenchConfig } from './core-config.ts';
import type { BenchData, Contender } from './dsl-step.ts';

type Jax = typeof import('@jax-js/jax');
type JArray = import('@jax-js/jax').Array;

/** The jax-js device for a DSL backend: the backends both have (none for ONNX Runtime). */
export type JaxDevice = 'cpu' | 'wasm' | 'webgpu';
export const jaxDeviceFor = (backend: BackendName): JaxDevice | undefined =>
  backend === 'cpu' || backend === 'wasm' || backend === 'webgpu' ? backend : undefined;

let loaded: Promise<Jax | string> | undefined;

/** jax-js, or one line saying why it cannot be loaded (it is a dev dependency). */
export const loadJax = (): Promise<Jax | string> => {
  loaded ??= (async () => {
    // jax-js reads navigator (hardwareConcurrency, userAgent) at load; Node 20 has none
    const g = globalThis as { navigator?: { userAgent?: string } };
    g.navigator ??= {};
    g.navigator.userAgent ??= 'Node.js';
    try {
      return await import('@jax-js/jax');
    } catch (e) {
      return `jax-js is not installed (npm install --save-dev @jax-js/jax): ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
    }
  })();
  return loaded;
};

/** Starts jax-js on `device`; a string says why it cannot run there. */
export const initJax = async (device: JaxDevice): Promise<Jax | string> => {
  const jax = await loadJax();
  if (typeof jax === 'string') return jax;
  const ready = await jax.init(device);
  return ready.includes(device) ? jax : `jax-js has no ${device} backend here (it started ${ready.join(', ') || 'none'})`;
};

/**
 * The jax-js contender. jax-js counts references: a function consumes its array arguments, so a
 * value used twice is passed as `.ref` once; the jitted step consumes the old parameters and
 * moments and returns new ones, as the DSL's donated step does.
 */
export const jaxContender = async (
  jax: Jax, c: CoreBenchConfig, device: JaxDevice, data: BenchData, params0: TransformerStackParams,
): Promise<Contender> => {
  const { numpy: np, nn, jit, valueAndGrad, blockUntilReady } = jax;
  if (!isHostTree(params0)) throw new TypeError('jaxContender: the parameters are not a tree of host arrays');
  const { leaves, paths } = flatten(params0, isHostArray, 'host array');
  const index = new Map(paths.map((p, i) => [p, i]));
  const decays = leaves.map((l) => l.shape.length >= 2);
  const put = (a: Float32Array, shape: readonly number[]) => np.array(a, { shape: [...shape], device });
  let params = leaves.map((l) => put(l.data as Float32Array, l.shape));
  let mu = leaves.map((l) => np.zeros([...l.shape], { device }));
  let nu = leaves.map((l) => np.zeros([...l.shape], { device }));
  const x = put(data.x.data as Float32Array, data.x.shape);
  const y = put(data.y.data as Float32Array, data.y.shape);
  const { batch: B, seq: T, width: D, heads: H } = c;
  const dh = D / H;
  const { lr, b1, b2, eps, weightDecay } = benchAdamW;

  const layerNorm = (h: JArray, scale: JArray, bias: JArray): JArray => {
    const centred = h.ref.sub(h.mean(-1, { keepdims: true }));
    const variance = np.square(centred.ref).mean(-1, { keepdims: true });
    return centred.div(np.sqrt(variance.add(benchAdamW.layerNormEps))).mul(scale).add(bias);
  };
  const dense = (h: JArray, w: JArray, b: JArray): JArray => np.matmul(h, w).add(b);

  const loss = (ps: JArray[], xs: JArray, ys: JArray): JArray => {
    const at = (path: string) => ps[index.get(path) as number];
    let h = xs.reshape([B * T, D]);
    for (let i = 0; i < c.depth; i++) {
      const p = (s: string) => at(`blocks[${i}].${s}`);
      const a = layerNorm(h.ref, p('attn.norm.scale'), p('attn.norm.bias'));
      const [q, k, v] = np.split(dense(a, p('attn.attn.qkv.w'), p('attn.attn.qkv.b')), 3, -1)
        .map((z) => z.reshape([B, T, H, dh]).transpose([0, 2, 1, 3]));
      const probs = nn.softmax(np.matmul(q.mul(1 / Math.sqrt(dh)), k.transpose([0, 1, 3, 2])), -1);
      const o = np.matmul(probs, v).transpose([0, 2, 1, 3]).reshape([B * T, D]);
      h = h.add(dense(o, p('attn.attn.out.w'), p('attn.attn.out.b')));
      const m = layerNorm(h.ref, p('mlp.norm.scale'), p('mlp.norm.bias'));
      h = h.add(dense(nn.gelu(dense(m, p('mlp.mlp.fc1.w'), p('mlp.mlp.fc1.b'))), p('mlp.mlp.fc2.w'), p('mlp.mlp.fc2.b')));
    }
    return np.square(h.reshape([B, T, D]).sub(ys)).mean();
  };

  // forward, backward, the global gradient norm (the DSL step reports it) and AdamW, in one jit
  const trainStep = jit((ps: JArray[], m: JArray[], v: JArray[], xs: JArray, ys: JArray, stepSize: JArray, invRootBc2: JArray) => {
    const [value, grads] = valueAndGrad(loss)(ps.map((p) => p.ref), xs, ys);
    const norm = np.sqrt(grads.map((g) => np.square(g.ref).sum()).reduce((s, t) => s.add(t)));
    const m2 = grads.map((g, i) => m[i].mul(b1).add(g.ref.mul(1 - b1)));
    const v2 = grads.map((g, i) => v[i].mul(b2).add(np.square(g).mul(1 - b2)));
    const p2 = ps.map((w, i) => {
      const decayed = decays[i] ? w.ref.sub(w.mul(lr * weightDecay)) : w;
      return decayed.sub(m2[i].ref.mul(stepSize.ref).div(np.sqrt(v2[i].ref).mul(invRootBc2.ref).add(eps)));
    });
    stepSize.dispose();
    invRootBc2.dispose();
    return { params: p2, mu: m2, nu: v2, loss: value, norm };
  });

  let step = 0;
  let last = NaN;
  return {
    step: async () => {
      step += 1;
      const scalar = (v: number) => np.array(v, { device });
      const out = trainStep(params, mu, nu, x.ref, y.ref, scalar(lr / (1 - b1 ** step)), scalar(1 / Math.sqrt(1 - b2 ** step)));
      params = out.params;
      mu = out.mu;
      nu = out.nu;
      // jax-js is lazy: wait for the new parameters too, not only the loss, as the DSL's step does
      await blockUntilReady([params, mu, nu]);
      last = (await out.loss.data())[0];
      await out.norm.data();
    },
    lastLoss: () => last,
    dispose: () => {
      for (const a of [...params, ...mu, ...nu, x, y]) a.dispose();
      trainStep.dispose();
    },
  };
};
