import { runCheck, type CheckResult } from '../../shared/check-probe.js';
import { TicketingAuthFailed, TicketingError } from '../errors.js';
import { JiraClient, NO_LIMIT } from './client.js';
import { loadJiraConfig, type JiraConfig } from './config.js';
import { pickTransition, targetOf } from './status-map.js';

/**
 * `jira check`: reads the JIRA_* variables and tries, once each, the calls the adapter depends on. Each line says
 * what works or what is missing; no secret is printed. `·` lines inform, `✗` lines fail the check.
 */
export async function checkJira(env: NodeJS.ProcessEnv): Promise<CheckResult> {
  return runCheck(() => loadJiraConfig(env), TicketingError, async ({ lines, fail, describe }, config) => {
    const who = config.credentials.kind === 'token' ? `API token of ${config.credentials.email}` : 'OAuth 2.0 token';
    lines.push(`· ${config.baseUrl}, ${who}, service desk ${config.serviceDeskId}, watch label "${config.watchLabel}", budget ${config.rateLimitPerMin} requests/min, poll every ${config.pollIntervalS} s`);
    const client = new JiraClient({ baseUrl: config.baseUrl, credentials: config.credentials, limiter: NO_LIMIT, timeoutMs: config.timeoutMs, retries: 0 });
    try {
      try {
        const me = await client.myself();
        if (me.accountType === 'customer') fail(`the API user ${me.accountId} is a portal customer: the bot needs an agent (a licensed user) to write internal comments and transition requests`);
        else lines.push(`✓ credentials work: API user ${me.displayName ?? me.accountId} (${me.accountType ?? 'account type not shown'})`);
      } catch (err) {
        const where = err instanceof TicketingAuthFailed ? ' (id.atlassian.com > Security > API tokens; the email is the account\'s)' : '';
        fail(`credentials: ${describe(err)}${where}`);
        return;
      }
      let projectKey: string | undefined;
      try {
        const desk = await client.serviceDesk(config.serviceDeskId);
        projectKey = desk.projectKey;
        lines.push(`✓ service desk ${desk.id}: project ${desk.projectKey} "${desk.projectName}"`);
      } catch (err) {
        fail(`JIRA_SERVICE_DESK_ID ${config.serviceDeskId}: ${describe(err)} (the bot must be an agent of the service project)`);
      }
      if (projectKey !== undefined) {
        try {
          const found = await client.search(`project = "${projectKey}" AND labels = "${config.watchLabel}" AND statusCategory != Done`);
          lines.push(`✓ JQL search works: ${found.length} open request(s) labelled "${config.watchLabel}" now`);
          const first = found[0];
          if (first) lines.push(await transitionsLine(client, config, first.key, describe));
        } catch (err) {
          fail(`search (POST /rest/api/3/search/jql): ${describe(err)}`);
        }
      }
      if (config.escalationAssignee === undefined) {
        lines.push('· JIRA_ESCALATION_ASSIGNEE is not set: escalated requests are labelled (the policy\'s escalatedTag, 2fa_bot_escalated by default) and noted; make a queue on that label');
      } else {
        try {
          const agent = await client.user(config.escalationAssignee);
          if (agent.accountType !== 'atlassian') fail(`JIRA_ESCALATION_ASSIGNEE ${agent.accountId} is a ${agent.accountType ?? 'unknown'} account: requests can only be assigned to agents`);
          else lines.push(`✓ escalation assignee ${agent.displayName ?? agent.accountId}`);
        } catch (err) {
          fail(`JIRA_ESCALATION_ASSIGNEE ${config.escalationAssignee}: ${describe(err)}`);
        }
      }
      lines.push('✓ JIRA_WEBHOOK_SECRET is set: webhooks to POST <intake URL>/webhooks/jira are verified with it (X-Hub-Signature, or X-Twofa-Desk-Secret from Automation)');
    } finally {
      client.close();
    }
  });
}

/** Which of the configured statuses one watched request can reach now: informative, the workflow may differ by status. */
async function transitionsLine(client: JiraClient, config: JiraConfig, key: string, describe: (err: unknown) => string): Promise<string> {
  try {
    const transitions = await client.transitions(key);
    const reach = (['pending', 'open', 'solved'] as const).map((s) => {
      const target = targetOf(s, config.statusNames);
      return `${target.variable}="${target.name}" ${pickTransition(transitions, target) ? 'reachable' : 'not reachable from here'}`;
    });
    return `· from ${key}'s status now: ${reach.join(', ')}`;
  } catch (err) {
    return `· transitions of ${key} could not be read: ${describe(err)}`;
  }
}
