import { checkRt } from '../../integrations/ticketing/rt/check.js';
import type { CliCommand } from './command.js';
import { runSystemCheck } from './system-check.js';

/** `twofa-desk rt check`: credentials, the queue, the custom field, search, escalation and the Scrip's secret; exit 0 when all are fine. */
export const run: CliCommand = (ctx) => runSystemCheck(ctx, 'rt', checkRt);
