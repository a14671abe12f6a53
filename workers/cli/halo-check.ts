import { checkHalo } from '../../integrations/ticketing/halo/check.js';
import type { CliCommand } from './command.js';
import { runSystemCheck } from './system-check.js';

/** `twofa-desk halo check`: token, agent, statuses, the watched list, actions, the escalation team and the secret; exit 0 when all are fine. */
export const run: CliCommand = (ctx) => runSystemCheck(ctx, 'halo', checkHalo);
