import { describe, expect, it } from 'vitest';
import type { SlaTarget } from '../../workflows/resync/events.js';
import type { Effect } from '../../workflows/resync/effects.js';
import { isMootTimer, timersMadeMoot } from '../../workflows/resync/moot-timer.js';
import { ALICE, BOB, codesReply, Desk, HOUR, MINUTE, otpDesk, reach, T0 } from './workflow.harness.js';

/** The SLA timer of a target fires at `at`, the way the timer queue would deliver it. */
function slaDue(desk: Desk, target: SlaTarget, at: number) {
  desk.now = at;
  return desk.send('slaRiskDue', { timerId: `1.sla.${target}`, target });
}

const FIRST_REPLY_DUE = T0 + 15 * MINUTE - 10 * MINUTE;
const RESOLUTION_DUE = T0 + 24 * HOUR - 10 * MINUTE;

describe('SLA targets: timers', () => {
  it('sets one timer per target when the ticket starts, due the warning margin before the target', () => {
    const desk = new Desk();
    desk.tag();
    expect(desk.last.effects.filter((e) => e.type === 'setTimer')).toEqual([
      { type: 'setTimer', id: '1.1.1', timerId: '1.sla.first_reply', kind: 'sla_risk', dueAt: FIRST_REPLY_DUE },
      { type: 'setTimer', id: '1.1.2', timerId: '1.sla.resolution', kind: 'sla_risk', dueAt: RESOLUTION_DUE },
    ]);
  });

  it('takes the targets and the margin from policy', () => {
    const desk = Desk.withPolicy({ firstReplyTargetMs: 30 * MINUTE, resolutionTargetMs: 4 * HOUR, slaWarnBeforeMs: 5 * MINUTE });
    desk.tag();
    expect(desk.last.effects.filter((e) => e.type === 'setTimer').map((e) => e.type === 'setTimer' && e.dueAt)).toEqual([T0 + 25 * MINUTE, T0 + 4 * HOUR - 5 * MINUTE]);
  });

  it('sets no SLA timer when policy turns SLA escalation off', () => {
    const desk = Desk.withPolicy({ escalateOnSlaRisk: false });
    desk.tag();
    expect(desk.types()).toEqual(['locateUser']);
  });

  it('is due at once when the margin is as long as the target', () => {
    const desk = Desk.withPolicy({ firstReplyTargetMs: 5 * MINUTE, slaWarnBeforeMs: 10 * MINUTE });
    desk.tag();
    expect(desk.last.effects.find((e) => e.type === 'setTimer')).toMatchObject({ timerId: '1.sla.first_reply', dueAt: T0 });
  });

  it('keeps the state timer of a waiting state apart from the SLA timers', () => {
    const desk = otpDesk();
    expect(desk.s.timer).toMatchObject({ kind: 'reminder' });
    expect(desk.s.timer?.id).not.toContain('sla');
  });
});

describe('SLA targets: escalation before a breach', () => {
  it('escalates a ticket with no first reply yet, saying which target breaches and when', () => {
    const desk = Desk.withPolicy({ identityRule: 'approval' });
    desk.tag();
    desk.advance(MINUTE).result('userLocated', { user: BOB, matchedBy: 'lastName' });
    expect(desk.s.status).toBe('awaiting_approval');
    slaDue(desk, 'first_reply', FIRST_REPLY_DUE);
    expect(desk.s.status).toBe('escalated');
    expect(desk.s.escalation?.reason).toBe('sla_risk');
    const update = desk.update();
    expect(update.escalate).toBe(true);
    expect(update.addTags).toContain('2fa_bot_escalated');
    expect(update.internalNote).toContain('an SLA target is about to be breached (sla_risk)');
    expect(update.internalNote).toContain('the first-reply target (15 min from the ticket\'s start at 2024-05-06 09:00 UTC) will be breached at 2024-05-06 09:15 UTC');
    expect(update.internalNote).toContain('the bot was in awaiting_approval');
    expect(update.publicReply).toBeDefined();
  });

  it('does not escalate on the first-reply timer when the first reply was posted', () => {
    const desk = otpDesk();
    expect(desk.s.sla.firstPublicReplyAt).toBe(T0);
    const r = slaDue(desk, 'first_reply', FIRST_REPLY_DUE);
    expect(r.effects).toEqual([]);
    expect(desk.s.status).toBe('awaiting_codes');
  });

  it('counts time waiting on the end user (wall clock): a silent requester goes to a human before the resolution target', () => {
    const desk = otpDesk();
    desk.fire();
    desk.fire();
    expect(desk.s).toMatchObject({ status: 'awaiting_codes', reminders: 2 });
    slaDue(desk, 'resolution', RESOLUTION_DUE);
    expect(desk.s.status).toBe('escalated');
    expect(desk.update().internalNote).toContain('the resolution target (24 h from the ticket\'s start at 2024-05-06 09:00 UTC) will be breached at 2024-05-07 09:00 UTC; the bot was in awaiting_codes');
  });

  it('escalates while the bot waits for the re-test when resolution is at risk', () => {
    const desk = reach('awaiting_retest');
    slaDue(desk, 'resolution', RESOLUTION_DUE);
    expect(desk.s).toMatchObject({ status: 'escalated', escalation: { reason: 'sla_risk' } });
    expect(desk.s.awaiting).toBeUndefined();
    expect(desk.s.timer).toBeUndefined();
  });

  it('does not escalate on the resolution timer when the ticket was resolved', () => {
    const desk = reach('resolved');
    const r = slaDue(desk, 'resolution', RESOLUTION_DUE);
    expect(r.effects).toEqual([]);
    expect(desk.s.status).toBe('resolved');
  });

  it.each(['timed_out', 'escalated', 'handed_off'] as const)('does nothing once the ticket is %s', (status) => {
    const desk = reach(status);
    const before = desk.s.status;
    expect(slaDue(desk, 'resolution', RESOLUTION_DUE).effects).toEqual([]);
    expect(desk.s.status).toBe(before);
  });

  it('does not time a reopened ticket again: round 1 targets are moot in round 2', () => {
    const desk = reach('resolved');
    desk.advance(HOUR).reply('It stopped working again');
    expect(desk.s).toMatchObject({ status: 'locating_user', round: 2 });
    expect(desk.types()).toEqual(['locateUser']);
    expect(slaDue(desk, 'resolution', RESOLUTION_DUE).effects).toEqual([]);
    expect(desk.s.status).toBe('locating_user');
  });

  it('ignores an SLA timer whose id is not the one the workflow set', () => {
    const desk = otpDesk();
    desk.now = RESOLUTION_DUE;
    const r = desk.send('slaRiskDue', { timerId: '1.sla.first_reply', target: 'resolution' });
    expect(r.effects).toEqual([]);
    expect(desk.s.status).toBe('awaiting_codes');
  });

  it('applies the same due event once', () => {
    const desk = otpDesk();
    desk.now = RESOLUTION_DUE;
    const event = desk.event('slaRiskDue', { timerId: '1.sla.resolution', target: 'resolution' });
    desk.apply(event);
    expect(desk.s.status).toBe('escalated');
    expect(desk.apply(event).effects).toEqual([]);
  });

  it('does not act when policy turns SLA escalation off, even if a timer was queued before', () => {
    const desk = otpDesk(Desk.withPolicy({ escalateOnSlaRisk: false }));
    expect(slaDue(desk, 'resolution', RESOLUTION_DUE).effects).toEqual([]);
    expect(desk.s.status).toBe('awaiting_codes');
  });

  it('a ticket resolved in time goes through every step without an SLA escalation', () => {
    const desk = otpDesk();
    desk.advance(3 * MINUTE).reply(codesReply());
    desk.result('resyncSucceeded', {});
    slaDue(desk, 'first_reply', FIRST_REPLY_DUE);
    expect(desk.s.status).toBe('awaiting_retest');
    desk.advance(10 * MINUTE).reply('works now, thanks');
    expect(desk.s.status).toBe('resolved');
    expect(slaDue(desk, 'resolution', RESOLUTION_DUE).effects).toEqual([]);
    expect(desk.s.user).toEqual(ALICE);
  });
});

