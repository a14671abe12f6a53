import { describe, expect, it } from 'vitest';
import type { EffectType } from '../../workflows/resync/effects.js';
import { EVENT_TYPES, type EventType, type WorkflowEvent } from '../../workflows/resync/events.js';
import { MAX_APPLIED_EVENT_IDS, MAX_HISTORY, STATE_NAMES, WAITING_STATES, type StateName } from '../../workflows/resync/state.js';
import { isInert, transition } from '../../workflows/resync/transition.js';
import { ALICE, BOB, CHALLENGE, Desk, HOUR, MINUTE, MOBILEPASS, T0, makeTicket, otpDesk, reach } from './workflow.harness.js';

/** What a requester would write in each state, to exercise its main path. */
function requesterText(status: StateName): string {
  switch (status) {
    case 'awaiting_codes':
      return 'codes: 287082 359152';
    case 'awaiting_response':
      return 'it shows 94287082';
    case 'awaiting_retest':
      return 'works now';
    case 'resolved':
    case 'timed_out':
      return 'it is broken again, same error';
    default:
      return 'hello? any news?';
  }
}

/** One event of each type, aimed at the state: results answer what it awaits, timers are its current timer. */
function sampleEvent(type: EventType, desk: Desk): WorkflowEvent {
  const s = desk.s;
  const effectId = s.awaiting ?? 'nothing-awaited';
  const timerId = s.timer?.id ?? 'no-timer';
  switch (type) {
    case 'ticketTagged':
      return desk.event(type, { ticket: desk.ticket });
    case 'commentAdded':
      return desk.event(type, { commentId: 'c-x', authorId: 'r1', authorRole: 'requester', public: true, text: requesterText(s.status) });
    case 'tagsChanged':
      return desk.event(type, { tags: ['2fa_issue', '2fa_bot_off'], added: ['2fa_bot_off'], removed: [], byRole: 'agent' });
    case 'statusChanged':
      return desk.event(type, { status: 'solved', byRole: 'agent' });
    case 'userLocated':
      return desk.event(type, { effectId, user: ALICE, matchedBy: 'email' });
    case 'userNotFound':
      return desk.event(type, { effectId, tried: ['email "alice.archer@example.com"'] });
    case 'usersAmbiguous':
      return desk.event(type, { effectId, candidates: [ALICE, BOB] });
    case 'groupsRead':
      return desk.event(type, { effectId, groups: ['vpn-users'] });
    case 'groupAdded':
      return desk.event(type, { effectId, group: 'vpn-users' });
    case 'tokensRead':
      return desk.event(type, { effectId, tokens: [MOBILEPASS] });
    case 'challengeIssued':
      return desk.event(type, { effectId, challenge: CHALLENGE });
    case 'resyncSucceeded':
      return desk.event(type, { effectId });
    case 'resyncRejected':
      return desk.event(type, { effectId, reason: 'codes_not_in_window' });
    case 'codesHeld':
      return desk.event(type, { effectId, url: 'https://desk.example/assist/abc', expiresAt: desk.now + 600_000 });
    case 'authObserved':
      return desk.event(type, { effectId, success: true });
    case 'effectFailed':
      return desk.event(type, { effectId: `${s.round}.${s.seq}.9`, effectType: 'updateTicket', reason: 'ticket system answered 500' });
    case 'reminderDue':
      return desk.event(type, { timerId });
    case 'timeoutDue':
      return desk.event(type, { timerId });
    case 'slaRiskDue':
      return desk.event(type, { timerId: '1.sla.resolution', target: 'resolution' });
    case 'operatorCommand':
      return desk.event(type, { action: 'escalate', reason: 'VIP: call them' });
  }
}

type Outcome = readonly [StateName, EffectType[]];
const HANDOFF: Partial<Record<EventType, Outcome>> = { tagsChanged: ['handed_off', []], statusChanged: ['handed_off', []] };
const FAILS: Partial<Record<EventType, Outcome>> = {
  effectFailed: ['escalated', ['updateTicket']],
  slaRiskDue: ['escalated', ['updateTicket']],
  operatorCommand: ['escalated', ['updateTicket']],
};

/**
 * The documented outcome of every state × event pair (with the sample events above). A pair that is not
 * listed is ignored: no effects, and the state changes only in its bookkeeping (event id, updatedAt).
 */
