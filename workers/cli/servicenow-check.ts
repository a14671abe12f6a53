import { checkServiceNow } from '../../integrations/ticketing/servicenow/check.js';
import type { CliCommand } from './command.js';
import { runSystemCheck } from './system-check.js';

/** `twofa-desk servicenow check`: credentials, roles, state choices, the watched list, the escalation group and the secret; exit 0 when all are fine. */
export const run: CliCommand = (ctx) => runSystemCheck(ctx, 'servicenow', checkServiceNow);
