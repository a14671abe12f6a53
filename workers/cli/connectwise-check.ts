import { checkConnectWise } from '../../integrations/ticketing/connectwise/check.js';
import { UsageError, type CliContext } from './command.js';

/** `twofa-desk connectwise check`: keys and clientId, board statuses, watched tickets and notes, API member, escalation, callback URL; exit 0 when all are fine. */
export async function run(ctx: CliContext): Promise<number> {
  if (ctx.args.length !== 1 || ctx.args[0] !== 'check') throw new UsageError(`unknown arguments '${ctx.args.join(' ')}'`);
  const { ok, lines } = await checkConnectWise(ctx.env);
  for (const line of lines) ctx.out(line);
  ctx.out(ok ? 'connectwise: ready' : 'connectwise: not ready (see ✗ above)');
  return ok ? 0 : 1;
}