const OUTCOMES: Record<StateName, Partial<Record<EventType, Outcome>>> = {
  received: { ...HANDOFF, ...FAILS },
  locating_user: {
    ...HANDOFF,
    ...FAILS,
    userLocated: ['checking_group', ['readGroups']],
    userNotFound: ['escalated', ['updateTicket']],
    usersAmbiguous: ['escalated', ['updateTicket']],
  },
  awaiting_approval: {
    ...HANDOFF,
    ...FAILS,
    reminderDue: ['awaiting_approval', ['updateTicket', 'setTimer']],
    timeoutDue: ['escalated', ['updateTicket']],
  },
  checking_group: {
    ...HANDOFF,
    ...FAILS,
    groupsRead: ['inspecting_tokens', ['readTokens']],
    groupAdded: ['inspecting_tokens', ['readTokens']],
  },
  inspecting_tokens: {
    ...HANDOFF,
    ...FAILS,
    tokensRead: ['awaiting_codes', ['updateTicket', 'setTimer']],
    challengeIssued: ['awaiting_response', ['updateTicket', 'setTimer']],
  },
  awaiting_codes: {
    ...HANDOFF,
    ...FAILS,
    commentAdded: ['resyncing', ['resyncOtp']],
    reminderDue: ['awaiting_codes', ['updateTicket', 'setTimer']],
    timeoutDue: ['timed_out', ['updateTicket']],
  },
  awaiting_response: {
    ...HANDOFF,
    ...FAILS,
    commentAdded: ['resyncing', ['resyncChallenge']],
    reminderDue: ['awaiting_response', ['updateTicket', 'setTimer']],
    timeoutDue: ['timed_out', ['updateTicket']],
  },
  resyncing: {
    ...HANDOFF,
    ...FAILS,
    resyncSucceeded: ['awaiting_retest', ['updateTicket', 'setTimer']],
    resyncRejected: ['awaiting_codes', ['updateTicket', 'setTimer']],
    codesHeld: ['escalated', ['updateTicket']],
    groupAdded: ['awaiting_retest', ['updateTicket', 'setTimer']],
    // held (no effects): acted on once the workflow waits again (transition-rebuild.ts holdBack)
    commentAdded: ['resyncing', []],
  },
  awaiting_retest: {
    ...HANDOFF,
    ...FAILS,
    commentAdded: ['resolved', ['updateTicket']],
    reminderDue: ['awaiting_retest', ['checkAuthLog']],
    timeoutDue: ['timed_out', ['updateTicket']],
  },
  resolved: { commentAdded: ['locating_user', ['locateUser']] },
  timed_out: { commentAdded: ['locating_user', ['locateUser']] },
  update_failed: { ...HANDOFF, operatorCommand: ['escalated', ['updateTicket']] },
  stuck: { ...HANDOFF, operatorCommand: ['escalated', ['updateTicket']], reminderDue: ['update_failed', ['updateTicket']] },
  escalated: {},
  handed_off: {},
};

describe('every state × event pair', () => {
  for (const status of STATE_NAMES) {
    describe(status, () => {
      for (const type of EVENT_TYPES) {
        const outcome = OUTCOMES[status][type];
        const title = outcome ? `${type} → ${outcome[0]} with ${outcome[1].join(', ') || 'no effects'}` : `${type} is ignored`;
        it(title, () => {
          const desk = reach(status).advance(MINUTE);
          const before = desk.s;
          expect(before.status).toBe(status);
          const event = sampleEvent(type, desk);
          const result = transition(before, event, desk.policy);
          expect(result.changed).toBe(true);
          if (!outcome) {
            expect(result.effects).toEqual([]);
            expect(result.state).toEqual({ ...before, appliedEventIds: [...before.appliedEventIds, event.id], updatedAt: event.at });
            return;
          }
          expect(result.state?.status).toBe(outcome[0]);
          expect(result.effects.map((e) => e.type)).toEqual(outcome[1]);
          expect(result.state?.appliedEventIds.at(-1)).toBe(event.id);
          expect(result.state?.updatedAt).toBe(event.at);
        });
      }
    });
  }
});

