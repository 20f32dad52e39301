import * as tf from '@tensorflow/tfjs-core';

/**
 * GELU (tanh form) as one fused WGSL pass. The plain lowering runs about eight tfjs kernels,
 * each a full read and write of the tensor; this reads once and writes once.
 * The program follows tfjs-backend-webgpu's program protocol (flat dispatch, `main(index)`),
 * and is reached through the active backend object so that this module never imports the
 * webgpu backend (which must load only after a WebGPU adapter exists).
 */
const WORKGROUP = 128;

interface WebGPUBackendLike {
  runWebGPUProgram(program: object, inputs: tf.TensorInfo[], dtype: tf.DataType): tf.TensorInfo;
}

const program = (shape: number[]) => ({
  variableNames: ['A'],
  outputShape: shape,
  shaderKey: 'detailflow_gelu_tanh',
  size: true,
  workgroupSize: [WORKGROUP, 1, 1] as [number, number, number],
  dispatchLayout: { x: shape.map((_, i) => i) },
  dispatch: [Math.ceil(shape.reduce((a, b) => a * b, 1) / WORKGROUP), 1, 1] as [number, number, number],
  getUserCode: () => `
    fn geluTanh(x : f32) -> f32 {
      let inner = 0.7978845608028654 * (x + 0.044715 * x * x * x);
      // clamp keeps tanh's exp finite for large |x|, where tanh is +-1 anyway
      return 0.5 * x * (1.0 + tanh(clamp(inner, -15.0, 15.0)));
    }
    fn main(index : i32) {
      if (index < uniforms.size) {
        setOutputAtIndex(index, geluTanh(getAByOutputIndex(index)));
      }
    }`,
});

export const geluWebGPU = (x: tf.Tensor): tf.Tensor => {
  if (x.size === 0) return tf.clone(x);
  // tfjs types the active backend as the base KernelBackend; the webgpu one is not imported here (see above)
  const backend = tf.backend() as unknown as WebGPUBackendLike;
  const info = backend.runWebGPUProgram(program([...x.shape]), [x], 'float32');
  return tf.engine().makeTensorFromTensorInfo(info);
};
