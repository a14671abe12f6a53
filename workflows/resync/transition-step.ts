import { AWAITED_EFFECTS, type Effect, type EffectType } from './effects.js';
import type { WorkflowEvent } from './events.js';
import type { TicketStatus } from './model.js';
import type { Policy } from './policy.js';
import { CLOSING_OUTCOMES, MAX_APPLIED_EVENT_IDS, MAX_HISTORY, UNFINISHED_STATES, WAITING_STATES, type StateName, type WorkflowState } from './state.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An effect that acts on the 2FA platform; ticket updates and timers are folded by the step itself. */

/** Effects the worker carries out on the ticket system or on its own (all others go to the 2FA platform). */
const DESK_SIDE: ReadonlySet<Effect['type']> = new Set(['updateTicket', 'setTimer', 'replayComments']);
export type Action = DistributiveOmit<Exclude<Effect, { type: 'updateTicket' | 'setTimer' }>, 'id'>;

export interface TransitionResult {
  state: WorkflowState | undefined;
  effects: Effect[];
  changed: boolean;
}

interface TicketUpdate {
  publicReply?: string;
  internalNote?: string;
  status?: TicketStatus;
  addTags: string[];
  /** tags the bot takes off (the apply tag of shadow mode, so that the same one-click tag applies the next step) */
  removeTags?: string[];
  escalate: boolean;
}

/** What a step tells the requester or changes on the ticket beyond its notes: what shadow mode holds back. */
export type PublicPart = Pick<TicketUpdate, 'publicReply' | 'status' | 'addTags' | 'escalate'>;

const AWAITED: ReadonlySet<EffectType> = new Set(AWAITED_EFFECTS);
const WAITING: ReadonlySet<StateName> = new Set(WAITING_STATES);
/** States whose ticket update tells how the round ended (see WorkflowState.closingUpdate). */
const CLOSING: ReadonlySet<StateName> = new Set([...CLOSING_OUTCOMES, ...UNFINISHED_STATES]);
const UNFINISHED: ReadonlySet<StateName> = new Set(UNFINISHED_STATES);

export function isWaiting(status: StateName): boolean {
  return WAITING.has(status);
}

export function isAwaited(effectType: string): boolean {
  return (AWAITED as ReadonlySet<string>).has(effectType);
}

/**
 * One transition in the making: a private copy of the state that handlers change freely, plus the effects it
 * will emit. Keeping the bookkeeping here (ids, history, timers, the single folded ticket update) lets the
 * handlers read like the spec.
 */
export class Step {
  readonly s: WorkflowState;
  /** the status before this event */
  readonly from: StateName;
  readonly at: number;
  private readonly actions: Action[] = [];
  private update: TicketUpdate | undefined;
  /** an internal note written even while a rebuilt workflow is quiet (the note that says it was rebuilt) */
  private loudNote: string | undefined;
  /** whether this step is quiet, decided before the rebuild bookkeeping ended (see transition-rebuild.ts) */
  private quiet: boolean | undefined;
  private timer: { kind: 'reminder' | 'timeout'; dueAt: number } | undefined;
  /** timers beside the waiting state's own (SLA): they keep the id the caller gives them and are never replaced */
  private readonly fixedTimers: Array<{ timerId: string; kind: 'sla_risk'; dueAt: number }> = [];

  constructor(
    state: WorkflowState,
    readonly event: WorkflowEvent,
    readonly policy: Policy,
  ) {
    this.s = {
      ...state,
      sla: { ...state.sla },
      history: [...state.history],
      appliedEventIds: [...state.appliedEventIds, event.id].slice(-MAX_APPLIED_EVENT_IDS),
      updatedAt: event.at,
    };
    this.from = state.status;
    this.at = event.at;
  }

  /** Moves to `to`; leaving or entering a waiting state stops or starts its clock. */
  go(to: StateName, note?: string): void {
    const prev = this.s.status;
    if (prev === to) return;
    if (isWaiting(prev)) this.stopWaiting();
    this.s.status = to;
    this.s.history = [...this.s.history, { at: this.at, event: this.event.type, from: prev, to, ...(note ? { note } : {}) }].slice(-MAX_HISTORY);
    if (isWaiting(to)) this.startWaiting();
  }

  emit(action: Action): void {
    this.actions.push(action);
  }

  /** The awaited result arrived: later results for the same effect are stale. */
  consume(): void {
    this.s.awaiting = undefined;
  }

