import { describe, expect, it } from 'vitest';
import type { Effect } from '../../workflows/resync/effects.js';
import type { PlatformTraits } from '../../workflows/resync/platform-traits.js';
import type { PolicyInput } from '../../workflows/resync/policy.js';
import { ALICE, Desk, HOUR, MINUTE, MOBILEPASS, codesReply } from './workflow.harness.js';

/** The embedded platform as the worker describes it: it can read the user's authentication log. */
const WITH_LOG: PlatformTraits = { name: 'local', canAddToGroup: true, canResync: true, canChallenge: true, authLog: true };

/** A desk whose workflow has just resynced the token (one minute after the codes came) and asked for the re-test. */
function resynced(policy: PolicyInput = {}, platform: PlatformTraits = WITH_LOG): Desk {
  const desk = Desk.withPolicy(policy);
  desk.tag();
  desk.result('userLocated', { user: ALICE, matchedBy: 'email', platform });
  desk.result('groupsRead', { groups: ['vpn-users'] });
  desk.result('tokensRead', { tokens: [MOBILEPASS] });
  desk.advance(5 * MINUTE).reply(codesReply());
  desk.advance(MINUTE).result('resyncSucceeded', {});
  return desk;
}

function publicReplies(effects: Effect[]): string[] {
  return effects.flatMap((e) => (e.type === 'updateTicket' && e.publicReply !== undefined ? [e.publicReply] : []));
}

/** Fires the pending look at the log and answers it: nothing seen. Returns how long after the resync it fired. */
function lookAndSeeNothing(desk: Desk): number {
  desk.fire();
  expect(desk.types()).toEqual(['checkAuthLog']);
  const firedAfter = desk.now - (desk.s.resyncedAt ?? 0);
  desk.result('authObserved', { success: false });
  return firedAfter;
}

