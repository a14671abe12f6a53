import { TERMINAL_STATES, type StateName, type WorkflowState } from '../../../workflows/resync/index.js';
import type { OpenTicketIndex } from '../open-ticket-index.js';
import type { WorkflowStore } from '../../store/workflow-store.js';

/** Who an open ticket waits on: `operator` when nothing on the ticket tells an agent (stuck). */
export type WaitingOn = 'end_user' | 'agent' | 'bot' | 'operator';

export interface OpenTicket {
  system: string;
  ticketId: string;
  round: number;
  /** the tenant the ticket was routed to; absent in the single-platform configuration */
  tenant?: string;
  status: StateName;
  waitingOn: WaitingOn;
  createdAt: string;
  /** when the current state began (the waiting state's start, else the last change) */
  since: string;
  ageMs: number;
  inStateMs: number;
  /** update_failed, stuck: the outcome whose update the ticket system did not take, and its answer */
  unfinished?: { outcome: string; reason: string; fallbackReason?: string };
}

export interface OpenTickets {
  at: string;
  total: number;
  byStatus: Partial<Record<StateName, number>>;
  tickets: OpenTicket[];
  /** how many open tickets were read */
  scanned: number;
  /** true when there are more open tickets than were read */
  truncated: boolean;
}

const TERMINAL: ReadonlySet<StateName> = new Set(TERMINAL_STATES);
const WAITING_ON: Partial<Record<StateName, WaitingOn>> = {
  awaiting_approval: 'agent',
  awaiting_codes: 'end_user',
  awaiting_response: 'end_user',
  awaiting_retest: 'end_user',
  update_failed: 'agent',
  stuck: 'operator',
};

/** The open-ticket view of a state, or undefined when it is terminal. Pure; holds no email or name. */
export function openTicketOf(s: WorkflowState, now: number): OpenTicket | undefined {
  if (TERMINAL.has(s.status)) return undefined;
  const since = s.waitingSince ?? s.updatedAt;
  return {
    system: s.ticket.system,
    ticketId: s.ticket.id,
    round: s.round,
    ...(s.tenant !== undefined ? { tenant: s.tenant } : {}),
    status: s.status,
    waitingOn: WAITING_ON[s.status] ?? 'bot',
    createdAt: new Date(s.createdAt).toISOString(),
    since: new Date(since).toISOString(),
    ageMs: Math.max(0, now - s.createdAt),
    inStateMs: Math.max(0, now - since),
    ...(s.deskFailure
      ? { unfinished: { outcome: s.deskFailure.outcome, reason: s.deskFailure.reason, ...(s.deskFailure.fallbackReason ? { fallbackReason: s.deskFailure.fallbackReason } : {}) } }
      : {}),
  };
}

/**
 * Open tickets, from the open-ticket index that the /metrics gauge also counts (workers/observe/open-ticket-index.ts),
 * each read from its workflow state: at most `scan` of them, of which only `tenant`'s when it is given.
 */
export async function listOpenTickets(store: WorkflowStore, index: OpenTicketIndex, now: number, scan = 2000, tenant?: string): Promise<OpenTickets> {
  const { tks, truncated } = await index.members(scan);
  const tickets: OpenTicket[] = [];
  const BATCH = 50;
  for (let i = 0; i < tks.length; i += BATCH) {
    const states = await Promise.all(tks.slice(i, i + BATCH).map(async (tk) => (await store.getState(tk)).state));
    for (const s of states) {
      const open = s ? openTicketOf(s, now) : undefined;
      if (open && (tenant === undefined || open.tenant === tenant)) tickets.push(open);
    }
  }
  tickets.sort((a, b) => b.inStateMs - a.inStateMs);
  const byStatus: Partial<Record<StateName, number>> = {};
  for (const t of tickets) byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;
  return { at: new Date(now).toISOString(), total: tickets.length, byStatus, tickets, scanned: tks.length, truncated };
}
