import { runCheck, type CheckResult } from '../../shared/check-probe.js';
import { TicketingAuthFailed, TicketingError } from '../errors.js';
import { BoardStatuses } from './board-statuses.js';
import { NO_LIMIT, ConnectWiseClient } from './client.js';
import { loadConnectWiseConfig, type TypeRef } from './config.js';
import { watchConditions } from './watch-filter.js';

/**
 * `connectwise check`: reads the CONNECTWISE_* variables and tries, once each, the calls the adapter depends on: the
 * keys and clientId (the watched board), the board's statuses for open / pending / solved, the watched tickets and
 * their notes, the API member, the escalation board, team and owner. Each line says what works or what is missing; no
 * key or secret is printed (the callback URL is shown with a placeholder for its secret).
 */
export async function checkConnectWise(env: NodeJS.ProcessEnv): Promise<CheckResult> {
  return runCheck(() => loadConnectWiseConfig(env), TicketingError, async ({ lines, fail, describe }, config) => {
    const ref = (what: string, r: TypeRef | undefined) => (r === undefined ? '' : ` and ${what} ${'id' in r ? `id ${r.id}` : `"${r.name}"`}`);
    lines.push(
      `· ${config.site}, company ${config.companyId}, API member ${config.apiMember}, API version ${config.apiVersion}; watching board ${config.boardId}${ref('type', config.watchType)}${ref('subtype', config.watchSubtype)}; budget ${config.rateLimitPerMin} requests/min, poll every ${config.pollIntervalS} s`,
    );
    const { companyId, publicKey, privateKey, clientId } = config;
    const client = new ConnectWiseClient({ site: config.site, credentials: { companyId, publicKey, privateKey, clientId }, apiVersion: config.apiVersion, limiter: NO_LIMIT, timeoutMs: config.timeoutMs, retries: 0 });
    try {
      try {
        const board = await client.board(config.boardId);
        if (board.inactiveFlag === true) fail(`board ${board.id} "${board.name}" is inactive`);
        else lines.push(`✓ keys and clientId work: board ${board.id} "${board.name}" readable`);
      } catch (err) {
        const where = err instanceof TicketingAuthFailed ? ' (CONNECTWISE_COMPANY_ID, the public and private key of an API member, and CONNECTWISE_CLIENT_ID)' : '';
        fail(`board ${config.boardId}: ${describe(err)}${where}`);
        return;
      }
      let solvedId: number | undefined;
      try {
        const statuses = new BoardStatuses(config.boardId, await client.boardStatuses(config.boardId), config.statusNames);
        const mapping = statuses.describe();
        if (mapping.ok) lines.push(`✓ board statuses: ${mapping.lines.join('; ')}`);
        else fail(`board statuses: ${mapping.lines.join('; ')}`);
        solvedId = mapping.ok ? statuses.idFor('solved') : undefined;
      } catch (err) {
        fail(`the statuses of board ${config.boardId} (GET /service/boards/${config.boardId}/statuses): ${describe(err)}`);
      }
      try {
        const conditions = [watchConditions(config), 'closedFlag=false', ...(solvedId !== undefined ? [`status/id!=${solvedId}`] : [])].join(' and ');
        const found = await client.listTickets(conditions);
        lines.push(`✓ tickets readable: ${found.length} open watched ticket(s) now`);
        const first = found[0];
        if (first) {
          const notes = await client.notes(String(first.id));
          lines.push(`✓ notes readable: ticket ${first.id} has ${notes.length} note(s)`);
        }
      } catch (err) {
        fail(`listing the watched tickets (GET /service/tickets) or their notes: ${describe(err)} (the API member's role needs Service Desk > Service Tickets: Inquire, Add, Edit)`);
      }
      try {
        const me = await client.memberByIdentifier(config.apiMember);
        if (!me) fail(`no member has the Member ID CONNECTWISE_API_MEMBER=${config.apiMember}: the bot would not know its own notes`);
        else lines.push(`✓ API member ${me.identifier} (member ${me.id}): its notes with the marker are the bot's`);
      } catch (err) {
        fail(`looking up the API member (GET /system/members): ${describe(err)} (the role needs System > Member Maintenance: Inquire)`);
      }
      const esc = config.escalation;
      if (esc.boardId === undefined && esc.teamId === undefined && esc.member === undefined) {
        fail('no CONNECTWISE_ESCALATION_BOARD_ID, _TEAM_ID or _MEMBER: escalated tickets are noted but moved nowhere');
      }
      if (esc.boardId !== undefined) {
        try {
          const board = await client.board(esc.boardId);
          const open = new BoardStatuses(esc.boardId, await client.boardStatuses(esc.boardId), config.statusNames).describe().lines[0];
          lines.push(`✓ escalation board ${board.id} "${board.name}" (${open})`);
        } catch (err) {
          fail(`escalation board ${esc.boardId}: ${describe(err)}`);
        }
      }
      if (esc.teamId !== undefined) {
        try {
          const team = await client.team(esc.boardId ?? config.boardId, esc.teamId);
          lines.push(`✓ escalation team ${team.id} "${team.name}"`);
        } catch (err) {
          fail(`escalation team ${esc.teamId} of board ${esc.boardId ?? config.boardId}: ${describe(err)}`);
        }
      }
      if (esc.member !== undefined) {
        try {
          const m = await client.memberByIdentifier(esc.member);
          if (!m) fail(`no member has the Member ID CONNECTWISE_ESCALATION_MEMBER=${esc.member}`);
          else if (m.inactiveFlag === true) fail(`escalation owner ${m.identifier} is inactive`);
          else lines.push(`✓ escalation owner ${m.identifier} (member ${m.id})`);
        } catch (err) {
          fail(`escalation owner ${esc.member}: ${describe(err)}`);
        }
      }
      lines.push(
        `✓ CONNECTWISE_CALLBACK_SECRET is set: register a callback (POST /system/callbacks) with url "<intake URL>/webhooks/connectwise?secret=<CONNECTWISE_CALLBACK_SECRET>", type "ticket", level "board", objectId ${config.boardId}, isSelfSuppressedFlag true`,
      );
    } finally {
      client.close();
    }
  });
}