describe('starting a workflow', () => {
  it('creates the state from a ticket tagged for us and looks the requester up', () => {
    const desk = new Desk();
    const r = desk.tag();
    expect(r.changed).toBe(true);
    expect(desk.s).toMatchObject({ status: 'locating_user', round: 1, seq: 1, createdAt: T0, updatedAt: T0, attempts: 0, reminders: 0 });
    expect(r.effects).toEqual([
      { type: 'locateUser', id: '1.1.0', requester: desk.ticket.requester },
      { type: 'setTimer', id: '1.1.1', timerId: '1.sla.first_reply', kind: 'sla_risk', dueAt: T0 + 5 * MINUTE },
      { type: 'setTimer', id: '1.1.2', timerId: '1.sla.resolution', kind: 'sla_risk', dueAt: T0 + 24 * HOUR - 10 * MINUTE },
    ]);
    expect(desk.s.awaiting).toBe('1.1.0');
    expect(desk.s.history).toEqual([{ at: T0, event: 'ticketTagged', from: 'received', to: 'locating_user', note: 'tagged 2fa_issue' }]);
    expect(desk.s.sla).toEqual({ endUserRoundTrips: 0, waitingMs: 0, requesterMessages: 0 });
  });

  it('does nothing for a ticket without the watched tag', () => {
    const desk = new Desk(undefined, makeTicket({ tags: ['billing'] }));
    expect(desk.tag()).toEqual({ state: undefined, effects: [], changed: false });
  });

  it('watches the tag the policy names', () => {
    const desk = Desk.withPolicy({ watchTag: 'token_resync' }, makeTicket({ tags: ['token_resync'] }));
    expect(desk.tag().state?.status).toBe('locating_user');
  });

  it.each(EVENT_TYPES.filter((t) => t !== 'ticketTagged'))('ignores %s when there is no workflow', (type) => {
    const desk = reach('locating_user');
    const event = sampleEvent(type, desk);
    expect(transition(undefined, event, desk.policy)).toEqual({ state: undefined, effects: [], changed: false });
  });

  it('records a second ticketTagged but starts nothing', () => {
    const desk = otpDesk();
    const before = desk.s;
    const r = desk.tag();
    expect(r.effects).toEqual([]);
    expect(r.state).toEqual({ ...before, appliedEventIds: [...before.appliedEventIds, desk.events.at(-1)?.id], updatedAt: desk.now });
  });
});

describe('duplicate events', () => {
  it.each(STATE_NAMES.filter((s) => s !== 'received'))('changes nothing the second time in %s', (status) => {
    const desk = reach(status);
    const last = desk.events.at(-1);
    if (!last) throw new Error('no event');
    const before = desk.s;
    expect(transition(before, last, desk.policy)).toEqual({ state: before, effects: [], changed: false });
  });

  it('remembers only the last MAX_APPLIED_EVENT_IDS ids', () => {
    const desk = otpDesk();
    for (let i = 0; i < MAX_APPLIED_EVENT_IDS + 5; i++) desk.comment('fyi', { role: 'end-user' });
    expect(desk.s.appliedEventIds).toHaveLength(MAX_APPLIED_EVENT_IDS);
    expect(desk.s.appliedEventIds.at(-1)).toBe(desk.events.at(-1)?.id);
  });

  it('treats a replayed reply with codes as already applied', () => {
    const desk = otpDesk();
    desk.reply('287082 359152');
    const reply = desk.events.at(-1);
    if (!reply) throw new Error('no event');
    desk.result('resyncSucceeded', {});
    const again = desk.apply(reply);
    expect(again.changed).toBe(false);
    expect(again.effects).toEqual([]);
    expect(desk.s.status).toBe('awaiting_retest');
  });
});

describe('effect ids', () => {
  it('numbers effects round.seq.index, one seq per transition that emits', () => {
    const desk = otpDesk();
    expect(desk.effects.map((e) => `${e.type}:${e.id}`)).toEqual([
      'locateUser:1.1.0',
      'setTimer:1.1.1',
      'setTimer:1.1.2',
      'readGroups:1.2.0',
      'readTokens:1.3.0',
      'updateTicket:1.4.0',
      'setTimer:1.4.1',
    ]);
    expect(desk.s.seq).toBe(4);
  });

  it('leaves seq alone when a transition emits nothing', () => {
    const desk = otpDesk();
    desk.comment('cc: adding my manager', { role: 'end-user' });
    expect(desk.s.seq).toBe(4);
  });

  it('names timers round.seq.kind and keeps the one pending in the state', () => {
    const desk = otpDesk();
    expect(desk.effect('setTimer')).toEqual({ type: 'setTimer', id: '1.4.1', timerId: '1.4.reminder', kind: 'reminder', dueAt: T0 + 4 * HOUR });
    expect(desk.s.timer).toEqual({ id: '1.4.reminder', kind: 'reminder', dueAt: T0 + 4 * HOUR });
  });
});

