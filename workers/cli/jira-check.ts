import { checkJira } from '../../integrations/ticketing/jira/check.js';
import { UsageError, type CliContext } from './command.js';

/** `twofa-desk jira check`: credentials, service desk, JQL search, escalation assignee and webhook secret; exit 0 when all are fine. */
export async function run(ctx: CliContext): Promise<number> {
  if (ctx.args.length !== 1 || ctx.args[0] !== 'check') throw new UsageError(`unknown arguments '${ctx.args.join(' ')}'`);
  const { ok, lines } = await checkJira(ctx.env);
  for (const line of lines) ctx.out(line);
  ctx.out(ok ? 'jira: ready' : 'jira: not ready (see ✗ above)');
  return ok ? 0 : 1;
}
