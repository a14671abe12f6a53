import type { Logger } from 'pino';
import { type Effect, EventSchema, isAwaited, isMootTimer, isReadOnly, type Policy, type TenantRoute, type TicketSnapshot, timersMadeMoot, transition, type WorkflowEvent, type WorkflowState } from '../../workflows/resync/index.js';
import { TicketNotFound } from '../../integrations/ticketing/errors.js';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import { splitTicketKey } from '../store/keys.js';
import type { Queues } from '../store/queues.js';
import type { RecentComments } from '../effects/recent-comments.js';
import type { InlineOutcome } from '../effects/effect-runner.js';
import { CommitConflict, EffectCompletedElsewhere, isTimer, type CommittedBatch, type LoadedBatch, type WorkflowStore } from '../store/workflow-store.js';
import { effectKey } from '../store/keys.js';

/**
 * Inbox events applied per commit. A ticket rarely holds more than a few; the cap bounds the size of one Lua call
 * (each event travels twice: read, then compared by the commit) and how long one ticket holds a drain job.
 */
const MAX_BATCH = 32;
/** Rounds of read-only effects run before one commit at most (a workflow asks for three in a row: user, groups, tokens). */
const MAX_READ_AHEAD = 8;

interface Applied {
  event: WorkflowEvent;
  before: WorkflowState | undefined;
  after: WorkflowState | undefined;
  effects: Effect[];
  changed: boolean;
  /** the read whose result this event is, run ahead of the commit (reported with the step) */
  ranAhead?: Effect;
}

/**
 * The tenants of a deployment that serves several customers (TENANTS_FILE): which one a new ticket belongs to, and each
 * one's policy. None: the single-platform configuration, one policy for every ticket.
 */
export interface Tenancy {
  /** the tenant of a new ticket with its policy, or why none (or several) matched */
  route(ticket: TicketSnapshot): { tenant: string; policy: Policy } | { refused: string };
  /** the policy of a ticket's tenant; none: the tenant is no longer configured (the global policy applies) */
  policyOf(tenant: string): Policy | undefined;
}

/** Transitions applied in memory, in order, for one commit to save: the state they lead to and what they ask for. */
class Pending {
  readonly steps: Applied[] = [];
  readonly effects: Effect[] = [];
  changed = false;

  /** the state the batch started from */
  readonly start: WorkflowState | undefined;

  constructor(
    public state: WorkflowState | undefined,
    private readonly policy: Policy,
    private readonly tenancy?: Tenancy,
  ) {
    this.start = state;
  }

  apply(event: WorkflowEvent, ranAhead?: Effect): void {
    const before = this.state;
    const { policy, route } = this.policyFor(before, event);
    const r = transition(before, event, policy, route);
    this.steps.push({ event, before, after: r.changed ? r.state : before, effects: r.effects, changed: r.changed, ...(ranAhead ? { ranAhead } : {}) });
    if (r.changed) {
      this.state = r.state;
      this.changed = true;
    }
    for (const e of r.effects) this.effects.push(e);
  }

  /**
   * The reads asked for so far, for the caller to carry out before the commit (they are not saved), when the
   * workflow waits on nothing else; the other effects (ticket updates, timers) stay to be saved.
   */
  takeReads(): Effect[] {
    if (this.effects.some((e) => !isReadOnly(e) && isAwaited(e.type))) return [];
    const reads = this.effects.filter(isReadOnly);
    const rest = this.effects.filter((e) => !isReadOnly(e));
    this.effects.splice(0, this.effects.length, ...rest);
    return reads;
  }

  /** The effects to save with the state: those asked for, less the timers the state already made moot. */
  get effectsToSave(): Effect[] {
    return this.effects.filter((e) => !isMootTimer(this.state, e));
  }

  /** The timers the ticket had before the batch that its transitions made moot: the commit takes them out. */
  get mootTimers(): ReturnType<typeof timersMadeMoot> {
    return this.changed ? timersMadeMoot(this.start, this.state) : [];
  }

  /** The policy the transition runs with: the ticket's tenant's, and for a ticket that starts a workflow, its route. */
  private policyFor(state: WorkflowState | undefined, event: WorkflowEvent): { policy: Policy; route?: TenantRoute } {
    const { tenancy } = this;
    if (!tenancy) return { policy: this.policy };
    if (state) return { policy: (state.tenant !== undefined ? tenancy.policyOf(state.tenant) : undefined) ?? this.policy };
    if (event.type !== 'ticketTagged') return { policy: this.policy };
    const routed = tenancy.route(event.ticket);
    return 'refused' in routed ? { policy: this.policy, route: routed } : { policy: routed.policy, route: { tenant: routed.tenant } };
  }

