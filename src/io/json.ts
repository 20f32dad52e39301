/**
 * JSON from untrusted bytes (file headers, checkpoint metadata, config files) with its nesting
 * bounded: the depth is counted by one scan before parsing, so a file nested 20,000 deep is
 * refused in a line instead of overflowing the stack of whatever walks the parsed value.
 */
import * as E from 'fp-ts/lib/Either.js';

/** Deeper than any metadata this project writes (parameter trees nest a few levels). */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of objects and arrays in JSON text (strings skipped; the text need not be valid). */
export const jsonDepth = (text: string): number => {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) { depth++; if (depth > max) max = depth; }
    else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return max;
};

/** Parses JSON whose nesting is at most `maxDepth`; the problem is one line. */
export const parseJsonBounded = (text: string, maxDepth = MAX_JSON_DEPTH): E.Either<string, unknown> => {
  const depth = jsonDepth(text);
  if (depth > maxDepth) return E.left(`it nests ${depth} levels deep (at most ${maxDepth} allowed)`);
  try {
    return E.right(JSON.parse(text) as unknown);
  } catch (e) {
    return E.left(`it is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
};
