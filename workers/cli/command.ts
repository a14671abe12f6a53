/** What every `twofa-desk` sub-command gets: its own arguments, where to write, and the environment. */
export interface CliContext {
  args: string[];
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** A sub-command: resolves to the process exit code (0 ok, 1 a check failed or nothing matched, 2 bad usage). */
export type CliCommand = (ctx: CliContext) => Promise<number>;

/** Thrown for a usage mistake: the CLI prints the message and the command's usage, and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