  /** the state to save: undefined when no transition changed it */
  get saved(): WorkflowState | undefined {
    return this.changed ? this.state : undefined;
  }
}

/** Where a drain goes on after folding effect results: the batch the last commit left, or `undefined` to read it. */
interface Folded {
  applied: number;
  batch: LoadedBatch | undefined;
}

export interface EventProcessorDeps {
  store: WorkflowStore;
  queues: Queues;
  policy: Policy;
  /** the deployment's tenants (TENANTS_FILE); none: one policy and one platform for every ticket */
  tenancy?: Tenancy;
  ticketing: ReadonlyMap<string, TicketSystem>;
  log: Logger;
  now?: () => number;
  /**
   * Runs a committed effect in this drain (EFFECTS_INLINE), without a job in between. When it returns an outcome,
   * the drain applies its result and completes the effect in its next commit; when it returns nothing, the effect
   * was completed through the inbox or handed to a job, and the drain reads the inbox again. Without `inline` every
   * effect is a job of the effects queue.
   */
  inline?: {
    run(tk: string, effect: Effect): Promise<InlineOutcome | void>;
    leaseMs: number;
    /**
     * Runs a read-only effect before the transition that asked for it is committed (see `isReadOnly`): its result, or
     * nothing when it failed, in which case the effect is committed and run the usual way (retries, backoff).
     */
    readAhead?(tk: string, effect: Effect, state: string | undefined): Promise<WorkflowEvent | undefined>;
  };
  /**
   * Where the drain leaves the text of a reply a resync asked for in this batch, for that effect to take when it
   * runs inline next (see RecentComments): the codes are not read from the ticket system twice.
   */
  recentComments?: RecentComments;
  /** called for each read run ahead whose result a commit saved, just before that result's transition (metrics, activity) */
  onReadAhead?: (tk: string, effect: Effect, at: number) => void;
  /**
   * when the bot's Redis last became another server (failover, restart: see redis/server-change.ts): a workflow saved
   * before then is checked against its ticket before its next event (`catchUp`)
   */
  serverChangedAt?: () => Promise<number | undefined>;
  /** called after each committed transition (metrics, tests) */
  onApplied?: (tk: string, event: WorkflowEvent, before: WorkflowState | undefined, after: WorkflowState | undefined, effects: Effect[]) => void;
}

