import { checkRt } from '../../integrations/ticketing/rt/check.js';
import { UsageError, type CliContext } from './command.js';

/** `twofa-desk rt check`: credentials, the queue, the custom field, search, escalation and the Scrip's secret; exit 0 when all are fine. */
export async function run(ctx: CliContext): Promise<number> {
  if (ctx.args.length !== 1 || ctx.args[0] !== 'check') throw new UsageError(`unknown arguments '${ctx.args.join(' ')}'`);
  const { ok, lines } = await checkRt(ctx.env);
  for (const line of lines) ctx.out(line);
  ctx.out(ok ? 'rt: ready' : 'rt: not ready (see ✗ above)');
  return ok ? 0 : 1;
}