describe('awaiting_retest on a platform with an authentication log', () => {
  it('looks at the log a minute after the resync instead of waiting four hours for a reminder', () => {
    const desk = resynced();
    const resyncedAt = desk.s.resyncedAt ?? 0;
    expect(desk.s).toMatchObject({ status: 'awaiting_retest', authWatch: { until: resyncedAt + 15 * MINUTE } });
    expect(desk.effect('setTimer')).toMatchObject({ kind: 'reminder', dueAt: resyncedAt + MINUTE });
    desk.fire();
    expect(desk.last.effects).toEqual([{ type: 'checkAuthLog', id: desk.s.awaiting, userId: ALICE.id, since: resyncedAt }]);
    expect(desk.s.reminders).toBe(0);
    expect(desk.s.timer).toBeUndefined();
  });

  it('solves the ticket on a login seen at minute 3, with no "works" from the requester', () => {
    const desk = resynced();
    lookAndSeeNothing(desk);
    lookAndSeeNothing(desk);
    desk.fire();
    expect(desk.now - (desk.s.resyncedAt ?? 0)).toBe(3 * MINUTE);
    desk.result('authObserved', { success: true, lastSuccessAt: desk.now - 30_000 });

    expect(desk.s.status).toBe('resolved');
    expect(desk.s.history.at(-1)).toMatchObject({ from: 'awaiting_retest', to: 'resolved', note: 'successful login seen' });
    const update = desk.update();
    expect(update).toMatchObject({ status: 'solved', addTags: ['2fa_bot_resolved'] });
    expect(update.publicReply).toContain('successful login since we resynced');
    expect(update.internalNote).toContain('the platform shows a successful login at 2024-05-06 09:08 UTC');
    expect(desk.s.timer).toBeUndefined();
    expect(desk.s.authWatch).toBeUndefined();
    // The requester wrote once (the codes); the bot asked for codes, asked to log in, and closed.
    expect(desk.s.sla.requesterMessages).toBe(1);
    expect(publicReplies(desk.effects)).toHaveLength(3);
  });

  it('looks every minute for 15 minutes, then falls back to the reminders as before', () => {
    const desk = resynced();
    const waitingSince = desk.s.waitingSince ?? 0;
    const looks: number[] = [];
    while (desk.s.authWatch) looks.push(lookAndSeeNothing(desk));
    expect(looks).toEqual(Array.from({ length: 15 }, (_, i) => (i + 1) * MINUTE));
    // Nothing was written on the ticket while the bot only looked.
    expect(desk.results.slice(-30).flatMap((r) => r.effects).filter((e) => e.type === 'updateTicket')).toEqual([]);
    expect(desk.s).toMatchObject({ status: 'awaiting_retest', reminders: 0 });
    expect(desk.effect('setTimer')).toMatchObject({ kind: 'reminder', dueAt: waitingSince + 4 * HOUR });

    desk.fire();
    expect(desk.types()).toEqual(['checkAuthLog']);
    expect(desk.s.reminders).toBe(1);
    desk.result('authObserved', { success: false });
    expect(desk.update().publicReply).toContain('can you log in now');
    expect(desk.effect('setTimer')).toMatchObject({ kind: 'reminder', dueAt: desk.now + 4 * HOUR });
  });

  it('keeps its beat from the resync when the answers come late', () => {
    const desk = resynced();
    desk.fire();
    desk.advance(20_000).result('authObserved', { success: false });
    expect(desk.effect('setTimer')).toMatchObject({ dueAt: (desk.s.resyncedAt ?? 0) + 2 * MINUTE });
  });

  it('ends the watch at the first reminder when the policy reminds sooner', () => {
    const desk = resynced({ reminderAfterMs: 3 * MINUTE + 30_000 });
    const waitingSince = desk.s.waitingSince ?? 0;
    let looks = 0;
    while (desk.s.authWatch) looks += lookAndSeeNothing(desk) > 0 ? 1 : 0;
    expect(looks).toBe(3);
    expect(desk.effect('setTimer')).toMatchObject({ kind: 'reminder', dueAt: waitingSince + 3 * MINUTE + 30_000 });
  });

  it('takes its pace and length from the policy (per tenant)', () => {
    const desk = resynced({ authWatchEveryMs: 30_000, authWatchForMs: 2 * MINUTE });
    const looks: number[] = [];
    while (desk.s.authWatch) looks.push(lookAndSeeNothing(desk));
    expect(looks).toEqual([30_000, 60_000, 90_000, 120_000]);
  });

  it('does not watch a platform without an authentication log, nor when the policy turns the watch off', () => {
    const noLog = resynced({}, { ...WITH_LOG, authLog: undefined });
    expect(noLog.s.authWatch).toBeUndefined();
    expect(noLog.effect('setTimer')).toMatchObject({ kind: 'reminder', dueAt: noLog.now + 4 * HOUR });
    const off = resynced({ authWatchForMs: 0 });
    expect(off.s.authWatch).toBeUndefined();
    expect(off.effect('setTimer')).toMatchObject({ kind: 'reminder', dueAt: off.now + 4 * HOUR });
  });

  it('gives the same effects and timer ids for the same events (pure, deterministic)', () => {
    const run = () => {
      const desk = resynced();
      lookAndSeeNothing(desk);
      desk.fire();
      desk.result('authObserved', { success: true, lastSuccessAt: desk.now });
      return desk.effects;
    };
    const first = run();
    // Each look's timer has the id every wait timer has, `<round>.<seq>.reminder`, never one seen before.
    const watchTimers = first.flatMap((e) => (e.type === 'setTimer' && e.kind === 'reminder' ? [e.timerId] : []));
    // the codes wait's reminder, then the two looks
    expect(watchTimers.length).toBe(3);
    for (const id of watchTimers) expect(id).toMatch(/^1\.\d+\.reminder$/);
    expect(new Set(watchTimers).size).toBe(watchTimers.length);
    expect(run()).toEqual(first);
  });
});

