/** Element types of graph values. `key` is a host-side PRNG key: it never lives on a device. */
export type DType = 'float32' | 'int32' | 'bool' | 'key';

export type HostData = Float32Array | Int32Array | Uint8Array;