describe('stale results', () => {
  it('ignores a result for an effect the state no longer waits for', () => {
    const desk = reach('checking_group');
    const before = desk.s;
    const r = desk.send('userLocated', { effectId: '1.1.0', user: BOB, matchedBy: 'email' });
    expect(r.effects).toEqual([]);
    expect(desk.s.user).toEqual(before.user);
    expect(desk.s.status).toBe('checking_group');
  });

  it('ignores a second answer to an effect already consumed', () => {
    const desk = reach('checking_group');
    const awaited = desk.s.awaiting ?? '';
    desk.send('groupsRead', { effectId: awaited, groups: ['vpn-users'] });
    const r = desk.send('groupsRead', { effectId: awaited, groups: [] });
    expect(r.effects).toEqual([]);
    expect(desk.s.status).toBe('inspecting_tokens');
  });

  it('ignores a result of the right type for an old effect id', () => {
    const desk = reach('resyncing');
    const r = desk.send('resyncSucceeded', { effectId: '1.1.0' });
    expect(r.effects).toEqual([]);
    expect(desk.s.status).toBe('resyncing');
  });

  it('ignores an effectFailed for an awaited effect that is not the current one', () => {
    const desk = reach('inspecting_tokens');
    const r = desk.send('effectFailed', { effectId: '1.1.0', effectType: 'locateUser', reason: 'timeout' });
    expect(r.effects).toEqual([]);
    expect(desk.s.status).toBe('inspecting_tokens');
  });

  it('clears awaiting once the result is consumed', () => {
    const desk = otpDesk();
    expect(desk.s.awaiting).toBeUndefined();
  });
});

describe('stale timers', () => {
  it('ignores a reminder for a timer the state replaced', () => {
    const desk = otpDesk();
    const old = desk.s.timer?.id ?? '';
    desk.advance(HOUR).reply('only 287082');
    const r = desk.send('reminderDue', { timerId: old });
    expect(r.effects).toEqual([]);
    expect(desk.s.reminders).toBe(0);
  });

  it('ignores a time-out that fires after the state moved on', () => {
    const desk = otpDesk();
    const old = desk.s.timer?.id ?? '';
    desk.reply('287082 359152');
    const r = desk.send('timeoutDue', { timerId: old });
    expect(r.effects).toEqual([]);
    expect(desk.s.status).toBe('resyncing');
  });

  it('ignores timers in states that do not wait', () => {
    const desk = reach('checking_group');
    expect(desk.send('timeoutDue', { timerId: '1.1.timeout' }).effects).toEqual([]);
    expect(desk.s.status).toBe('checking_group');
  });

  it('ignores a timer from the previous round after a reopen', () => {
    const desk = otpDesk();
    desk.fire();
    desk.fire();
    const timeout = desk.s.timer?.id ?? '';
    desk.fire();
    desk.reply('sorry, was on holiday. still broken');
    const r = desk.send('timeoutDue', { timerId: timeout });
    expect(r.effects).toEqual([]);
    expect(desk.s.status).toBe('locating_user');
  });
});

describe('effectFailed', () => {
  it('escalates when the awaited effect failed, with its reason', () => {
    const desk = reach('locating_user');
    desk.send('effectFailed', { effectId: desk.s.awaiting ?? '', effectType: 'locateUser', reason: 'platform credentials rejected' });
    expect(desk.s.status).toBe('escalated');
    expect(desk.s.escalation).toEqual({ reason: 'effect_failed', detail: 'locateUser failed: platform credentials rejected' });
    expect(desk.update().internalNote).toContain('platform credentials rejected');
  });

  it('escalates when a ticket update or timer could not be made', () => {
    const desk = otpDesk();
    desk.send('effectFailed', { effectId: '1.4.1', effectType: 'setTimer', reason: 'redis down' });
    expect(desk.s.status).toBe('escalated');
    expect(desk.s.timer).toBeUndefined();
  });

  it.each(['resolved', 'timed_out', 'escalated', 'handed_off'] as const)('is ignored in %s for an update other than the one that ended the round', (status) => {
    const desk = reach(status);
    const r = desk.send('effectFailed', { effectId: '1.9.0', effectType: 'updateTicket', reason: 'ticket system down' });
    expect(r.effects).toEqual([]);
    expect(desk.s.status).toBe(status);
  });

  it('ignores a failure of an effect type it does not know', () => {
    const desk = otpDesk();
    expect(desk.send('effectFailed', { effectId: '1.4.0', effectType: 'sendFax', reason: 'x' }).effects).toEqual([]);
    expect(desk.s.status).toBe('awaiting_codes');
  });
});

