import { runCheck, type CheckResult } from '../../shared/check-probe.js';
import { TicketingAuthFailed, TicketingError } from '../errors.js';
import { NO_LIMIT, ServiceNowClient } from './client.js';
import { loadServiceNowConfig } from './config.js';
import { StateChoices } from './state-choices.js';

/**
 * `servicenow check`: reads the SERVICENOW_* variables and tries, once each, the calls the adapter depends on: the
 * credentials (the API user's own record), the incident state model (sys_choice), the list of watched incidents, the
 * journal table, the escalation group. Each line says what works or what is missing; no secret is printed.
 */
export async function checkServiceNow(env: NodeJS.ProcessEnv): Promise<CheckResult> {
  return runCheck(() => loadServiceNowConfig(env), TicketingError, async ({ lines, fail, describe }, config) => {
    const who = config.credentials.kind === 'basic' ? `basic auth as ${config.credentials.user}` : 'OAuth client credentials';
    const watched = `category=${config.watchCategory}${config.watchSubcategory !== undefined ? `^subcategory=${config.watchSubcategory}` : ''}`;
    lines.push(`· ${config.instanceUrl}, ${who}, watching incidents with ${watched}, budget ${config.rateLimitPerMin} requests/min, poll every ${config.pollIntervalS} s`);
    const client = new ServiceNowClient({ instanceUrl: config.instanceUrl, credentials: config.credentials, limiter: NO_LIMIT, timeoutMs: config.timeoutMs, retries: 0 });
    try {
      try {
        const me = await client.currentUser();
        if (config.credentials.kind === 'basic' && me.user_name.toLowerCase() !== config.credentials.user.toLowerCase()) {
          fail(`the API user is ${me.user_name}, not SERVICENOW_USER ${config.credentials.user}`);
        } else {
          lines.push(`✓ credentials work: API user ${me.user_name} (sys_user ${me.sys_id})`);
        }
      } catch (err) {
        const where = err instanceof TicketingAuthFailed ? (config.credentials.kind === 'basic' ? ' (the user\'s password, "Web service access only", and that basic auth is allowed)' : ' (System OAuth > Application Registry: the client id and secret, and the OAuth application user)') : '';
        fail(`credentials: ${describe(err)}${where}`);
        return;
      }
      let resolvedState: string | undefined;
      try {
        const choices = new StateChoices(await client.incidentChoices());
        const mapping = choices.describe();
        if (mapping.ok) lines.push(`✓ incident states (sys_choice): ${mapping.lines.join('; ')}`);
        else fail(`incident states (sys_choice): ${mapping.lines.join('; ')}`);
        resolvedState = mapping.ok ? choices.patchFor('solved').state : undefined;
      } catch (err) {
        fail(`the incident choice lists (GET /api/now/table/sys_choice): ${describe(err)} (the bot user needs read access to sys_choice)`);
      }
      try {
        const found = await client.listIncidents(`${watched}^active=true${resolvedState !== undefined ? `^state!=${resolvedState}` : ''}`);
        lines.push(`✓ incidents readable: ${found.length} open incident(s) with ${watched} now`);
      } catch (err) {
        fail(`listing incidents (GET /api/now/table/incident): ${describe(err)}`);
      }
      try {
        await client.journal('00000000000000000000000000000000');
        lines.push('✓ journal readable (sys_journal_field): the bot can read Additional comments and Work notes');
      } catch (err) {
        fail(`the journal (GET /api/now/table/sys_journal_field): ${describe(err)} (the bot user needs read access to sys_journal_field, e.g. the itil role)`);
      }
      if (config.escalationGroupSysId === undefined) {
        fail('SERVICENOW_ESCALATION_GROUP_SYS_ID is not set: escalated incidents are noted but assigned to no group (User Administration > Groups > the group > Copy sys_id)');
      } else {
        try {
          const group = await client.getGroup(config.escalationGroupSysId);
          if (group.active === 'false') fail(`escalation group ${group.sys_id} "${group.name}" is inactive`);
          else lines.push(`✓ escalation group ${group.sys_id} "${group.name}"`);
        } catch (err) {
          fail(`escalation group ${config.escalationGroupSysId}: ${describe(err)}`);
        }
      }
      lines.push('✓ SERVICENOW_WEBHOOK_SECRET is set: notifications to POST <intake URL>/webhooks/servicenow are verified with it (the same value as the system property twofa_desk.webhook_secret)');
    } finally {
      client.close();
    }
  });
}
