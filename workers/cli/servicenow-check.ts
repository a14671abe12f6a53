import { checkServiceNow } from '../../integrations/ticketing/servicenow/check.js';
import { UsageError, type CliContext } from './command.js';

/** `twofa-desk servicenow check`: credentials, roles, state choices, the watched list, the escalation group and the secret; exit 0 when all are fine. */
export async function run(ctx: CliContext): Promise<number> {
  if (ctx.args.length !== 1 || ctx.args[0] !== 'check') throw new UsageError(`unknown arguments '${ctx.args.join(' ')}'`);
  const { ok, lines } = await checkServiceNow(ctx.env);
  for (const line of lines) ctx.out(line);
  ctx.out(ok ? 'servicenow: ready' : 'servicenow: not ready (see ✗ above)');
  return ok ? 0 : 1;
}
