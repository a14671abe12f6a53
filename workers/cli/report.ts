import type { CliContext } from './command.js';

/** Not built yet: see the open issue. */
export async function run(ctx: CliContext): Promise<number> {
  ctx.err('this command is not built into this version yet');
  return 2;
}