describe('timers a batch of transitions already made moot', () => {
  const timers = (desk: Desk) => desk.effects.filter((e) => e.type === 'setTimer');

  it('drops the first-reply SLA timer once the first public reply is out, and keeps the resolution one', () => {
    const desk = otpDesk();
    const [firstReply, resolution] = timers(desk);
    expect(firstReply).toMatchObject({ timerId: '1.sla.first_reply' });
    expect(isMootTimer(desk.s, firstReply as Effect)).toBe(true);
    expect(isMootTimer(desk.s, resolution as Effect)).toBe(false);
  });

  it('keeps the first-reply SLA timer while no public reply went out', () => {
    const desk = new Desk();
    desk.tag();
    for (const t of timers(desk)) expect(isMootTimer(desk.s, t)).toBe(false);
  });

  it("keeps a wait's current reminder and drops one a later step replaced", () => {
    const desk = otpDesk();
    const current = timers(desk).find((t) => t.type === 'setTimer' && t.timerId === desk.s.timer?.id);
    expect(current).toBeDefined();
    expect(isMootTimer(desk.s, current as Effect)).toBe(false);
    desk.advance(HOUR);
    desk.fire(); // the reminder: a new one replaces it
    expect(desk.s.timer?.id).not.toBe((current as { timerId: string }).timerId);
    expect(isMootTimer(desk.s, current as Effect)).toBe(true);
  });

  it('never drops anything but a timer', () => {
    const desk = otpDesk();
    for (const e of desk.effects.filter((x) => x.type !== 'setTimer')) expect(isMootTimer(desk.s, e)).toBe(false);
  });
});

describe('timers a batch of transitions made moot (taken out of the timers set)', () => {
  it('names the wait timer a step replaced, and every timer once the ticket ended', () => {
    const desk = otpDesk();
    const waiting = structuredClone(desk.s);
    desk.advance(HOUR);
    desk.fire();
    expect(timersMadeMoot(waiting, desk.s)).toEqual([{ timerId: waiting.timer?.id, kind: 'reminder' }]);
    const before = structuredClone(desk.s);
    desk.reply(codesReply());
    desk.result('resyncSucceeded', {});
    const retest = structuredClone(desk.s);
    desk.reply('yes it works now');
    expect(desk.s.status).toBe('resolved');
    expect(timersMadeMoot(retest, desk.s)).toEqual([
      { timerId: retest.timer?.id, kind: 'reminder' },
      { timerId: '1.sla.resolution', kind: 'sla_risk' },
    ]);
    expect(timersMadeMoot(before, before)).toEqual([]);
    expect(timersMadeMoot(undefined, desk.s)).toEqual([]);
  });

  it('takes every timer as moot in an ended ticket, and the SLA ones in a later round', () => {
    const desk = otpDesk();
    const resolution = { timerId: '1.sla.resolution', kind: 'sla_risk' as const };
    expect(isMootTimer(desk.s, resolution)).toBe(false);
    expect(isMootTimer({ ...desk.s, status: 'escalated' }, resolution)).toBe(true);
    expect(isMootTimer({ ...desk.s, round: 2 }, resolution)).toBe(true);
    expect(isMootTimer({ ...desk.s, status: 'timed_out' }, { timerId: desk.s.timer?.id ?? '', kind: 'reminder' })).toBe(true);
  });
});
