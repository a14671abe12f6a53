import type { Effect, EffectOf, EffectType } from '../../workflows/resync/effects.js';
import type { EventOf, EventType, ResultEvent, WorkflowEvent } from '../../workflows/resync/events.js';
import type { ActorRole, PlatformUser, TicketSnapshot, TokenInfo } from '../../workflows/resync/model.js';
import { parsePolicy, type Policy, type PolicyInput } from '../../workflows/resync/policy.js';
import type { StateName, WorkflowState } from '../../workflows/resync/state.js';
import { initialState, transition, type TransitionResult } from '../../workflows/resync/transition.js';

/** Test bench for the pure workflow: a ticket, a clock that only moves when told, and every effect emitted. */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const T0 = Date.UTC(2024, 4, 6, 9, 0);

export const ALICE: PlatformUser = { id: 'u-alice', userName: 'alice', email: 'alice.archer@example.com', firstName: 'Alice', lastName: 'Archer' };
export const BOB: PlatformUser = { id: 'u-bob', userName: 'bob', email: 'bob.baker@example.com', firstName: 'Bob', lastName: 'Baker' };
export const MOBILEPASS: TokenInfo = { serial: '1005956011', type: 'MobilePASS', mode: 'otp', state: 'active', codeLength: 6 };
export const KT4: TokenInfo = { serial: '312899030', type: 'KT-4', mode: 'challenge', state: 'active', codeLength: 8 };
export const CHALLENGE = '40596';

/** Codes a user would send; tests check that none of them ever leaves the comment they came in. */
export const CODES = { first: '287082', second: '359152', response: '94287082' };

export function makeTicket(over: Partial<TicketSnapshot> = {}): TicketSnapshot {
  return {
    system: 'local',
    id: 't1',
    subject: 'Cannot log in to the VPN',
    status: 'new',
    tags: ['2fa_issue'],
    requester: { id: 'r1', email: 'Alice.Archer@example.com', name: 'Alice Archer' },
    ...over,
  };
}

type Fields<T extends EventType> = Omit<EventOf<T>, 'type' | 'id' | 'at'>;
type ResultType = ResultEvent['type'];

export class Desk {
  state: WorkflowState | undefined;
  now = T0;
  last: TransitionResult = { state: undefined, effects: [], changed: false };
  readonly effects: Effect[] = [];
  readonly events: WorkflowEvent[] = [];
  /** every transition's result, in order */
  readonly results: TransitionResult[] = [];
  private n = 0;

  constructor(
    readonly policy: Policy = parsePolicy(),
    readonly ticket: TicketSnapshot = makeTicket(),
  ) {}

  static withPolicy(input: PolicyInput, ticket?: TicketSnapshot): Desk {
    return new Desk(parsePolicy(input), ticket);
  }

  /** A state as stored: what the last transition produced. */
  get s(): WorkflowState {
    if (!this.state) throw new Error('no workflow state yet');
    return this.state;
  }

  event<T extends EventType>(type: T, fields: Fields<T>, opts: { id?: string; at?: number } = {}): EventOf<T> {
    this.n += 1;
    return { type, id: opts.id ?? `ev-${this.n}`, at: opts.at ?? this.now, ...fields } as unknown as EventOf<T>;
  }

  apply(event: WorkflowEvent): TransitionResult {
    this.events.push(event);
    this.last = transition(this.state, event, this.policy);
    this.state = this.last.state;
    this.results.push(this.last);
    this.effects.push(...this.last.effects);
    return this.last;
  }

  send<T extends EventType>(type: T, fields: Fields<T>, opts: { id?: string; at?: number } = {}): TransitionResult {
    return this.apply(this.event(type, fields, opts));
  }

  advance(ms: number): this {
    this.now += ms;
    return this;
  }

  tag(): TransitionResult {
    return this.send('ticketTagged', { ticket: this.ticket });
  }

  /** The answer to the effect the workflow waits for, as the worker would report it. */
  result<T extends ResultType>(type: T, fields: Omit<Fields<T>, 'effectId'>): TransitionResult {
    return this.send(type, { effectId: this.state?.awaiting ?? 'nothing-awaited', ...fields } as Fields<T>);
  }

  comment(text: string | undefined, opts: { role?: ActorRole; public?: boolean } = {}): TransitionResult {
    const role = opts.role ?? 'requester';
    this.n += 1;
    return this.send('commentAdded', { commentId: `c-${this.n}`, authorId: `${role}-1`, authorRole: role, public: opts.public ?? true, ...(text === undefined ? {} : { text }) });
  }

  reply(text: string): TransitionResult {
    return this.comment(text);
  }

  agentNote(text: string): TransitionResult {
    return this.comment(text, { role: 'agent', public: false });
  }