describe('a reply while the bot watches the log', () => {
  it('"works" solves the ticket as today, and the look still out changes nothing after', () => {
    const desk = resynced();
    desk.fire();
    const look = desk.s.awaiting ?? '';
    desk.advance(10_000).reply('Yes, works now - thank you!');
    expect(desk.s.status).toBe('resolved');
    expect(desk.update().publicReply).toContain('glad it works');
    expect(desk.s.authWatch).toBeUndefined();
    const stale = desk.send('authObserved', { effectId: look, success: true, lastSuccessAt: desk.now });
    expect(stale.effects).toEqual([]);
    expect(desk.s.status).toBe('resolved');
    expect(desk.s.sla.requesterMessages).toBe(2);
  });

  it('"still failing" escalates as today, and a login the look then reports does not solve it', () => {
    const desk = resynced();
    desk.fire();
    const look = desk.s.awaiting ?? '';
    desk.reply('No, still failing, same error as before.');
    expect(desk.s.escalation?.reason).toBe('retest_failed');
    expect(desk.s.timer).toBeUndefined();
    const stale = desk.send('authObserved', { effectId: look, success: true, lastSuccessAt: desk.now });
    expect(stale.effects).toEqual([]);
    expect(desk.s.status).toBe('escalated');
  });

  it('an unclear reply is asked about again, the look it overtook is stale, and the watch goes on', () => {
    const desk = resynced();
    lookAndSeeNothing(desk);
    desk.fire();
    const look = desk.s.awaiting ?? '';
    desk.advance(10_000).reply('hmm not sure yet');
    expect(desk.s).toMatchObject({ status: 'awaiting_retest', attempts: 1 });
    expect(desk.update().publicReply).toContain('"works"');
    expect(desk.effect('setTimer')).toMatchObject({ kind: 'reminder', dueAt: (desk.s.resyncedAt ?? 0) + 3 * MINUTE });

    const stale = desk.send('authObserved', { effectId: look, success: true, lastSuccessAt: desk.now });
    expect(stale.effects).toEqual([]);
    expect(desk.s.status).toBe('awaiting_retest');

    desk.fire();
    expect(desk.types()).toEqual(['checkAuthLog']);
    desk.result('authObserved', { success: true, lastSuccessAt: desk.now });
    expect(desk.s.status).toBe('resolved');
  });

  it('a stale timer of the watch, replaced by the reply, does nothing', () => {
    const desk = resynced();
    const firstLook = desk.s.timer?.id ?? '';
    desk.advance(10_000).reply('trying now');
    expect(desk.s.timer?.id).not.toBe(firstLook);
    const stale = desk.send('reminderDue', { timerId: firstLook });
    expect(stale.effects).toEqual([]);
    expect(desk.s.awaiting).toBeUndefined();
  });
});

describe('a look that fails or sees nothing', () => {
  it('solves nothing when the log shows no login', () => {
    const desk = resynced();
    lookAndSeeNothing(desk);
    expect(desk.s.status).toBe('awaiting_retest');
    expect(desk.types()).toEqual(['setTimer']);
  });

  it('a look that failed after its retries neither solves nor escalates: the watch goes on', () => {
    const desk = resynced();
    desk.fire();
    desk.send('effectFailed', { effectId: desk.s.awaiting ?? '', effectType: 'checkAuthLog', reason: 'PlatformUnavailable: local did not answer', retryable: true });
    expect(desk.s.status).toBe('awaiting_retest');
    expect(desk.types()).toEqual(['setTimer']);
    expect(desk.s.awaiting).toBeUndefined();
    desk.fire();
    expect(desk.types()).toEqual(['checkAuthLog']);
  });

  it('a look the state no longer waits for (a duplicate answer) changes nothing', () => {
    const desk = resynced();
    desk.fire();
    const look = desk.s.awaiting ?? '';
    desk.result('authObserved', { success: false });
    const again = desk.send('authObserved', { effectId: look, success: true, lastSuccessAt: desk.now });
    expect(again.effects).toEqual([]);
    expect(desk.s.status).toBe('awaiting_retest');
  });
});

describe('sla.requesterMessages', () => {
  it('counts the requester comments acted on in the round, not the ticket that opened it', () => {
    const desk = resynced({ authWatchForMs: 0 });
    expect(desk.s.sla.requesterMessages).toBe(1);
    desk.reply('I will try tomorrow');
    desk.reply('works');
    expect(desk.s).toMatchObject({ status: 'resolved', sla: { requesterMessages: 3 } });
  });

  it('starts over with a new round', () => {
    const desk = resynced({ authWatchForMs: 0 });
    desk.reply('works');
    desk.advance(HOUR).reply('it stopped working again');
    expect(desk.s).toMatchObject({ status: 'locating_user', round: 2, sla: { requesterMessages: 0 } });
  });
});
