import { checkJira } from '../../integrations/ticketing/jira/check.js';
import type { CliCommand } from './command.js';
import { runSystemCheck } from './system-check.js';

/** `twofa-desk jira check`: credentials, service desk, JQL search, escalation assignee and webhook secret; exit 0 when all are fine. */
export const run: CliCommand = (ctx) => runSystemCheck(ctx, 'jira', checkJira);
