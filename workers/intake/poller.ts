import type { Logger } from 'pino';
import { TicketNotFound } from '../../integrations/ticketing/errors.js';
import type { TicketSummary, TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import { splitTicketKey, ticketKey } from '../store/keys.js';
import type { Queues } from '../store/queues.js';
import type { WorkflowStore } from '../store/workflow-store.js';

/** Stale members of `polled` removed per ZREM. */
const FORGET_CHUNK = 500;

/**
 * The safety net for lost webhooks: lists the watched tickets of each ticket system and, for any ticket that is
 * new or changed since the last look, queues the events that describe it. Event ids are deterministic, so what a
 * webhook already delivered is dropped as a duplicate.
 */
export class Poller {
  constructor(
    private readonly store: WorkflowStore,
    private readonly queues: Queues,
    private readonly ticketing: ReadonlyMap<string, TicketSystem>,
    private readonly log: Logger,
    /** the tickets the bot has an open workflow for (workers/observe/open-ticket-index.ts); none: only the listing is read */
    private readonly openTickets?: () => Promise<string[]>,
  ) {}

  async poll(now = Date.now()): Promise<{ checked: number; changed: number; events: number }> {
    let checked = 0;
    let changed = 0;
    let events = 0;
    const redis = this.store.redis;
    const open = this.openTickets ? await this.openTickets() : [];
    for (const [system, ticketing] of this.ticketing) {
      const listed = await ticketing.listWatchedTickets();
      const tickets = [...listed, ...(await this.openButUnlisted(system, ticketing, listed, open))];
      for (const t of tickets) {
        checked++;
        const tk = ticketKey(system, t.id);
        const seen = await redis.zscore(this.store.keys.polled, tk);
        if (seen !== null && Number(seen) >= t.updatedAt) continue;
        changed++;
        // The watch tag may be gone since the listing: such a ticket is not written (watchedOnly).
        const added = await this.store.append(tk, await ticketing.eventsFromTicket(t.id, now), { watchedOnly: true });
        if (added > 0) {
          events += added;
          await this.queues.drain(tk);
          const { state } = await this.store.getState(tk);
          this.log.info({ tk, state: state?.status, events: added }, 'poller found events no webhook brought');
        }
        // A stamp a later change may still share (to the second on Zendesk) is recorded just below itself: the
        // next poll looks again. Exact stamps (the embedded desk) cost no second look.
        const unsettled = now - t.updatedAt < (ticketing.pollSettleMs ?? 0);
        await redis.zadd(this.store.keys.polled, unsettled ? t.updatedAt - 1 : t.updatedAt, tk);
      }
      await this.forgetUnlisted(system, new Set(tickets.map((t) => ticketKey(system, t.id))));
    }
    return { checked, changed, events };
  }

  /**
   * Tickets the bot has an open workflow for that the listing leaves out (solved on the desk): normally none, since
   * an agent's solve hands the workflow off. After a Redis failover a workflow may have gone back to a version older
   * than the end the desk shows; reading such a ticket again lets the workflow catch up with it (see
   * transition-rebuild.ts). A ticket gone from the desk is skipped.
   */
  private async openButUnlisted(system: string, ticketing: TicketSystem, listed: readonly TicketSummary[], open: readonly string[]): Promise<TicketSummary[]> {
    const seen = new Set(listed.map((t) => t.id));
    const out: TicketSummary[] = [];
    for (const tk of open) {
      const { system: of, ticketId } = splitTicketKey(tk);
      if (of !== system || seen.has(ticketId)) continue;
      try {
        out.push({ id: ticketId, updatedAt: (await ticketing.getTicket(ticketId)).updatedAt });
      } catch (err) {
        if (!(err instanceof TicketNotFound)) throw err;
      }
    }
    return out;
  }

  /**
   * Keeps `polled` to the tickets the last listing held, so it is bounded by the watched open tickets and not by
   * every ticket ever watched. A ticket that comes back (reopened, tagged again) is read once more: its events are
   * deterministic, and what was taken before is a duplicate.
   */
  private async forgetUnlisted(system: string, listed: ReadonlySet<string>): Promise<void> {
    const redis = this.store.redis;
    const stale = (await redis.zrange(this.store.keys.polled, 0, -1)).filter((tk) => tk.startsWith(`${system}:`) && !listed.has(tk));
    for (let i = 0; i < stale.length; i += FORGET_CHUNK) await redis.zrem(this.store.keys.polled, ...stale.slice(i, i + FORGET_CHUNK));
  }
}
