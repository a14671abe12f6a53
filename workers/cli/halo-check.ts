import { checkHalo } from '../../integrations/ticketing/halo/check.js';
import { UsageError, type CliContext } from './command.js';

/** `twofa-desk halo check`: token, agent, statuses, the watched list, actions, the escalation team and the secret; exit 0 when all are fine. */
export async function run(ctx: CliContext): Promise<number> {
  if (ctx.args.length !== 1 || ctx.args[0] !== 'check') throw new UsageError(`unknown arguments '${ctx.args.join(' ')}'`);
  const { ok, lines } = await checkHalo(ctx.env);
  for (const line of lines) ctx.out(line);
  ctx.out(ok ? 'halo: ready' : 'halo: not ready (see ✗ above)');
  return ok ? 0 : 1;
}