  tags(change: { added?: string[]; removed?: string[]; byRole?: ActorRole }): TransitionResult {
    return this.send('tagsChanged', { tags: [], added: change.added ?? [], removed: change.removed ?? [], byRole: change.byRole ?? 'agent' });
  }

  /** Lets the clock run to the pending timer and fires it, the way the timer queue would. */
  fire(): TransitionResult {
    const timer = this.s.timer;
    if (!timer) throw new Error(`no timer in ${this.s.status}`);
    this.now = timer.dueAt;
    return timer.kind === 'reminder' ? this.send('reminderDue', { timerId: timer.id }) : this.send('timeoutDue', { timerId: timer.id });
  }

  /** The one effect of a type the last transition emitted. */
  effect<T extends EffectType>(type: T): EffectOf<T> {
    const found = this.last.effects.filter((e): e is EffectOf<T> => e.type === type);
    if (found.length !== 1) throw new Error(`expected one ${type}, got ${found.length} (${this.last.effects.map((e) => e.type).join(', ')})`);
    return found[0] as EffectOf<T>;
  }

  update(): EffectOf<'updateTicket'> {
    return this.effect('updateTicket');
  }

  types(): EffectType[] {
    return this.last.effects.map((e) => e.type);
  }
}

/** The codes path up to the ask for codes: user found by email, has a group, one MobilePASS. */
export function otpDesk(desk = new Desk()): Desk {
  desk.tag();
  desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
  desk.result('groupsRead', { groups: ['vpn-users'] });
  desk.result('tokensRead', { tokens: [MOBILEPASS] });
  return desk;
}

/** The challenge path up to the ask for the KT-4 response. */
export function challengeDesk(desk = new Desk()): Desk {
  desk.tag();
  desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
  desk.result('groupsRead', { groups: ['vpn-users'] });
  desk.result('tokensRead', { tokens: [KT4] });
  desk.result('challengeIssued', { challenge: CHALLENGE });
  return desk;
}

export function codesReply(): string {
  return `Hi,\n\ncode 1: ${CODES.first}\ncode 2: ${CODES.second}\n\nThanks, Alice`;
}

/** A desk whose workflow stands in `status`, reached the way production would reach it. */
export function reach(status: StateName, desk = new Desk()): Desk {
  switch (status) {
    case 'received':
      desk.state = initialState(desk.ticket, desk.now);
      return desk;
    case 'locating_user':
      desk.tag();
      return desk;
    case 'awaiting_approval':
      desk.tag();
      desk.result('userLocated', { user: BOB, matchedBy: 'lastName' });
      return desk;
    case 'checking_group':
      desk.tag();
      desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
      return desk;
    case 'inspecting_tokens':
      reach('checking_group', desk);
      desk.result('groupsRead', { groups: ['vpn-users'] });
      return desk;
    case 'awaiting_codes':
      return otpDesk(desk);
    case 'awaiting_response':
      return challengeDesk(desk);
    case 'resyncing':
      otpDesk(desk).advance(5 * MINUTE).reply(codesReply());
      return desk;
    case 'awaiting_retest':
      reach('resyncing', desk).result('resyncSucceeded', {});
      return desk;
    case 'resolved':
      reach('awaiting_retest', desk).advance(10 * MINUTE).reply('Yes, works now - thank you!');
      return desk;
    case 'timed_out':
      otpDesk(desk);
      while (desk.s.status === 'awaiting_codes') desk.fire();
      return desk;
    case 'escalated':
      desk.tag();
      desk.result('userNotFound', { tried: ['email "alice.archer@example.com"'] });
      return desk;
    case 'handed_off':
      otpDesk(desk).tags({ added: [desk.policy.handoffTag] });
      return desk;
    case 'update_failed':
      reach('resolved', desk).advance(MINUTE);
      desk.send('effectFailed', { effectId: desk.s.closingUpdate ?? '', effectType: 'updateTicket', reason: REFUSED_SOLVE, retryable: false });
      return desk;
    case 'stuck':
      reach('update_failed', desk).advance(MINUTE);
      desk.send('effectFailed', { effectId: desk.s.closingUpdate ?? '', effectType: 'updateTicket', reason: DESK_DOWN, retryable: true });
      return desk;
  }
}

/** What a ticket system says when a business rule refuses to solve a ticket (Zendesk, auto-assign on solve off). */
export const REFUSED_SOLVE = 'ZendeskRequestRefused: zendesk answered 422 to PUT /api/v2/tickets/1.json: Assignee: is required when solving';
/** What the effect runner reports when the ticket system stayed away through every retry. */
export const DESK_DOWN = 'TicketSystemUnavailable: local did not answer (HTTP 503 after 4 tries); retried with backoff';
