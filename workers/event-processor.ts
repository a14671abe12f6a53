import type { Logger } from 'pino';
import { EventSchema, type WorkflowEvent } from '../workflows/resync/events.js';
import type { Effect } from '../workflows/resync/effects.js';
import type { Policy } from '../workflows/resync/policy.js';
import type { WorkflowState } from '../workflows/resync/state.js';
import { transition } from '../workflows/resync/transition.js';
import { TicketNotFound } from '../integrations/ticketing/errors.js';
import type { TicketSystem } from '../integrations/ticketing/ticket-system.js';
import { splitTicketKey } from './keys.js';
import type { Queues } from './queues.js';
import { CommitConflict, type WorkflowStore } from './workflow-store.js';

export interface EventProcessorDeps {
  store: WorkflowStore;
  queues: Queues;
  policy: Policy;
  ticketing: ReadonlyMap<string, TicketSystem>;
  log: Logger;
  now?: () => number;
  /** called after each committed transition (metrics, tests) */
  onApplied?: (tk: string, event: WorkflowEvent, before: WorkflowState | undefined, after: WorkflowState | undefined, effects: Effect[]) => void;
}

/**
 * Applies a ticket's inbox, oldest event first, one commit per event. Any number of workers may drain the same
 * ticket at once: the compare-and-set commit lets one win and the others recompute on the new state.
 */
export class EventProcessor {
  private readonly now: () => number;

  constructor(private readonly deps: EventProcessorDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** drains running in this process, per ticket */
  private readonly running = new Map<string, Promise<number>>();

  /**
   * Returns the number of events applied. Drains of one ticket in this process run one after the other: a reply
   * brings two notifications (comment, reopen) and two drains that would otherwise race, read the same comment
   * twice and lose a compare-and-set. Across processes the compare-and-set still decides.
   */
  drain(tk: string): Promise<number> {
    const before = this.running.get(tk) ?? Promise.resolve(0);
    const next = before.catch(() => 0).then(() => this.drainNow(tk));
    this.running.set(tk, next);
    const forget = () => {
      if (this.running.get(tk) === next) this.running.delete(tk);
    };
    next.then(forget, forget);
    return next;
  }

  private async drainNow(tk: string): Promise<number> {
    const { store, log } = this.deps;
    let applied = 0;
    for (;;) {
      const { version, state, head } = await store.load(tk);
      if (head === undefined) {
        if (await store.cleanIfEmpty(tk)) return applied;
        continue;
      }
      const parsed = parseStored(head);
      if (!parsed.ok) {
        log.error({ tk, state: state?.status, why: parsed.why }, 'unreadable event moved to dead letters');
        await store.quarantineHead(tk, head, parsed.why);
        continue;
      }
      const event = await this.hydrate(tk, state, parsed.event);
      const result = transition(state, event, this.deps.policy);
      try {
        await store.commit(tk, version, result.changed ? result.state : undefined, head, result.effects, this.now());
      } catch (err) {
        if (err instanceof CommitConflict) continue;
        throw err;
      }
      applied++;
      if (result.effects.length > 0) await this.deps.queues.addEffects(tk, result.effects);
      if (result.changed) {
        const from = state?.status;
        const to = result.state?.status;
        log.info(
          { tk, event: event.type, eventId: event.id, from, state: to, effects: result.effects.map((e) => e.type) },
          from === to ? 'event applied' : 'state changed',
        );
      } else {
        log.debug({ tk, event: event.type, eventId: event.id, state: state?.status }, 'event ignored (duplicate or no workflow)');
      }
      this.deps.onApplied?.(tk, event, state, result.changed ? result.state : state, result.effects);
    }
  }

  /**
   * Comment text is read from the ticket system just before the transition and kept in memory only: stored
   * events never hold it, because a reply may carry OTP codes.
   */
  private async hydrate(tk: string, state: WorkflowState | undefined, event: WorkflowEvent): Promise<WorkflowEvent> {
    if (event.type !== 'commentAdded' || !state) return event;
    if (state.status === 'escalated' || state.status === 'handed_off') return event;
    if (event.authorRole !== 'requester' && event.authorRole !== 'agent') return event;
    const { system, ticketId } = splitTicketKey(tk);
    const ticketing = this.deps.ticketing.get(system);
    if (!ticketing) return event;
    try {
      const comment = await ticketing.getComment(ticketId, event.commentId);
      return { ...event, text: comment.body };
    } catch (err) {
      if (err instanceof TicketNotFound) return { ...event, text: '' };
      throw err;
    }
  }
}

function parseStored(raw: string): { ok: true; event: WorkflowEvent } | { ok: false; why: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, why: 'not JSON' };
  }
  const res = EventSchema.safeParse(json);
  if (!res.success) return { ok: false, why: res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  return { ok: true, event: res.data };
}
