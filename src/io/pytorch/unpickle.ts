/**
 * A restricted unpickler for state dicts. It interprets the opcodes torch.save's pickles use
 * (protocol 2 to 5) and builds plain values; it never calls anything the pickle names. A global
 * is accepted only when it is on the allow-list below, and a REDUCE only applies an allowed
 * global's own rule here. Any other global, and any opcode outside the list, is a refusal
 * naming it. Every length is checked against the remaining bytes before it is read.
 */
import * as E from 'fp-ts/lib/Either.js';
import { CheckpointError } from './errors.ts';

/** A storage reference as torch's persistent id names it. */
export interface StorageRef { readonly kind: 'storage'; readonly type: string; readonly key: string; readonly location: string; readonly numel: number }
/** A tensor view of a storage: _rebuild_tensor_v2's arguments. */
export interface TensorRef { readonly kind: 'tensor'; readonly storage: StorageRef; readonly offset: number; readonly shape: readonly number[]; readonly stride: readonly number[] }
export interface GlobalRef { readonly kind: 'global'; readonly module: string; readonly name: string }
export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyDict | GlobalRef | StorageRef | TensorRef;
/** Dicts and OrderedDicts keep insertion order; keys are strings or numbers. */
export type PyDict = Map<string | number, PyValue>;

/** The storage classes of torch.save's persistent ids, with their element types. */
export const storageTypes: Readonly<Record<string, string>> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8', BoolStorage: 'bool',
};

const allowed = new Set([
  'collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_parameter',
  ...Object.keys(storageTypes).map((s) => `torch.${s}`),
]);

const isGlobal = (v: PyValue, full: string): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Uint8Array) && v.kind === 'global' && `${v.module}.${v.name}` === full;
const isTensor = (v: PyValue): v is TensorRef => typeof v === 'object' && v !== null && (v as TensorRef).kind === 'tensor';
const isStorage = (v: PyValue): v is StorageRef => typeof v === 'object' && v !== null && (v as StorageRef).kind === 'storage';
const isIntList = (v: PyValue): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0);

class Refusal extends Error {}
const refuse = (why: string): never => { throw new Refusal(why); };

/** What REDUCE may do: the rule of each allowed callable, on already-built arguments. */
const reduce = (fn: PyValue, args: PyValue): PyValue => {
  if (!Array.isArray(args)) return refuse('REDUCE without an argument tuple');
  if (isGlobal(fn, 'collections.OrderedDict')) {
    if (args.length !== 0) return refuse('OrderedDict(...) with arguments is not produced by torch.save');
    return new Map();
  }
  if (isGlobal(fn, 'torch._utils._rebuild_tensor_v2')) {
    const [storage, offset, shape, stride] = args;
    if (args.length < 4 || !isStorage(storage) || typeof offset !== 'number' || !isIntList(shape) || !isIntList(stride) || shape.length !== stride.length || !Number.isSafeInteger(offset) || offset < 0) {
      return refuse('_rebuild_tensor_v2 with arguments other than (storage, offset, size, stride, ...)');
    }
    return { kind: 'tensor', storage, offset, shape, stride };
  }
  if (isGlobal(fn, 'torch._utils._rebuild_parameter')) {
    if (!isTensor(args[0])) return refuse('_rebuild_parameter without a tensor');
    return args[0];
  }
  const name = typeof fn === 'object' && fn !== null && (fn as GlobalRef).kind === 'global' ? `${(fn as GlobalRef).module}.${(fn as GlobalRef).name}` : 'a non-global';
  return refuse(`REDUCE applies ${name}, which cannot be called`);
};

/** torch.save's persistent id ('storage', StorageType, key, location, numel) as a storage reference. */
export const torchPersistentLoad = (pid: PyValue): PyValue => {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) return refuse('a persistent id other than torch\'s (\'storage\', type, key, location, numel)');
  const [, type, key, location, numel] = pid;
  const t = type as GlobalRef;
  if (typeof t !== 'object' || t === null || t.kind !== 'global' || t.module !== 'torch' || !Object.hasOwn(storageTypes, t.name)) return refuse('a storage of an unknown type');
  if (typeof key !== 'string' || typeof location !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) return refuse('a storage id with bad key, location or size');
  return { kind: 'storage', type: t.name, key, location, numel };
};

/** Unpickles `bytes`; `persistentLoad` turns BINPERSID ids into values. */
export const unpickle = (bytes: Uint8Array, persistentLoad: (pid: PyValue) => PyValue = torchPersistentLoad): E.Either<CheckpointError, PyValue> => {
  try {
    return E.right(run(bytes, persistentLoad));
  } catch (e) {
    if (e instanceof Refusal) return E.left(new CheckpointError([`the pickle is refused: ${e.message}`]));
    throw e;
  }
};

