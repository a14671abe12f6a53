import { describe, expect, it } from 'vitest';
import { isMootTimer } from '../../workflows/resync/moot-timer.js';
import { CLOSING_OUTCOMES, type ClosingOutcome } from '../../workflows/resync/state.js';
import { DESK_DOWN, Desk, HOUR, MINUTE, REFUSED_SOLVE, reach } from './workflow.harness.js';

const DELETED_GROUP = 'ZendeskRequestRefused: zendesk answered 422 to PUT /api/v2/tickets/7.json: Group: is invalid';

/** The closing update (or the simpler one in its place) fails, as the effect runner reports it. */
function failUpdate(desk: Desk, how: 'refused' | 'outage', reason = how === 'refused' ? REFUSED_SOLVE : DESK_DOWN) {
  desk.advance(MINUTE);
  return desk.send('effectFailed', { effectId: desk.s.closingUpdate ?? 'none', effectType: 'updateTicket', reason, retryable: how === 'outage' });
}

describe('a round whose last update the ticket system did not take', () => {
  for (const outcome of CLOSING_OUTCOMES) {
    for (const how of ['refused', 'outage'] as const) {
      it(`${outcome}, ${how}: is not done; a note, status open and the escalated tag go in its place, without group or public reply`, () => {
        const desk = reach(outcome);
        const closing = desk.s.closingUpdate;
        expect(closing).toBe(desk.update().id);
        const r = failUpdate(desk, how);
        expect(desk.s.status).toBe('update_failed');
        expect(desk.s.deskFailure).toMatchObject({ outcome, fallback: 'note_open_tag', failures: 0 });
        expect(desk.s.sla.resolvedAt).toBeUndefined();
        expect(r.effects.map((e) => e.type)).toEqual(['updateTicket']);
        const fallback = desk.update();
        expect(fallback).toMatchObject({ status: 'open', addTags: [desk.policy.escalatedTag], removeTags: [], escalate: false });
        expect(fallback.publicReply).toBeUndefined();
        expect(fallback.internalNote).toMatch(/^\[twofa-desk\] Not finished: the ticket system did not take the bot's last update/);
        expect(fallback.internalNote).toContain(how === 'refused' ? 'Assignee: is required when solving' : 'did not answer');
        // a new effect, with its own idempotency key, that the state now watches
        expect(fallback.id).not.toBe(closing);
        expect(desk.s.closingUpdate).toBe(fallback.id);
      });
    }
  }

  it('says what the bot meant to do and what an agent does now, per outcome', () => {
    const notes = Object.fromEntries(
      CLOSING_OUTCOMES.map((outcome) => {
        const desk = reach(outcome);
        failUpdate(desk, 'refused');
        return [outcome, desk.update().internalNote ?? ''];
      }),
    ) as Record<ClosingOutcome, string>;
    expect(notes.resolved).toContain('The bot meant to solve the ticket');
    expect(notes.resolved).toContain('Tell the requester their login works again and solve the ticket');
    expect(notes.timed_out).toContain('The bot meant to close the ticket as no response');
    expect(notes.escalated).toContain('The bot meant to escalate the ticket');
    expect(notes.escalated).toContain('Why the bot stopped: the requester was not found in the 2FA platform (user_not_found)');
    expect(notes.escalated).toContain('Look the user up in the 2FA administration platform');
    for (const note of Object.values(notes)) expect(note).toMatch(/History:\n- /);
  });

  it('forgets a first public reply that only the failed update carried', () => {
    const escalated = reach('escalated');
    expect(escalated.s.sla.firstPublicReplyAt).toBe(escalated.now);
    failUpdate(escalated, 'refused', DELETED_GROUP);
    expect(escalated.s.sla.firstPublicReplyAt).toBeUndefined();

    const resolved = reach('resolved');
    const asked = resolved.s.sla.firstPublicReplyAt;
    failUpdate(resolved, 'refused');
    expect(resolved.s.sla.firstPublicReplyAt).toBe(asked);
  });

  it.each(CLOSING_OUTCOMES)('%s: ignores the failure of an earlier update, whose round ended visibly', (outcome) => {
    const desk = reach(outcome);
    const r = desk.send('effectFailed', { effectId: '1.1.0', effectType: 'updateTicket', reason: REFUSED_SOLVE, retryable: false });
    expect(r.effects).toEqual([]);
    expect(desk.s.status).toBe(outcome);
  });

  it('applies the same failure once', () => {
    const desk = reach('resolved');
    failUpdate(desk, 'refused');
    const again = desk.apply(desk.events.at(-1) ?? desk.event('reminderDue', { timerId: 'x' }));
    expect(again).toMatchObject({ changed: false, effects: [] });
  });

  it('writes nothing for handed_off, which has no update to fail', () => {
    const desk = reach('handed_off');
    expect(desk.s.closingUpdate).toBeUndefined();
    expect(desk.send('effectFailed', { effectId: '1.4.0', effectType: 'updateTicket', reason: REFUSED_SOLVE, retryable: false }).effects).toEqual([]);
  });

  it('forgets the closing update once a new round starts', () => {
    const desk = reach('resolved').advance(HOUR);
    desk.reply('it is broken again, same error');
    expect(desk.s.status).toBe('locating_user');
    expect(desk.s.closingUpdate).toBeUndefined();
  });
});

describe('update_failed', () => {
  it('sends the note alone when the ticket system refused the note with status and tag', () => {
    const desk = reach('update_failed');
    failUpdate(desk, 'refused', 'DeskRequestRefused: the local desk answered 422: status open is not allowed');
    expect(desk.s.status).toBe('update_failed');
    expect(desk.s.deskFailure).toMatchObject({ fallback: 'note', failures: 1, fallbackReason: 'DeskRequestRefused: the local desk answered 422: status open is not allowed' });
    const noteOnly = desk.update();
    expect(noteOnly).toMatchObject({ addTags: [], escalate: false });
    expect(noteOnly.status).toBeUndefined();
    expect(noteOnly.publicReply).toBeUndefined();
    expect(noteOnly.internalNote).toContain('Not finished');
  });

  it('is stuck, with no retry, when even the note alone is refused: a ticket system that refuses everything cannot loop', () => {
    const desk = reach('resolved');
    const before = desk.effects.length;
    for (let i = 0; i < 3; i++) failUpdate(desk, 'refused');
    expect(desk.s.status).toBe('stuck');
    expect(desk.last.effects).toEqual([]);
    expect(desk.s.timer).toBeUndefined();
    // after the closing update: the note with status and tag, then the note alone, then nothing more
    expect(desk.effects.slice(before).map((e) => e.type)).toEqual(['updateTicket', 'updateTicket']);
  });

  it('is stuck when the simpler update outlasted its retries, and tries it again later, backing off to four hours', () => {
    const desk = reach('update_failed');
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      failUpdate(desk, 'outage');
      expect(desk.s.status).toBe('stuck');
      const timer = desk.s.timer;
      if (!timer) throw new Error('no retry timer');
      delays.push(timer.dueAt - desk.now);
      const retry = desk.fire();
      expect(desk.s.status).toBe('update_failed');
      expect(desk.s.timer).toBeUndefined();
      expect(retry.effects.map((e) => e.type)).toEqual(['updateTicket']);
      expect(desk.update()).toMatchObject({ status: 'open', addTags: [desk.policy.escalatedTag] });
      expect(desk.s.closingUpdate).toBe(desk.update().id);
    }
    expect(delays).toEqual([15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 4 * HOUR, 4 * HOUR]);
  });

  it.each(['update_failed', 'stuck'] as const)('%s: waits for a person: SLA timers, reminders of old waits and the requester change nothing', (status) => {
    const desk = reach(status);
    for (const target of ['first_reply', 'resolution'] as const) {
      expect(desk.send('slaRiskDue', { timerId: `1.sla.${target}`, target }).effects).toEqual([]);
      expect(isMootTimer(desk.s, { timerId: `1.sla.${target}`, kind: 'sla_risk' })).toBe(true);
    }
    expect(desk.send('reminderDue', { timerId: '1.6.reminder' }).effects).toEqual([]);
    expect(desk.reply('hello? it works but the ticket is still open').effects).toEqual([]);
    expect(desk.s.status).toBe(status);
  });

  it('keeps the retry timer of a stuck ticket', () => {
    const desk = reach('stuck');
    const timer = desk.s.timer;
    if (!timer) throw new Error('no retry timer');
    expect(isMootTimer(desk.s, { timerId: timer.id, kind: 'reminder' })).toBe(false);
  });

  it.each(['update_failed', 'stuck'] as const)('%s: an agent who answers publicly takes it over', (status) => {
    const desk = reach(status);
    desk.comment('Hi Alice, I solved it for you.', { role: 'agent', public: true });
    expect(desk.s.status).toBe('handed_off');
    expect(desk.s.deskFailure).toBeUndefined();
    expect(desk.s.closingUpdate).toBeUndefined();
    expect(desk.s.timer).toBeUndefined();
  });

  it.each(['update_failed', 'stuck'] as const)('%s: an agent solving it hands it off', (status) => {
    const desk = reach(status);
    desk.send('statusChanged', { status: 'solved', byRole: 'agent' });
    expect(desk.s.status).toBe('handed_off');
  });

  it('escalates in full on an operator command, once the cause is fixed; a failure of that goes the same way', () => {
    const desk = reach('stuck');
    desk.send('operatorCommand', { action: 'escalate', reason: 'escalation group restored' });
    expect(desk.s.status).toBe('escalated');
    expect(desk.update()).toMatchObject({ escalate: true, status: 'open' });
    expect(desk.update().publicReply).toBeDefined();
    expect(desk.s.deskFailure).toBeUndefined();
    failUpdate(desk, 'refused', DELETED_GROUP);
    expect(desk.s.status).toBe('update_failed');
    expect(desk.s.deskFailure).toMatchObject({ outcome: 'escalated', reason: DELETED_GROUP });
  });

  it('hands off on an operator command', () => {
    const desk = reach('update_failed');
    desk.send('operatorCommand', { action: 'handoff', reason: 'solved by phone' });
    expect(desk.s.status).toBe('handed_off');
  });

  it('treats a failure saved before `retryable` existed as one a later try may fix', () => {
    const desk = reach('update_failed');
    desk.advance(MINUTE).send('effectFailed', { effectId: desk.s.closingUpdate ?? '', effectType: 'updateTicket', reason: DESK_DOWN });
    expect(desk.s.status).toBe('stuck');
    expect(desk.s.timer).toBeDefined();
  });
});
