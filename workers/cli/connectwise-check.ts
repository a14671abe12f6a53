import { checkConnectWise } from '../../integrations/ticketing/connectwise/check.js';
import type { CliCommand } from './command.js';
import { runSystemCheck } from './system-check.js';

/** `twofa-desk connectwise check`: keys and clientId, board statuses, watched tickets and notes, API member, escalation, callback URL; exit 0 when all are fine. */
export const run: CliCommand = (ctx) => runSystemCheck(ctx, 'connectwise', checkConnectWise);
