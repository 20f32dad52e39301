// Loaded with `node --import`: makes onnxruntime-node unresolvable, as on a platform it has no
// binary for (or an install that skipped the optional dependency), for the missing-runtime tests.
import { register } from 'node:module';

const hook = `export async function resolve(specifier, context, next) {
  if (specifier === 'onnxruntime-node' || specifier.startsWith('onnxruntime-node/')) {
    throw Object.assign(new Error("Cannot find package 'onnxruntime-node' imported from the test"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