  /** A public reply that asks the end user for something: the ticket waits on them. */
  ask(text: string): void {
    this.tell(text);
    this.ticket().status = 'pending';
  }

  tell(text: string): void {
    const u = this.ticket();
    u.publicReply = u.publicReply ? `${u.publicReply}\n\n${text}` : text;
  }

  note(text: string): void {
    const u = this.ticket();
    u.internalNote = u.internalNote ? `${u.internalNote}\n\n${text}` : text;
  }

  quietThisStep(quiet: boolean): void {
    this.quiet = quiet;
  }

  /** An internal note that is written even while a rebuilt workflow leaves out what the ticket already shows. */
  noteAlways(text: string): void {
    this.loudNote = this.loudNote ? `${this.loudNote}\n\n${text}` : text;
  }

  setTicketStatus(status: TicketStatus): void {
    this.ticket().status = status;
  }

  addTag(tag: string): void {
    this.ticket().addTags.push(tag);
  }

  assignToEscalationGroup(): void {
    this.ticket().escalate = true;
  }

  /** A reply that keeps the state waiting restarts its clock: the customer answered, so reminders start over. */
  restartWaiting(): void {
    this.stopWaiting();
    this.startWaiting();
  }

  /** Reminders first, then the time-out; a reminder never falls after the time-out. */
  scheduleNext(): void {
    const deadline = this.deadline();
    if (this.s.reminders < this.policy.maxReminders) {
      this.timer = { kind: 'reminder', dueAt: Math.min(this.at + this.policy.reminderAfterMs, deadline) };
    } else {
      this.timer = { kind: 'timeout', dueAt: deadline };
    }
  }

  /** A timer outside any wait: the state tries something again when it fires (as a reminder). */
  scheduleRetry(dueAt: number): void {
    this.timer = { kind: 'reminder', dueAt };
  }

  addFixedTimer(timerId: string, kind: 'sla_risk', dueAt: number): void {
    this.fixedTimers.push({ timerId, kind, dueAt });
  }

  clearTimer(): void {
    this.timer = undefined;
    this.s.timer = undefined;
  }

  /** When the current waiting state times out. */
  deadline(): number {
    return (this.s.waitingSince ?? this.at) + this.policy.timeoutAfterMs;
  }

  finish(): TransitionResult {
    // A rebuilt workflow marks a resync made on a reply that was on the ticket before it was rebuilt: the lost workflow
    // may have used those very codes. A reply written since is fresh, and codes already used in it stay refused
    // (whoever holds old codes gains nothing from a failover).
    const rebuilt = this.s.rebuild?.priorReply === true;
    // A resync carries the policy's daily limit: a tenant's own applies, not the worker's global one.
    const limit = this.policy.maxResyncsPerUserPerDay;
    const marked = this.actions.map((a) =>
      a.type === 'resyncOtp' || a.type === 'resyncChallenge' ? { ...a, maxResyncsPerUserPerDay: limit, ...(rebuilt ? { rebuilt: true } : {}) } : a,
    );
    // Replayed comments go last: the step's other effects keep the indexes (and so the ticket updates the idempotency
    // keys) they have when the comments came one by one, as they did before a failover.
    const bodies: Array<DistributiveOmit<Effect, 'id'>> = marked.filter((a) => a.type !== 'replayComments');
    const replays = marked.filter((a) => a.type === 'replayComments');
    const update = this.ticketUpdate();
    if (update) {
      if (update.publicReply !== undefined && this.s.sla.firstPublicReplyAt === undefined) this.s.sla.firstPublicReplyAt = this.at;
      const target = update.escalate ? this.policy.escalationTarget : undefined;
      bodies.push({
        type: 'updateTicket',
        ...update,
        removeTags: update.removeTags ?? [],
        ...(target !== undefined ? { escalateTo: target } : {}),
        ...(CLOSING.has(this.s.status) ? { ends: true } : {}),
      });
    }
    for (const t of this.fixedTimers) bodies.push({ type: 'setTimer', ...t });
    if (!CLOSING.has(this.s.status)) this.s.closingUpdate = undefined;
    if (!UNFINISHED.has(this.s.status)) this.s.deskFailure = undefined;
    if (bodies.length === 0 && replays.length === 0 && !this.timer) return { state: this.s, effects: [], changed: true };

    this.s.seq += 1;
    const prefix = `${this.s.round}.${this.s.seq}`;
    if (this.timer) {
      const timerId = `${prefix}.${this.timer.kind}`;
      this.s.timer = { id: timerId, ...this.timer };
      bodies.push({ type: 'setTimer', timerId, ...this.timer });
    }
    bodies.push(...replays);
    // Effects for the 2FA platform name the ticket's tenant: the worker takes that tenant's platform, never another's.
    const tenant = this.s.tenant;
    const effects = bodies.map((body, index) => ({ ...body, id: `${prefix}.${index}`, ...(tenant !== undefined && !DESK_SIDE.has(body.type) ? { tenant } : {}) }) as Effect);
    const awaited = effects.find((e) => AWAITED.has(e.type));
    if (awaited) this.s.awaiting = awaited.id;
    const updateEffect = effects.find((e) => e.type === 'updateTicket');
    if (updateEffect && CLOSING.has(this.s.status)) this.s.closingUpdate = updateEffect.id;
    return { state: this.s, effects, changed: true };
  }