const run = (b: Uint8Array, persistentLoad: (pid: PyValue) => PyValue): PyValue => {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let at = 0;
  let stack: PyValue[] = [];
  const marks: PyValue[][] = [];
  const memo = new Map<number, PyValue>();
  const need = (n: number): number => {
    if (!Number.isSafeInteger(n) || n < 0 || at + n > b.length) refuse(`it is truncated (needs ${n} bytes at ${at}, has ${b.length - at})`);
    const p = at;
    at += n;
    return p;
  };
  const pop = (): PyValue => (stack.length > 0 ? stack.pop()! : refuse('it pops an empty stack'));
  const top = (): PyValue => (stack.length > 0 ? stack[stack.length - 1] : refuse('it reads an empty stack'));
  const popMark = (): PyValue[] => {
    const items = stack;
    stack = marks.pop() ?? refuse('it closes a MARK that was never opened');
    return items;
  };
  const text = (n: number): string => {
    const p = need(n);
    try { return utf8.decode(b.subarray(p, p + n)); } catch { return refuse('a string is not valid UTF-8'); }
  };
  const line = (): string => {
    const end = b.indexOf(0x0a, at);
    if (end < 0) return refuse('a GLOBAL name is not terminated');
    return text(end - at + 1).slice(0, -1);
  };
  const global = (module: string, name: string): PyValue => {
    const full = `${module}.${name}`;
    if (!allowed.has(full)) refuse(`it names the global '${full}', which a state dict never needs (allowed: ${[...allowed].join(', ')})`);
    return { kind: 'global', module, name };
  };
  const setItems = (d: PyValue, items: PyValue[]): void => {
    if (!(d instanceof Map)) refuse('SETITEM on something that is not a dict');
    if (items.length % 2 !== 0) refuse('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) {
      const k = items[i];
      if (typeof k !== 'string' && typeof k !== 'number') refuse('a dict key that is neither a string nor a number');
      (d as PyDict).set(k as string | number, items[i + 1]);
    }
  };
  const list = (l: PyValue, items: PyValue[]): void => {
    if (!Array.isArray(l)) refuse('APPEND on something that is not a list');
    (l as PyValue[]).push(...items);
  };
  for (;;) {
    const op = b[need(1)];
    switch (op) {
      case 0x80: need(1); break; // PROTO
      case 0x95: need(8); break; // FRAME: a length hint only
      case 0x2e: if (stack.length !== 1 || marks.length !== 0) refuse('STOP with a stack other than one value'); return stack[0]; // STOP
      case 0x28: marks.push(stack); stack = []; break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(v.getInt32(need(4), true)); break; // BININT
      case 0x4b: stack.push(b[need(1)]); break; // BININT1
      case 0x4d: stack.push(v.getUint16(need(2), true)); break; // BININT2
      case 0x8a: { // LONG1: little-endian two's complement
        const n = b[need(1)];
        if (n > 8) refuse(`LONG1 of ${n} bytes`);
        const p = need(n);
        let x = 0n;
        for (let i = n - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[p + i]);
        if (n > 0 && b[p + n - 1] >= 0x80) x -= 1n << BigInt(8 * n);
        stack.push(x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x);
        break;
      }
      case 0x47: stack.push(v.getFloat64(need(8), false)); break; // BINFLOAT
      case 0x58: stack.push(text(v.getUint32(need(4), true))); break; // BINUNICODE
      case 0x8c: stack.push(text(b[need(1)])); break; // SHORT_BINUNICODE
      case 0x8d: { const p = need(8); stack.push(text(v.getUint32(p, true) + v.getUint32(p + 4, true) * 2 ** 32)); break; } // BINUNICODE8
      case 0x43: { const n = b[need(1)]; const p = need(n); stack.push(b.slice(p, p + n)); break; } // SHORT_BINBYTES
      case 0x42: { const n = v.getUint32(need(4), true); const p = need(n); stack.push(b.slice(p, p + n)); break; } // BINBYTES
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x74: { const xs = popMark(); stack.push(xs); break; } // TUPLE (popMark swaps `stack`: read it after)
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const y = pop(); stack.push([pop(), y]); break; } // TUPLE2
      case 0x87: { const z = pop(); const y = pop(); stack.push([pop(), y, z]); break; } // TUPLE3
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: { const xs = popMark(); stack.push(xs); break; } // LIST
      case 0x61: { const x = pop(); list(top(), [x]); break; } // APPEND
      case 0x65: { const xs = popMark(); list(top(), xs); break; } // APPENDS
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x64: { const d: PyDict = new Map(); setItems(d, popMark()); stack.push(d); break; } // DICT
      case 0x73: { const val = pop(); const k = pop(); setItems(top(), [k, val]); break; } // SETITEM
      case 0x75: { const xs = popMark(); setItems(top(), xs); break; } // SETITEMS
      case 0x63: { const module = line(); stack.push(global(module, line())); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') refuse('STACK_GLOBAL without two strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x52: { const args = pop(); stack.push(reduce(pop(), args)); break; } // REDUCE
      case 0x62: { // BUILD: state_dict's OrderedDict carries `_metadata` (versions); it is kept out of the dict
        const state = pop();
        const obj = top();
        if (!(obj instanceof Map) || !(state === null || state instanceof Map || Array.isArray(state))) refuse('BUILD on something other than an OrderedDict');
        break;
      }
      case 0x51: stack.push(persistentLoad(pop())); break; // BINPERSID
      case 0x71: memo.set(b[need(1)], top()); break; // BINPUT
      case 0x72: memo.set(v.getUint32(need(4), true), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const i = op === 0x68 ? b[need(1)] : v.getUint32(need(4), true);
        if (!memo.has(i)) refuse(`it reads memo slot ${i}, which was never written`);
        stack.push(memo.get(i)!);
        break;
      }
      default: refuse(`opcode 0x${op.toString(16).padStart(2, '0')} ('${String.fromCharCode(op)}') at byte ${at - 1} is not one a state dict uses`);
    }
  }
};
