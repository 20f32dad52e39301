/** Flag values every example checks the same way, whatever the runtime (no Node or Deno API here). */

/** Comma-separated class ids, checked. */
export const parseClasses = (s: string): number[] => {
  const ids = s.split(',').map((x) => Number(x.trim()));
  if (s.trim() === '' || ids.some((x) => !Number.isInteger(x) || x < 0)) throw new Error(`--classes: expected comma-separated class ids, got '${s}'`);
  return ids;
};

/** A positive integer flag (or its default). */
export const positiveInt = (name: string, value: string | undefined, fallback: number): number => {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got '${value}'`);
  return n;
};
