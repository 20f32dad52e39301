import * as tf from '@tensorflow/tfjs-core';
import { activate, type BackendName } from '../compile/backend.ts';
import { isHostArray } from '../ir/host-array.ts';
import { isHostTree } from '../nn/layout.ts';
import type { TransformerStackParams } from '../nn/transformer-stack.ts';
import { flatten } from '../tree/tree.ts';
import { benchAdamW, type CoreBenchConfig } from './core-config.ts';
import type { BenchData, Contender } from './dsl-step.ts';

// The same formula as the DSL's gelu lowering: the tanh form written as x * sigmoid(2z), with x*x*x
// (tfjs-wasm's pow and tanh are several times slower than mul and sigmoid).
const gelu = (x: tf.Tensor): tf.Tensor =>
  tf.mul(x, tf.sigmoid(tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), 2 * Math.sqrt(2 / Math.PI))));

const layerNorm = (x: tf.Tensor, scale: tf.Tensor, bias: tf.Tensor): tf.Tensor => {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const inv = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), benchAdamW.layerNormEps));
  return tf.add(tf.mul(tf.mul(centred, inv), scale), bias);
};

/**
 * 'tape': plain tf.matMul, whose registered gradient uses matMul's transposeA/transposeB flags.
 * 'tuned': the same product with a custom gradient that transposes explicitly first (what the DSL's
 * VJP does); on wasm the flagged kernels are several times slower than a transpose plus a plain product.
 */
export type TfjsVariant = 'tape' | 'tuned';

const matMulExplicitT = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(saved[1] as tf.Tensor2D)), tf.matMul(tf.transpose(saved[0] as tf.Tensor2D), g)];
    },
  };
});

const denseFor = (variant: TfjsVariant) => (x2d: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor =>
  tf.add(variant === 'tuned' ? matMulExplicitT(x2d, w) : tf.matMul(x2d as tf.Tensor2D, w as tf.Tensor2D), b);

/**
 * The same step written directly against tfjs, as one would by hand: tape gradients
 * (tf.valueAndGrads, registered by the @tensorflow/tfjs bundle), tf.softmax, matMul with
 * transposeB for the scores, tf.split for the fused qkv, and a manual AdamW with the same arithmetic.
 */
export const tfjsContender = async (
  c: CoreBenchConfig, backend: BackendName, data: BenchData, params0: TransformerStackParams, variant: TfjsVariant,
): Promise<Contender> => {
  await import('@tensorflow/tfjs'); // registers the gradient functions tf.valueAndGrads needs
  activate(backend);
  const dense = denseFor(variant);
  if (!isHostTree(params0)) throw new TypeError('tfjsContender: the parameters are not a tree of host arrays');
  const { leaves, paths } = flatten(params0, isHostArray, 'host array');
  const index = new Map(paths.map((p, i) => [p, i]));
  const decays = leaves.map((l) => l.shape.length >= 2);
  let params = leaves.map((l) => tf.tensor(l.data, [...l.shape], 'float32'));
  let mu = leaves.map((l) => tf.zeros([...l.shape]));
  let nu = leaves.map((l) => tf.zeros([...l.shape]));
  const x = tf.tensor(data.x.data, [...data.x.shape], 'float32');
  const y = tf.tensor(data.y.data, [...data.y.shape], 'float32');
  const { batch: B, seq: T, width: D, heads: H } = c;
  const dh = D / H;

  const forward = (...ps: tf.Tensor[]): tf.Scalar => {
    const at = (path: string) => ps[index.get(path) as number];
    let h = tf.reshape(x, [B * T, D]);
    for (let i = 0; i < c.depth; i++) {
      const p = (s: string) => at(`blocks[${i}].${s}`);
      const a = layerNorm(h, p('attn.norm.scale'), p('attn.norm.bias'));
      const [q, k, v] = tf.split(dense(a, p('attn.attn.qkv.w'), p('attn.attn.qkv.b')), 3, -1)
        .map((z) => tf.transpose(tf.reshape(z, [B, T, H, dh]), [0, 2, 1, 3]));
      const probs = tf.softmax(tf.matMul(tf.mul(q, 1 / Math.sqrt(dh)), k, false, true));
      const o = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [B * T, D]);
      h = tf.add(h, dense(o, p('attn.attn.out.w'), p('attn.attn.out.b')));
      const m = layerNorm(h, p('mlp.norm.scale'), p('mlp.norm.bias'));
      h = tf.add(h, dense(gelu(dense(m, p('mlp.mlp.fc1.w'), p('mlp.mlp.fc1.b'))), p('mlp.mlp.fc2.w'), p('mlp.mlp.fc2.b')));
    }
    return tf.mean(tf.square(tf.sub(tf.reshape(h, [B, T, D]), y)));
  };

  const { lr, b1, b2, eps, weightDecay } = benchAdamW;
  let step = 0;
  let last = NaN;
  return {
    step: async () => {
      step += 1;
      const stepSize = lr / (1 - b1 ** step);
      const invRootBc2 = 1 / Math.sqrt(1 - b2 ** step);
      const out = tf.tidy(() => {
        const { value, grads } = tf.valueAndGrads(forward)(params);
        // the global gradient norm, as the DSL step reports it (pairwise adds: tfjs-webgpu's AddN of more
        // than 8 inputs exceeds the default storage-buffer limit and invalidates the whole command buffer)
        const norm = tf.sqrt(grads.map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b)));
        const m = grads.map((g, i) => tf.add(tf.mul(mu[i], b1), tf.mul(g, 1 - b1)));
        const v = grads.map((g, i) => tf.add(tf.mul(nu[i], b2), tf.mul(tf.square(g), 1 - b2)));
        const p = params.map((w, i) => {
          const decayed = decays[i] ? tf.sub(w, tf.mul(w, lr * weightDecay)) : w;
          return tf.sub(decayed, tf.div(tf.mul(m[i], stepSize), tf.add(tf.mul(tf.sqrt(v[i]), invRootBc2), eps)));
        });
        return { value, norm, m, v, p };
      });
      tf.dispose([params, mu, nu, out.norm]);
      params = out.p;
      mu = out.m;
      nu = out.v;
      last = (await out.value.data())[0];
      out.value.dispose();
    },
    lastLoss: () => last,
    dispose: () => tf.dispose([params, mu, nu, x, y]),
  };
};
