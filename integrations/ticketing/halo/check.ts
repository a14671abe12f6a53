import { runCheck, type CheckResult } from '../../shared/check-probe.js';
import { TicketingAuthFailed, TicketingError } from '../errors.js';
import { HaloClient, NO_LIMIT } from './client.js';
import { loadHaloConfig } from './config.js';
import { StatusMap } from './status-map.js';

/**
 * `halo check`: reads the HALO_* variables and tries, once each, the calls the adapter depends on: a token (the
 * authorisation server, tenant and application), the agent it acts as, the ticket statuses, the list of watched
 * tickets, the actions endpoint, the escalation team. Each line says what works or what is missing; no secret is printed.
 */
export async function checkHalo(env: NodeJS.ProcessEnv): Promise<CheckResult> {
  return runCheck(() => loadHaloConfig(env), TicketingError, async ({ lines, fail, describe }, config) => {
    const watched = [config.watchTicketTypeId !== undefined ? `ticket type ${config.watchTicketTypeId}` : undefined, config.watchCategory !== undefined ? `category "${config.watchCategory}"` : undefined].filter(Boolean).join(' and ');
    lines.push(`· ${config.baseUrl} (token from ${config.authUrl}${config.tenant !== undefined ? `, tenant ${config.tenant}` : ''}, scope "${config.scope}"), watching ${watched}, budget ${config.rateLimitPerMin} requests/min, poll every ${config.pollIntervalS} s`);
    const client = new HaloClient({
      baseUrl: config.baseUrl,
      authUrl: config.authUrl,
      token: { clientId: config.clientId, clientSecret: config.clientSecret, scope: config.scope, ...(config.tenant !== undefined ? { tenant: config.tenant } : {}) },
      limiter: NO_LIMIT,
      timeoutMs: config.timeoutMs,
      retries: 0,
    });
    try {
      try {
        const me = await client.me();
        lines.push(`✓ credentials work: the application acts as agent ${me.id} "${me.name}" (its actions are the bot's)`);
      } catch (err) {
        const where = err instanceof TicketingAuthFailed ? ' (Configuration > Integrations > Halo API > View Applications: the Client ID and Secret, the Client Credentials method and the agent it acts as, and HALO_TENANT for hosted Halo)' : '';
        fail(`credentials: ${describe(err)}${where}`);
        return;
      }
      try {
        const mapping = new StatusMap(await client.statuses()).describe();
        if (mapping.ok) lines.push(`✓ ticket statuses (GET /api/Status): ${mapping.lines.join('; ')}`);
        else fail(`ticket statuses (GET /api/Status): ${mapping.lines.join('; ')}`);
      } catch (err) {
        fail(`the ticket statuses (GET /api/Status): ${describe(err)}`);
      }
      try {
        const found = await client.listTickets({ open_only: 'true', ...(config.watchTicketTypeId !== undefined ? { requesttype_id: String(config.watchTicketTypeId) } : {}) });
        lines.push(`✓ tickets readable: ${found.length} open ticket(s) of the watched type now`);
        const first = found[0];
        if (first) {
          await client.actions(String(first.id));
          lines.push(`✓ actions readable (GET /api/Actions?ticket_id=${first.id})`);
        }
      } catch (err) {
        fail(`listing tickets and their actions (GET /api/Tickets, /api/Actions): ${describe(err)} (the application needs read:tickets, or "all")`);
      }
      if (config.escalationTeam === undefined && config.escalationAgentId === undefined) {
        fail('HALO_ESCALATION_TEAM is not set: escalated tickets are noted but assigned to no team (Configuration > Teams > the team\'s name)');
      } else if (config.escalationTeam !== undefined) {
        try {
          const team = (await client.teams()).find((t) => t.name.trim().toLowerCase() === config.escalationTeam?.trim().toLowerCase());
          if (!team) fail(`escalation team "${config.escalationTeam}" is not a team of this tenant (GET /api/Team)`);
          else if (team.inactive === true) fail(`escalation team "${team.name}" is inactive`);
          else lines.push(`✓ escalation team ${team.id} "${team.name}"`);
        } catch (err) {
          fail(`escalation team "${config.escalationTeam}": ${describe(err)}`);
        }
      }
      lines.push(`✓ HALO_WEBHOOK_SECRET is set: webhooks to POST <intake URL>/webhooks/halo must use Basic authentication, user "${config.webhookUser}" and that secret as password`);
    } finally {
      client.close();
    }
  });
}
