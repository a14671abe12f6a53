import { runCheck, type CheckResult } from '../../shared/check-probe.js';
import { TicketingAuthFailed, TicketingError } from '../errors.js';
import { NO_LIMIT, ZendeskClient } from './client.js';
import { loadZendeskConfig } from './config.js';
import type { ZendeskUser } from './schemas.js';

/**
 * `zendesk check`: reads the ZENDESK_* variables and tries, once each, the calls the adapter depends on, and says
 * what the account's settings require of the bot. Each line says what works or what is missing; no secret is printed.
 */
export async function checkZendesk(env: NodeJS.ProcessEnv): Promise<CheckResult> {
  return runCheck(() => loadZendeskConfig(env), TicketingError, async ({ lines, fail, describe }, config) => {
    const who = config.credentials.kind === 'token' ? `API token of ${config.credentials.email}` : 'OAuth token';
    lines.push(`· ${config.baseUrl}, ${who}, watch tag "${config.watchTag}", budget ${config.rateLimitPerMin} requests/min, poll every ${config.pollIntervalS} s`);
    const client = new ZendeskClient({ baseUrl: config.baseUrl, credentials: config.credentials, limiter: NO_LIMIT, timeoutMs: config.timeoutMs, retries: 0 });
    try {
      let me;
      try {
        me = await client.me();
        if (me.role === 'end-user') fail(`the API user #${me.id} is an end user: the bot needs an agent (or admin) to write internal notes and change tickets`);
        else lines.push(`✓ credentials work: API user #${me.id} (${me.role})`);
      } catch (err) {
        const where = err instanceof TicketingAuthFailed ? ' (Admin Center > Apps and integrations > APIs > Zendesk API)' : '';
        fail(`credentials: ${describe(err)}${where}`);
        return;
      }
      const solve = await solveLine(client, config.solveAssigneeId, me, describe);
      if (solve.ok) lines.push(solve.line);
      else fail(solve.line);
      try {
        const found = await client.searchTickets(`tags:${config.watchTag} status<solved`);
        lines.push(`✓ search works: ${found.length} unsolved ticket(s) tagged "${config.watchTag}" now`);
      } catch (err) {
        fail(`search (GET /api/v2/search/export.json): ${describe(err)}`);
      }
      if (config.escalationGroupId === undefined) {
        fail('ZENDESK_ESCALATION_GROUP_ID is not set: escalated tickets are tagged and noted but assigned to no group (Admin Center > People > Team > Groups: the id is in the group\'s URL)');
      } else {
        try {
          const group = await client.getGroup(config.escalationGroupId);
          lines.push(`✓ escalation group #${group.id} "${group.name}"`);
        } catch (err) {
          fail(`escalation group ${config.escalationGroupId}: ${describe(err)}`);
        }
      }
      lines.push('✓ ZENDESK_WEBHOOK_SECRET is set: webhooks to POST <intake URL>/webhooks/zendesk are verified with it');
    } finally {
      client.close();
    }
  });
}

const AUTO_ASSIGN = '"Auto-assign tickets upon solve" (Admin Center > Objects and rules > Tickets > Settings > Assignments)';

/**
 * What the account requires to solve a ticket, and who the bot assigns: Zendesk refuses `solved` without an assignee
 * unless the account assigns the solver itself. The bot sets one either way; the assignee must be an agent.
 */
async function solveLine(client: ZendeskClient, assigneeId: string | undefined, me: ZendeskUser, describe: (err: unknown) => string): Promise<{ ok: boolean; line: string }> {
  let who: string;
  if (assigneeId === undefined) {
    who = `the bot's own user #${me.id}`;
  } else {
    try {
      const agent = await client.getUser(assigneeId);
      if (agent.role === 'end-user') return { ok: false, line: `ZENDESK_SOLVE_ASSIGNEE_ID #${agent.id} is an end user: solved tickets must be assigned to an agent` };
      who = `#${agent.id} "${agent.name}" (ZENDESK_SOLVE_ASSIGNEE_ID)`;
    } catch (err) {
      return { ok: false, line: `ZENDESK_SOLVE_ASSIGNEE_ID ${assigneeId}: ${describe(err)}` };
    }
  }
  let rule: string;
  try {
    const auto = await client.assignsOnSolve();
    rule =
      auto === false
        ? `${AUTO_ASSIGN} is off: Zendesk refuses to solve a ticket without an assignee`
        : auto === true
          ? `${AUTO_ASSIGN} is on: Zendesk assigns the solver itself`
          : `the account settings do not say whether ${AUTO_ASSIGN} is on`;
  } catch (err) {
    rule = `the account settings could not be read (${describe(err)}), so whether ${AUTO_ASSIGN} is on is not known`;
  }
  return { ok: true, line: `✓ solving: ${rule}; the bot assigns a ticket it solves without an assignee to ${who}, who must be in the ticket's group` };
}
