/**
 * An error that lists every problem found in some input, one line each, and names the input
 * (a file path once an edge knows it). Decoders return these as values (`Either`); only the CLI
 * edge and plain-data conveniences throw them.
 */
export class ProblemsError extends Error {
  readonly problems: readonly string[];
  readonly source: string | undefined;

  /** `title` starts the message: "invalid PNG image", "cannot read file". */
  constructor(readonly title: string, problems: readonly string[], source?: string) {
    const list = problems.length > 0 ? problems : ['unknown problem'];
    const head = `${title}${source === undefined ? '' : ` '${source}'`}`;
    super(list.length === 1 ? `${head}: ${list[0]}` : `${head} (${list.length} problems):\n${list.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ProblemsError';
    this.problems = Object.freeze([...list]);
    this.source = source;
  }
}

/** At most `max` lines, then one line saying how many more there were (keeps messages readable). */
export const capProblems = (problems: readonly string[], max = 20): string[] =>
  problems.length <= max ? [...problems] : [...problems.slice(0, max), `... and ${problems.length - max} more`];