  /**
   * The step's ticket update as sent: while a rebuilt workflow is quiet (the ticket shows its answer already) none
   * but the note that is always written, and for a step that ends the round its status, tags and escalation.
   */
  private ticketUpdate(): TicketUpdate | undefined {
    let update = this.update;
    if (update && (this.quiet ?? this.s.rebuild?.quiet)) {
      // The end of a round is sent again without its public word, which the ticket shows: the ticket system's answer
      // (taken, or refused) is what says whether the round is done, never the state's memory of it. Its note goes
      // with it: a reply can look answered by a later message than the lost end (the rebuilt workflow's own), and an
      // agent must never find an ended ticket without the note that says why; a second copy of it costs nothing.
      const { publicReply: _reply, internalNote, ...changes } = update;
      update = CLOSING.has(this.s.status) ? { ...changes, ...(internalNote !== undefined ? { internalNote } : {}) } : undefined;
    }
    if (this.loudNote !== undefined) {
      const base = update ?? { addTags: [], escalate: false };
      update = { ...base, internalNote: base.internalNote ? `${this.loudNote}\n\n${base.internalNote}` : this.loudNote };
    }
    if (!update) return undefined;
    const changes =
      update.publicReply !== undefined || update.internalNote !== undefined || update.status !== undefined || update.addTags.length > 0 || (update.removeTags?.length ?? 0) > 0 || update.escalate;
    return changes ? update : undefined;
  }

  /** The platform actions asked for so far (the mode gate reads them: transition-mode.ts). */
  actionsSoFar(): readonly Action[] {
    return this.actions;
  }

  /** Takes the actions `pick` selects out of the step and returns them (the mode gate holds them back). */
  takeActions(pick: (a: Action) => boolean): Action[] {
    const taken = this.actions.filter(pick);
    const kept = this.actions.filter((a) => !pick(a));
    this.actions.splice(0, this.actions.length, ...kept);
    return taken;
  }

  /** Takes the public reply, status, tags and escalation out of the step's ticket update, leaving its internal note. */
  takePublic(): PublicPart {
    const u = this.ticket();
    const taken: PublicPart = { ...(u.publicReply !== undefined ? { publicReply: u.publicReply } : {}), ...(u.status !== undefined ? { status: u.status } : {}), addTags: u.addTags, escalate: u.escalate };
    this.update = { addTags: [], escalate: false, ...(u.internalNote !== undefined ? { internalNote: u.internalNote } : {}), ...(u.removeTags ? { removeTags: u.removeTags } : {}) };
    return taken;
  }

  /** Takes the internal note written so far out of the step (the mode gate writes it again inside its own). */
  takeNote(): string | undefined {
    if (!this.update) return undefined;
    const { internalNote, ...rest } = this.update;
    this.update = rest;
    return internalNote;
  }

  removeTag(tag: string): void {
    const u = this.ticket();
    u.removeTags = [...(u.removeTags ?? []), tag];
  }

  /** A timer outside the waiting states' own schedule (a proposal's: transition-mode.ts). */
  scheduleTimer(kind: 'reminder' | 'timeout', dueAt: number): void {
    this.timer = { kind, dueAt };
  }

  private ticket(): TicketUpdate {
    this.update ??= { addTags: [], escalate: false };
    return this.update;
  }

  private startWaiting(): void {
    this.s.waitingSince = this.at;
    this.s.reminders = 0;
    this.scheduleNext();
  }

  private stopWaiting(): void {
    if (this.s.waitingSince !== undefined) this.s.sla.waitingMs += Math.max(0, this.at - this.s.waitingSince);
    this.s.waitingSince = undefined;
    this.clearTimer();
  }
}
