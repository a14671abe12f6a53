import { describe, expect, it } from 'vitest';
import type { Effect } from '../../workflows/resync/effects.js';
import { ALICE, CHALLENGE, CODES, DAY, Desk, HOUR, MINUTE, MOBILEPASS, T0, challengeDesk, codesReply, otpDesk, reach } from './workflow.harness.js';

function publicReplies(effects: Effect[]): string[] {
  return effects.flatMap((e) => (e.type === 'updateTicket' && e.publicReply !== undefined ? [e.publicReply] : []));
}

function expectNoSecrets(desk: Desk, secrets: string[]): void {
  const stored = JSON.stringify({ state: desk.state, effects: desk.effects });
  for (const secret of secrets) expect(stored).not.toContain(secret);
}

describe('MobilePASS, start to finish', () => {
  it('resolves with three public replies and keeps the codes out of state and effects', () => {
    const desk = otpDesk();
    desk.advance(12 * MINUTE).reply(codesReply());
    desk.advance(MINUTE).result('resyncSucceeded', {});
    desk.advance(6 * MINUTE).reply('Yes, works now - thank you!');

    expect(desk.s.status).toBe('resolved');
    expect(desk.s.history.map((h) => h.to)).toEqual(['locating_user', 'checking_group', 'inspecting_tokens', 'awaiting_codes', 'resyncing', 'awaiting_retest', 'resolved']);
    expect(publicReplies(desk.effects)).toHaveLength(3);
    expect(desk.s.sla).toEqual({ firstPublicReplyAt: T0, resolvedAt: desk.now, endUserRoundTrips: 2, requesterMessages: 2, waitingMs: 18 * MINUTE });
    expectNoSecrets(desk, [CODES.first, CODES.second]);
  });

  it('writes at most one ticket update per step, and one internal note at each wait or end', () => {
    const desk = otpDesk();
    desk.reply(codesReply());
    desk.result('resyncSucceeded', {});
    desk.reply('works');
    for (const r of desk.results) expect(r.effects.filter((e) => e.type === 'updateTicket').length).toBeLessThanOrEqual(1);
    const noted = desk.results.filter((r) => r.effects.some((e) => e.type === 'updateTicket' && e.internalNote)).map((r) => r.state?.status);
    expect(noted).toEqual(['awaiting_codes', 'awaiting_retest', 'resolved']);
  });
});

describe('KT-4, start to finish', () => {
  it('resolves with the challenge in the first reply and the response kept out of state and effects', () => {
    const desk = challengeDesk();
    const [ask] = publicReplies(desk.effects);
    expect(ask).toContain(CHALLENGE);
    desk.advance(30 * MINUTE).reply(`The token shows ${CODES.response}`);
    expect(desk.s.status).toBe('resyncing');
    desk.result('resyncSucceeded', {});
    desk.advance(HOUR).reply('works now');
    expect(desk.s.status).toBe('resolved');
    expect(publicReplies(desk.effects)).toHaveLength(3);
    expectNoSecrets(desk, [CODES.response]);
  });
});

describe('days of waiting', () => {
  it('bump, bump, solve: two reminders, then the reply on day two resets the clock', () => {
    const desk = otpDesk();
    desk.fire();
    expect(desk.now).toBe(T0 + 4 * HOUR);
    desk.fire();
    expect(desk.now).toBe(T0 + 8 * HOUR);
    expect(desk.s.timer).toMatchObject({ kind: 'timeout', dueAt: T0 + 72 * HOUR });

    desk.now = T0 + DAY + 2 * HOUR;
    desk.reply('sorry only 287082');
    expect(desk.s).toMatchObject({ reminders: 0, waitingSince: desk.now, attempts: 1 });
    expect(desk.s.timer).toMatchObject({ kind: 'reminder', dueAt: desk.now + 4 * HOUR });

    desk.advance(10 * MINUTE).reply(codesReply());
    desk.result('resyncSucceeded', {});
    desk.advance(DAY).reply('works!');
    expect(desk.s.status).toBe('resolved');
    expect(desk.s.sla.waitingMs).toBe(DAY + 2 * HOUR + 10 * MINUTE + DAY);
    expect(publicReplies(desk.effects)).toHaveLength(6);
  });

  it('closes after 72 hours of silence and starts over when the requester comes back a week later', () => {
    const desk = otpDesk();
    desk.fire();
    desk.fire();
    desk.fire();
    expect(desk.s.status).toBe('timed_out');
    expect(desk.s.sla.waitingMs).toBe(72 * HOUR);

    desk.advance(7 * DAY).reply('back from holiday, still locked out');
    expect(desk.s).toMatchObject({ status: 'locating_user', round: 2 });
    expect(desk.effect('locateUser').id).toMatch(/^2\./);
    desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
    desk.result('groupsRead', { groups: ['vpn-users'] });
    desk.result('tokensRead', { tokens: [MOBILEPASS] });
    expect(desk.s.status).toBe('awaiting_codes');
    expect(desk.s.timer?.id).toMatch(/^2\./);
  });

  it('resolves from the auth log while the requester never writes back', () => {
    const desk = reach('awaiting_retest');
    desk.fire();
    expect(desk.types()).toEqual(['checkAuthLog']);
    desk.advance(MINUTE).result('authObserved', { success: false });
    desk.fire();
    desk.advance(MINUTE).result('authObserved', { success: true, lastSuccessAt: desk.now - 2 * HOUR });
    expect(desk.s.status).toBe('resolved');
    expect(desk.update().internalNote).toContain('successful login');
  });
});

describe('sla', () => {
  it('records the first public reply only once', () => {
    const desk = otpDesk();
    const first = desk.s.sla.firstPublicReplyAt;
    desk.advance(HOUR).reply('287082');
    expect(desk.s.sla.firstPublicReplyAt).toBe(first);
  });

  it('does not start the first-reply clock with an internal note', () => {
    const desk = reach('awaiting_approval');
    expect(desk.s.sla.firstPublicReplyAt).toBeUndefined();
  });
});
