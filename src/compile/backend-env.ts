import { parseBackendName, type BackendName } from './backend.ts';

/**
 * DETAILFLOW_BACKEND in `env`, parsed (undefined when unset or empty; a GraphError naming the
 * choices when it is not a backend). Only entry points read the environment and pass it here
 * (`process.env`); the library takes the result as a value (`defaultBackend({ prefer })`,
 * `preferBackend`).
 */
export const backendFromEnv = (env: Readonly<Record<string, string | undefined>>): BackendName | undefined => {
  const name = env['DETAILFLOW_BACKEND'];
  return name ? parseBackendName(name) : undefined;
};
