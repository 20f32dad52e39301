/** Element types of graph values. `key` is a host-side PRNG key: it never lives on a device. */
export type DType = 'float32' | 'int32' | 'bool' | 'key';

export const isNumeric = (d: DType): boolean => d === 'float32' || d === 'int32';
export const isFloat = (d: DType): boolean => d === 'float32';

export type HostData = Float32Array | Int32Array | Uint8Array;

export const hostArrayFor = (dtype: DType, size: number): HostData => {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'int32': return new Int32Array(size);
    case 'bool': return new Uint8Array(size);
    case 'key': throw new Error('keys have no host array');
  }
};