/**
 * Applies a ticket's inbox, oldest event first: reads the state and up to MAX_BATCH events in one round trip,
 * computes their transitions in memory and saves them with one commit, which returns the next events. Any number of
 * workers may drain the same ticket at once: the compare-and-set commit lets one win and the others recompute on
 * the new state.
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
    const { store, log, policy, inline } = this.deps;
    let applied = 0;
    // Effect jobs are queued without holding up the next batch (the commit already saved them in the outbox, and
    // the sweeper re-queues any whose job never arrives); the drain waits for them all before it reports done.
    let queued: Promise<void> = Promise.resolve();
    // The first read also releases the ticket's waiting-drain key: from here on a new event queues a new drain.
    let batch = await store.loadBatch(tk, MAX_BATCH, this.deps.queues.drainWakeKey?.(tk));
    // true when `batch` came from a commit that found the inbox empty and cleaned the ticket in the same step
    let cleaned = false;
    for (;;) {
      if (batch.heads.length === 0) {
        if (cleaned || (await store.cleanIfEmpty(tk))) break;
        batch = await store.loadBatch(tk, MAX_BATCH);
        continue;
      }
      // Apply the batch in memory, one transition per event in inbox order, then save it all with one commit.
      const pending = new Pending(batch.state, policy, this.deps.tenancy);
      await this.catchUp(tk, pending);
      const consumed: string[] = [];
      for (const head of batch.heads) {
        const parsed = parseStored(head);
        if (!parsed.ok) {
          if (consumed.length > 0) break; // commit the readable events before it; it is the head next time
          log.error({ tk, state: pending.state?.status, why: parsed.why }, 'unreadable event moved to dead letters');
          await store.quarantineHead(tk, head, parsed.why);
          break;
        }
        let event: WorkflowEvent;
        try {
          event = await this.hydrate(tk, pending.state, parsed.event);
        } catch (err) {
          if (consumed.length > 0) break; // save what is done; the comment is read again as the next head
          throw err;
        }
        pending.apply(event);
        consumed.push(head);
      }
      if (consumed.length > 0 && inline) this.keepResyncReplies(tk, pending);
      if (consumed.length > 0 && inline?.readAhead) await this.readAhead(tk, pending, inline.readAhead);
      const { state } = pending;
      const effects = pending.effectsToSave;
      if (consumed.length === 0) {
        batch = await store.loadBatch(tk, MAX_BATCH);
        cleaned = false;
        continue;
      }
      let committed;
      try {
        committed = await store.commitBatch(tk, batch.version, pending.saved, consumed, effects, this.now(), MAX_BATCH, inline ? inline.leaseMs : 0, [], pending.mootTimers);
      } catch (err) {
        if (!(err instanceof CommitConflict)) throw err;
        batch = await store.loadBatch(tk, MAX_BATCH);
        cleaned = false;
        continue;
      }
      applied += consumed.length;
      // the commit set the timers itself; the rest are run
      const toRun = effects.filter((e) => !isTimer(e));
      if (toRun.length > 0 && !inline) {
        const add = this.deps.queues.addEffects(tk, toRun);
        queued = queued.then(() => add);
        add.catch(() => undefined); // awaited through `queued`; this only keeps it from counting as unhandled
      }
      for (const step of pending.steps) this.report(tk, step);
      if (toRun.length > 0 && inline) {
        const folded = await this.runAndFold(tk, toRun, committed.version, state, inline);
        applied += folded.applied;
        batch = folded.batch ?? (await store.loadBatch(tk, MAX_BATCH));
        cleaned = folded.batch !== undefined && folded.batch.heads.length === 0;
        continue;
      }
      // The state just computed is what the commit saved: the next batch starts from it without reading it back.
      batch = { version: committed.version, state, heads: committed.next };
      cleaned = committed.next.length === 0;
    }
    await queued;
    return applied;
  }

  /**
   * Runs committed effects here, together, then applies their results and completes them in one commit, without a
   * trip through the inbox (EFFECTS_INLINE); the effects that commit asks for run the same way, until a step asks
   * for none. Results are applied in effect order, before any event that came into the inbox meanwhile (as if they
   * had arrived first). When the commit finds the state moved (another process applied an event) or an effect
   * completed elsewhere (its lease ran out), nothing is lost: the results go through the inbox as an effect job's
   * would, where a second completion is dropped.
   */
  private async runAndFold(tk: string, effects: Effect[], version: number, state: WorkflowState | undefined, inline: NonNullable<EventProcessorDeps['inline']>): Promise<Folded> {
    const { store, policy } = this.deps;
    let applied = 0;
    for (;;) {
      const done: InlineOutcome[] = [];
      for (const outcome of await this.runLeased(tk, effects, state, inline)) if (outcome) done.push(outcome);
      if (done.length === 0) return { applied, batch: undefined };
      const pending = new Pending(state, policy, this.deps.tenancy);
      for (const { result } of done) if (result) pending.apply(result);
      const next = pending.effectsToSave;
      let committed: CommittedBatch;
      try {
        const keys = done.map((o) => o.key);
        committed = await store.commitBatch(tk, version, pending.saved, [], next, this.now(), MAX_BATCH, inline.leaseMs, keys, pending.mootTimers);
      } catch (err) {
        if (!(err instanceof CommitConflict || err instanceof EffectCompletedElsewhere)) throw err;
        await Promise.all(done.map((o) => store.completeEffect(o.key, tk, o.result)));
        return { applied, batch: undefined };
      }
      applied += pending.steps.length;
      for (const step of pending.steps) this.report(tk, step);
      version = committed.version;
      state = pending.state;
      effects = next.filter((e) => !isTimer(e));
      if (effects.length === 0) return { applied, batch: { version, state, heads: committed.next } };
    }
  }

  /**
   * A workflow saved before the bot's Redis became another server may have gone back to an older version: a failover
   * promoted a replica that lacked its last writes. The ticket, the source of truth, shows what the lost version did:
   * the comments written since the saved version that the workflow has not applied are applied first, in order, as
   * read from the ticket — those the bot answered on the ticket quietly (`answered`: its answers are not written twice,
   * see transition-rebuild.ts), the others as new (their webhooks may have been lost with the rest) — before the event
   * that came live, which would otherwise be taken as the answer to a question the bot asked before the lost steps.
   * One read of the ticket, once per such workflow.
   */
  private async catchUp(tk: string, pending: Pending): Promise<void> {
    const state = pending.state;
    if (!state || !this.deps.serverChangedAt) return;
    const changedAt = await this.deps.serverChangedAt();
    if (changedAt === undefined || state.updatedAt >= changedAt) return;
    const { system, ticketId } = splitTicketKey(tk);
    const ticketing = this.deps.ticketing.get(system);
    if (!ticketing) return;
    let events: WorkflowEvent[];
    try {
      events = await ticketing.eventsFromTicket(ticketId, this.now());
    } catch (err) {
      if (err instanceof TicketNotFound) return;
      throw err;
    }
    const applied = new Set(state.appliedEventIds);
    const missed = events.filter((e) => e.type === 'commentAdded' && e.writtenAt !== undefined && e.writtenAt > state.updatedAt && !applied.has(e.id));
    if (missed.length > 0) this.deps.log.info({ tk, state: state.status, comments: missed.length }, 'workflow older than a Redis failover: comments read back from the ticket');
    for (const e of missed) pending.apply(await this.hydrate(tk, pending.state, e));
  }

  /** Leaves the text of each reply a resync of this batch works on where that resync, run next, finds it. */
  private keepResyncReplies(tk: string, pending: Pending): void {
    const recent = this.deps.recentComments;
    if (!recent) return;
    for (const { event, effects } of pending.steps) {
      if (event.type !== 'commentAdded' || event.text === undefined) continue;
      for (const e of effects) {
        if ((e.type === 'resyncOtp' || e.type === 'resyncChallenge') && e.commentId === event.commentId) recent.remember(tk, e.commentId, event.text);
      }
    }
  }

  /**
   * Carries out the reads a batch asks for before its commit and applies their results to it, as long as every
   * effect asked for is a read (the user, their groups, their tokens): one commit saves the chain, and none of these
   * effects is ever saved in the outbox; the ticket updates and timers asked for on the way are saved by that commit.
   * A crash before the commit leaves the batch's events in the inbox, and the next drain reads again. A read that
   * fails stops here: the reads of that round are committed with the rest and run the usual way, with their retries.
   */
  private async readAhead(tk: string, pending: Pending, read: NonNullable<NonNullable<EventProcessorDeps['inline']>['readAhead']>): Promise<void> {
    for (let round = 0; round < MAX_READ_AHEAD; round++) {
      const reads = pending.takeReads();
      if (reads.length === 0) return;
      const results = await Promise.all(reads.map((e) => read(tk, e, pending.state?.status)));
      if (results.some((r) => r === undefined)) {
        pending.effects.push(...reads);
        return;
      }
      results.forEach((result, i) => result && pending.apply(result, reads[i]));
    }
  }

  /** Runs effects together under their lease, renewed every third of it so the sweeper never starts a second copy. */
  private async runLeased(tk: string, effects: Effect[], state: WorkflowState | undefined, inline: NonNullable<EventProcessorDeps['inline']>): Promise<(InlineOutcome | void)[]> {
    const { store, log } = this.deps;
    const leased = effects.map((e) => effectKey(tk, e.id));
    const renew = setInterval(() => {
      store.extendLease(leased, this.now() + inline.leaseMs).catch((err: Error) => log.warn({ tk, state: state?.status, error: err.name, reason: err.message }, 'effect lease not renewed'));
    }, Math.max(100, inline.leaseMs / 3));
    renew.unref();
    try {
      return await Promise.all(effects.map((e) => inline.run(tk, e)));
    } finally {
      clearInterval(renew);
    }
  }

  private report(tk: string, { event, before, after, effects, changed, ranAhead }: Applied): void {
    const { log } = this.deps;
    if (ranAhead) this.deps.onReadAhead?.(tk, ranAhead, event.at);
    if (changed) {
      const from = before?.status;
      const to = after?.status;
      log.info({ tk, event: event.type, eventId: event.id, from, state: to, effects: effects.map((e) => e.type) }, from === to ? 'event applied' : 'state changed');
      if (!before && after?.rebuiltAt !== undefined) log.warn({ tk, state: to }, 'workflow rebuilt from the ticket');
    } else if (log.isLevelEnabled('debug')) {
      log.debug({ tk, event: event.type, eventId: event.id, state: before?.status }, 'event ignored (duplicate or no workflow)');
    }
    this.deps.onApplied?.(tk, event, before, after, effects);
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