describe('a state that lacks what its status needs', () => {
  it('escalates rather than stalling', () => {
    const desk = reach('checking_group');
    const { user: _user, ...broken } = desk.s;
    desk.state = broken;
    desk.result('groupsRead', { groups: ['vpn-users'] });
    expect(desk.s.escalation).toEqual({ reason: 'effect_failed', detail: 'the workflow state has no platform user in checking_group' });
  });
});

describe('handoff to an agent', () => {
  const live = STATE_NAMES.filter((s) => !['resolved', 'timed_out', 'escalated', 'handed_off'].includes(s));

  it.each(live)('goes quiet from %s when an agent replies publicly', (status) => {
    const desk = reach(status);
    const r = desk.comment('I will take this one.', { role: 'agent', public: true });
    expect(r.effects).toEqual([]);
    expect(desk.s.status).toBe('handed_off');
    expect(desk.s.timer).toBeUndefined();
    expect(desk.s.awaiting).toBeUndefined();
  });

  it('goes quiet when an agent or a trigger adds the handoff tag', () => {
    const byAgent = otpDesk();
    byAgent.tags({ added: ['2fa_bot_off'], byRole: 'agent' });
    expect(byAgent.s.status).toBe('handed_off');
    const byTrigger = otpDesk();
    byTrigger.tags({ added: ['2fa_bot_off'], byRole: 'system' });
    expect(byTrigger.s.status).toBe('handed_off');
  });

  it('goes quiet when the watched tag is removed', () => {
    const desk = otpDesk();
    desk.tags({ removed: ['2fa_issue'] });
    expect(desk.s.status).toBe('handed_off');
  });

  it('goes quiet when an agent solves or closes the ticket', () => {
    for (const status of ['solved', 'closed'] as const) {
      const desk = otpDesk();
      desk.send('statusChanged', { status, byRole: 'agent' });
      expect(desk.s.status).toBe('handed_off');
    }
  });

  it('does not treat other ticket changes as a handoff', () => {
    const desk = otpDesk();
    desk.send('statusChanged', { status: 'pending', byRole: 'agent' });
    desk.send('statusChanged', { status: 'solved', byRole: 'requester' });
    desk.tags({ added: ['2fa_bot_off'], byRole: 'requester' });
    desk.tags({ added: ['vip'], byRole: 'agent' });
    desk.comment('internal: customer is a VIP', { role: 'agent', public: false });
    expect(desk.s.status).toBe('awaiting_codes');
  });

  it('adds the time it waited to the SLA', () => {
    const desk = otpDesk();
    desk.advance(2 * HOUR).comment('on it', { role: 'agent', public: true });
    expect(desk.s.sla.waitingMs).toBe(2 * HOUR);
  });
});

describe('terminal states', () => {
  it.each(['escalated', 'handed_off'] as const)('%s ignores even the requester writing again', (status) => {
    const desk = reach(status);
    const r = desk.reply('still broken!!');
    expect(r.effects).toEqual([]);
    expect(desk.s.status).toBe(status);
  });

  it.each(['resolved', 'timed_out'] as const)('%s does not reopen for a thank-you that says it works', (status) => {
    const desk = reach(status);
    const r = desk.reply('Thanks, it works now!');
    // resolved: the reply may have reopened the ticket on the desk, so it is solved again, without a public word
    const updates = r.effects.filter((e) => e.type === 'updateTicket');
    if (status === 'resolved') expect(updates).toMatchObject([{ status: 'solved', internalNote: expect.stringMatching(/solved again/) }]);
    else expect(r.effects).toEqual([]);
    for (const u of updates) expect(u.type === 'updateTicket' && u.publicReply).toBeUndefined();
    expect(desk.s.status).toBe(status);
  });

  it.each(['resolved', 'timed_out'] as const)('%s starts a new round when the requester writes again', (status) => {
    const desk = reach(status);
    const round = desk.s.round;
    const trips = desk.s.sla.endUserRoundTrips;
    const r = desk.reply('it is broken again, same error');
    expect(desk.s).toMatchObject({ status: 'locating_user', round: round + 1, attempts: 0, reminders: 0 });
    expect(desk.s.sla.endUserRoundTrips).toBe(trips + 1);
    for (const key of ['user', 'matchedBy', 'approval', 'token', 'challenge', 'resyncedAt', 'groupAdded', 'escalation'] as const) expect(desk.s[key]).toBeUndefined();
    expect(r.effects).toEqual([{ type: 'locateUser', id: `${round + 1}.${desk.s.seq}.0`, requester: desk.ticket.requester }]);
    expect(desk.s.awaiting).toBe(r.effects[0]?.id);
  });

  it.each(['resolved', 'timed_out'] as const)('%s ignores comments from anyone but the requester', (status) => {
    const desk = reach(status);
    desk.comment('me too', { role: 'end-user' });
    desk.comment('fyi', { role: 'agent', public: false });
    desk.comment('bot echo', { role: 'bot' });
    expect(desk.s.status).toBe(status);
  });
});

