import type { CheckResult } from '../../integrations/shared/check-probe.js';
import { UsageError, type CliContext } from './command.js';

/** `twofa-desk <system> check`: the integration's check, a line each, then whether `system` is ready; exit 0 when it is. */
export async function runSystemCheck(ctx: CliContext, system: string, check: (env: NodeJS.ProcessEnv) => Promise<CheckResult>): Promise<number> {
  if (ctx.args.length !== 1 || ctx.args[0] !== 'check') throw new UsageError(`unknown arguments '${ctx.args.join(' ')}'`);
  const { ok, lines } = await check(ctx.env);
  for (const line of lines) ctx.out(line);
  ctx.out(ok ? `${system}: ready` : `${system}: not ready (see ✗ above)`);
  return ok ? 0 : 1;
}
