import { checkZendesk } from '../../integrations/ticketing/zendesk/check.js';
import { UsageError, type CliContext } from './command.js';

/** `twofa-desk zendesk check`: credentials, what solving requires, search, escalation group and webhook secret; exit 0 when all are fine. */
export async function run(ctx: CliContext): Promise<number> {
  if (ctx.args.length !== 1 || ctx.args[0] !== 'check') throw new UsageError(`unknown arguments '${ctx.args.join(' ')}'`);
  const { ok, lines } = await checkZendesk(ctx.env);
  for (const line of lines) ctx.out(line);
  ctx.out(ok ? 'zendesk: ready' : 'zendesk: not ready (see ✗ above)');
  return ok ? 0 : 1;
}
