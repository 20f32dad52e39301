/** Where a command writes; tests pass their own to capture output. */
export interface CliIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** One `detailflow <name>` subcommand. It returns an exit code; only the CLI edge throws or exits. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly run: (argv: readonly string[], io: CliIO) => Promise<number>;
}
