import { checkZendesk } from '../../integrations/ticketing/zendesk/check.js';
import type { CliCommand } from './command.js';
import { runSystemCheck } from './system-check.js';

/** `twofa-desk zendesk check`: credentials, what solving requires, search, escalation group and webhook secret; exit 0 when all are fine. */
export const run: CliCommand = (ctx) => runSystemCheck(ctx, 'zendesk', checkZendesk);
