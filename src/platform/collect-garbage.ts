import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/**
 * Runs a full garbage collection now and lets the finalizers that follow it run. A compiled
 * function that is no longer reachable frees its ONNX Runtime sessions (and their memory arenas)
 * only from its finalizer, and V8 does not see that native memory: a long job that compiles many
 * graphs one after another (compare, row after row) would otherwise keep every earlier row's
 * sessions until the machine runs out of memory. Node only (the edge of the program calls it).
 */
export const collectGarbage = async (): Promise<void> => {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  // finalization callbacks run as tasks after the collection; give them two turns
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setTimeout(resolve, 0));
};