describe('waiting states', () => {
  it.each(WAITING_STATES)('%s has a timer and waitingSince', (status) => {
    const desk = reach(status);
    expect(desk.s.timer).toBeDefined();
    expect(desk.s.waitingSince).toBe(desk.now);
    expect(desk.s.reminders).toBe(0);
  });

  it('sets a time-out at once when the policy sends no reminders', () => {
    const desk = otpDesk(Desk.withPolicy({ maxReminders: 0, timeoutAfterMs: 24 * HOUR }));
    expect(desk.s.timer).toEqual({ id: '1.4.timeout', kind: 'timeout', dueAt: T0 + 24 * HOUR });
  });
});

describe('history', () => {
  it('records every change of state with the event that caused it', () => {
    const desk = otpDesk();
    expect(desk.s.history.map((h) => `${h.event}:${h.from}>${h.to}`)).toEqual([
      'ticketTagged:received>locating_user',
      'userLocated:locating_user>checking_group',
      'groupsRead:checking_group>inspecting_tokens',
      'tokensRead:inspecting_tokens>awaiting_codes',
    ]);
  });

  it('keeps only the last MAX_HISTORY entries, however many rounds the ticket sees', () => {
    const desk = reach('resolved');
    for (let round = 2; round <= 16; round++) {
      desk.reply('broken again');
      desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
      desk.result('groupsRead', { groups: ['vpn-users'] });
      desk.result('tokensRead', { tokens: [MOBILEPASS] });
      desk.reply('287082 359152');
      desk.result('resyncSucceeded', {});
      desk.reply('works');
    }
    expect(desk.s).toMatchObject({ status: 'resolved', round: 16 });
    expect(desk.s.history).toHaveLength(MAX_HISTORY);
    expect(desk.s.history.at(-1)).toMatchObject({ from: 'awaiting_retest', to: 'resolved' });
  });

  it('records nothing for an event that keeps the state', () => {
    const desk = otpDesk();
    const length = desk.s.history.length;
    desk.fire();
    expect(desk.s.history).toHaveLength(length);
  });
});

describe('isInert: the events the intake does not store', () => {
  const roles = ['requester', 'end-user', 'agent', 'bot', 'system'] as const;
  const statuses = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;

  it('are status changes no state acts on: in every state, one changes nothing but the list of applied ids', () => {
    let inert = 0;
    for (const status of STATE_NAMES) {
      for (const byRole of roles) {
        for (const ticketStatus of statuses) {
          const desk = reach(status);
          const event = desk.event('statusChanged', { status: ticketStatus, byRole });
          if (!isInert(event)) continue;
          inert += 1;
          const before = desk.s;
          const result = transition(before, event, desk.policy);
          expect(result.effects, `${status}: ${byRole} → ${ticketStatus}`).toEqual([]);
          const { appliedEventIds: _a, updatedAt: _u, ...rest } = result.state ?? before;
          const { appliedEventIds: _b, updatedAt: _v, ...restBefore } = before;
          expect(rest, `${status}: ${byRole} → ${ticketStatus}`).toEqual(restBefore);
        }
      }
    }
    expect(inert).toBeGreaterThan(STATE_NAMES.length * 20);
  });

  it('never an agent solving or closing the ticket, nor any other event type', () => {
    const desk = reach('awaiting_codes');
    expect(isInert(desk.event('statusChanged', { status: 'solved', byRole: 'agent' }))).toBe(false);
    expect(isInert(desk.event('statusChanged', { status: 'closed', byRole: 'agent' }))).toBe(false);
    expect(isInert(desk.event('statusChanged', { status: 'open', byRole: 'requester' }))).toBe(true);
    expect(isInert(desk.event('commentAdded', { commentId: '1', authorId: 'x', authorRole: 'requester', public: true }))).toBe(false);
  });
});
