import { describe, expect, it } from 'vitest';
import type { TokenInfo } from '../../workflows/resync/model.js';
import { ALICE, BOB, CHALLENGE, Desk, HOUR, KT4, MINUTE, MOBILEPASS, T0, challengeDesk, codesReply, otpDesk, reach } from './workflow.harness.js';

const LOCKED: TokenInfo = { ...MOBILEPASS, serial: '1005956099', state: 'locked' };
const REVOKED: TokenInfo = { ...MOBILEPASS, serial: '1005956000', state: 'revoked' };

describe('locating_user', () => {
  it('continues to the group check when the requester has the user’s email (any case)', () => {
    const desk = reach('locating_user');
    desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
    expect(desk.s.status).toBe('checking_group');
    expect(desk.last.effects).toEqual([{ type: 'readGroups', id: '1.2.0', userId: ALICE.id }]);
    expect(desk.s).toMatchObject({ user: ALICE, matchedBy: 'email' });
  });

  it('trusts a match by user name (the requester’s external id) even with another email', () => {
    const desk = reach('locating_user');
    desk.result('userLocated', { user: BOB, matchedBy: 'userName' });
    expect(desk.s.status).toBe('checking_group');
  });

  it('writes nothing on the ticket while it looks things up on its own', () => {
    const desk = otpDesk();
    const before = desk.results.slice(0, 3);
    // The two setTimer effects are the SLA timers set at the start: they never touch the ticket.
    expect(before.flatMap((r) => r.effects.map((e) => e.type))).toEqual(['locateUser', 'setTimer', 'setTimer', 'readGroups', 'readTokens']);
  });

  it('asks an agent to approve when the user found is someone else', () => {
    const desk = reach('locating_user');
    desk.result('userLocated', { user: BOB, matchedBy: 'lastName' });
    expect(desk.s).toMatchObject({ status: 'awaiting_approval', approval: 'pending' });
    expect(desk.types()).toEqual(['updateTicket', 'setTimer']);
    const update = desk.update();
    expect(update.publicReply).toBeUndefined();
    expect(update.status).toBeUndefined();
    expect(update.internalNote).toContain('Alice Archer <Alice.Archer@example.com>');
    expect(update.internalNote).toContain('bob (Bob Baker, bob.baker@example.com)');
    for (const action of ['2fa_approved', '2fa_rejected', '#approve', '#reject']) expect(update.internalNote).toContain(action);
  });

  it('escalates a mismatch at once under the strict identity rule', () => {
    const desk = reach('locating_user', Desk.withPolicy({ identityRule: 'strict' }));
    desk.result('userLocated', { user: BOB, matchedBy: 'lastName' });
    expect(desk.s.escalation?.reason).toBe('identity_mismatch');
    expect(desk.s.escalation?.detail).toContain('bob');
  });

  it('escalates when nobody is found, and the note lists what was tried', () => {
    const desk = reach('locating_user');
    desk.result('userNotFound', { tried: ['email "alice.archer@example.com"', 'lastName "Archer"'] });
    expect(desk.s.escalation?.reason).toBe('user_not_found');
    expect(desk.update().internalNote).toContain('lastName "Archer"');
  });

  it('escalates when several users match, and the note lists the candidates', () => {
    const desk = reach('locating_user');
    desk.result('usersAmbiguous', { candidates: [ALICE, BOB] });
    expect(desk.s.escalation?.reason).toBe('users_ambiguous');
    const note = desk.update().internalNote ?? '';
    expect(note).toContain('alice (Alice Archer, alice.archer@example.com)');
    expect(note).toContain('bob (Bob Baker, bob.baker@example.com)');
  });
});

describe('awaiting_approval', () => {
  it('continues when an agent writes the approve command in a private note', () => {
    const desk = reach('awaiting_approval');
    desk.agentNote('  #APPROVE  spoke to Bob, he asked his PA to file it');
    expect(desk.s).toMatchObject({ status: 'checking_group', approval: 'approved' });
    expect(desk.types()).toEqual(['readGroups', 'updateTicket']);
    expect(desk.update().internalNote).toContain('approved');
    expect(desk.update().publicReply).toBeUndefined();
  });

  it('continues when an agent adds the approve tag', () => {
    const desk = reach('awaiting_approval');
    desk.tags({ added: ['2fa_approved'] });
    expect(desk.s.status).toBe('checking_group');
  });

  it('mentions the approval in the next note', () => {
    const desk = reach('awaiting_approval');
    desk.tags({ added: ['2fa_approved'] });
    desk.result('groupsRead', { groups: ['vpn-users'] });
    desk.result('tokensRead', { tokens: [MOBILEPASS] });
    expect(desk.update().internalNote).toContain('An agent approved acting for this user.');
  });

  it('hands the ticket to the agents when one rejects by command', () => {
    const desk = reach('awaiting_approval');
    desk.agentNote('#reject not his token');
    expect(desk.s).toMatchObject({ status: 'handed_off', approval: 'rejected' });
    expect(desk.types()).toEqual(['updateTicket']);
    expect(desk.update().internalNote).toContain('rejected');
    expect(desk.s.timer).toBeUndefined();
  });

  it('hands the ticket to the agents when one adds the reject tag', () => {
    const desk = reach('awaiting_approval');
    desk.tags({ added: ['2fa_rejected'] });
    expect(desk.s.status).toBe('handed_off');
  });

  it('counts the commands only from an agent', () => {
    const desk = reach('awaiting_approval');
    desk.reply('#approve');
    desk.comment('#approve', { role: 'end-user' });
    desk.tags({ added: ['2fa_approved'], byRole: 'requester' });
    desk.tags({ added: ['2fa_approved'], byRole: 'system' });
    expect(desk.s.status).toBe('awaiting_approval');
    expect(desk.effects.filter((e) => e.type === 'readGroups')).toHaveLength(0);
  });

  it('ignores an agent’s private note without a command', () => {
    const desk = reach('awaiting_approval');
    desk.agentNote('checking with the manager first');
    expect(desk.s.status).toBe('awaiting_approval');
  });

  it('reminds the agents in an internal note, never the requester', () => {
    const desk = reach('awaiting_approval');
    desk.fire();
    expect(desk.s.reminders).toBe(1);
    expect(desk.update().publicReply).toBeUndefined();
    expect(desk.update().internalNote).toContain('#approve');
  });

  it('escalates as an identity mismatch at the time-out, whatever the policy says a time-out does', () => {
    const desk = reach('awaiting_approval', Desk.withPolicy({ onTimeout: 'close' }));
    desk.fire();
    desk.fire();
    desk.fire();
    expect(desk.s.escalation?.reason).toBe('identity_mismatch');
    expect(desk.now).toBe(T0 + 72 * HOUR);
  });
});

describe('checking_group', () => {
  it('goes on to the tokens when the user has a group', () => {
    const desk = reach('checking_group');
    desk.result('groupsRead', { groups: ['vpn-users'] });
    expect(desk.s.status).toBe('inspecting_tokens');
    expect(desk.last.effects).toEqual([{ type: 'readTokens', id: '1.3.0', userId: ALICE.id }]);
  });

  it('adds no group before the requester has proved the token: it goes on to the tokens with the group pending', () => {
    const desk = reach('checking_group', Desk.withPolicy({ groupMapping: { byDomain: { 'example.com': 'staff-vpn' } } }));
    desk.result('groupsRead', { groups: [] });
    expect(desk.s).toMatchObject({ status: 'inspecting_tokens', pendingGroup: 'staff-vpn' });
    expect(desk.last.effects).toEqual([{ type: 'readTokens', id: '1.3.0', userId: ALICE.id }]);
  });

  it('adds the pending group once the codes resynced the token, then asks for the re-test', () => {
    const desk = reach('checking_group', Desk.withPolicy({ groupMapping: { byDomain: { 'example.com': 'staff-vpn' } } }));
    desk.result('groupsRead', { groups: [] });
    desk.result('tokensRead', { tokens: [MOBILEPASS] });
    desk.advance(MINUTE).reply(codesReply());
    desk.result('resyncSucceeded', {});
    expect(desk.s.status).toBe('resyncing');
    expect(desk.last.effects).toEqual([{ type: 'addToGroup', id: desk.s.awaiting, userId: ALICE.id, group: 'staff-vpn' }]);
    desk.result('groupAdded', { group: 'staff-vpn' });
    expect(desk.s).toMatchObject({ status: 'awaiting_retest', groupAdded: 'staff-vpn' });
    expect(desk.s.pendingGroup).toBeUndefined();
    expect(desk.update().publicReply).toMatch(/back in sync/);
  });

  it('never adds the group when the codes do not match', () => {
    const desk = reach('checking_group', Desk.withPolicy({ groupMapping: { byDomain: { 'example.com': 'staff-vpn' } }, maxAttempts: 1 }));
    desk.result('groupsRead', { groups: [] });
    desk.result('tokensRead', { tokens: [MOBILEPASS] });
    desk.advance(MINUTE).reply(codesReply());
    desk.result('resyncRejected', { reason: 'codes_not_in_window' });
    expect(desk.s.status).toBe('escalated');
    expect(desk.effects.map((e) => e.type)).not.toContain('addToGroup');
  });

  it('adds the group at once when an agent approved acting for the user', () => {
    const desk = reach('awaiting_approval', Desk.withPolicy({ groupMapping: { defaultGroup: 'staff-vpn' } }));
    desk.agentNote('#approve');
    desk.result('groupsRead', { groups: [] });
    expect(desk.types()).toEqual(['addToGroup']);
  });

  it('uses the default group for a domain without a mapping', () => {
    const desk = reach('checking_group', Desk.withPolicy({ groupMapping: { byDomain: { 'other.org': 'x' }, defaultGroup: 'all-staff' } }));
    desk.result('groupsRead', { groups: [] });
    expect(desk.s.pendingGroup).toBe('all-staff');
  });

  it('never maps by the requester’s own domain when the platform user has no email: the sender chose that address', () => {
    const desk = Desk.withPolicy({ groupMapping: { byDomain: { 'example.com': 'staff-vpn' } } });
    desk.tag();
    desk.result('userLocated', { user: { id: 'u9', userName: 'alice' }, matchedBy: 'userName' });
    desk.result('groupsRead', { groups: [] });
    expect(desk.s.escalation?.reason).toBe('no_group_mapping');
    expect(desk.effects.map((e) => e.type)).not.toContain('addToGroup');
  });

  it('escalates when no group is mapped, with the runbook’s group steps', () => {
    const desk = reach('checking_group');
    desk.result('groupsRead', { groups: [] });
    expect(desk.s.escalation?.reason).toBe('no_group_mapping');
    expect(desk.s.escalation?.detail).toContain('example.com');
    const note = desk.update().internalNote ?? '';
    expect(note).toContain('Group Membership');
    expect(note).toContain('"Add"');
    expect(note).toContain('"Apply"');
  });
});

describe('inspecting_tokens', () => {
  it('asks for two codes from the MobilePASS app for an OTP token', () => {
    const desk = reach('inspecting_tokens');
    desk.advance(MINUTE).result('tokensRead', { tokens: [MOBILEPASS] });
    expect(desk.s).toMatchObject({ status: 'awaiting_codes', token: MOBILEPASS, waitingSince: desk.now, reminders: 0 });
    const update = desk.update();
    expect(update.status).toBe('pending');
    expect(update.publicReply).toContain('MobilePASS app');
    expect(update.publicReply).toContain('6 digits');
    expect(update.publicReply).toContain('Hello Alice');
    expect(update.publicReply).toContain('NEW code');
    expect(desk.effect('setTimer')).toMatchObject({ kind: 'reminder', dueAt: desk.now + 4 * HOUR });
  });

  it('summarises what it did in the note: who, how found, group, token', () => {
    const desk = otpDesk();
    const note = desk.update().internalNote ?? '';
    expect(note).toContain('Platform user: alice (Alice Archer, alice.archer@example.com), found by email');
    expect(note).toContain('Group membership: in place');
    expect(note).toContain('MobilePASS, serial 1005956011');
    expect(note).toContain('two consecutive codes');
  });

  it('starts a challenge for a KT-4 token and stays until it is issued', () => {
    const desk = reach('inspecting_tokens');
    desk.result('tokensRead', { tokens: [KT4] });
    expect(desk.s.status).toBe('inspecting_tokens');
    expect(desk.last.effects).toEqual([{ type: 'startChallenge', id: '1.4.0', userId: ALICE.id, serial: KT4.serial }]);
    expect(desk.s.awaiting).toBe('1.4.0');
  });

  it('sends the challenge with the KT-4 button steps once it is issued', () => {
    const desk = challengeDesk();
    expect(desk.s).toMatchObject({ status: 'awaiting_response', challenge: CHALLENGE });
    const reply = desk.update().publicReply ?? '';
    expect(reply).toContain(CHALLENGE);
    expect(reply).toContain('KT-4');
    expect(reply).toMatch(/hold the button.*Init and Contrast/i);
    expect(reply).toContain("When it shows 'Resync', press the button again");
    expect(reply).toContain('8 digits');
    expect(desk.update().status).toBe('pending');
  });

  it('ignores revoked tokens next to the active one', () => {
    const desk = reach('inspecting_tokens');
    desk.result('tokensRead', { tokens: [REVOKED, MOBILEPASS] });
    expect(desk.s.status).toBe('awaiting_codes');
  });

  it('escalates when more than one token is active', () => {
    const desk = reach('inspecting_tokens');
    desk.result('tokensRead', { tokens: [MOBILEPASS, KT4] });
    expect(desk.s.escalation?.reason).toBe('several_tokens');
    expect(desk.s.escalation?.detail).toContain(KT4.serial);
    expect(desk.s.token).toBeUndefined();
  });

  it('escalates a locked token', () => {
    const desk = reach('inspecting_tokens');
    desk.result('tokensRead', { tokens: [LOCKED, REVOKED] });
    expect(desk.s.escalation?.reason).toBe('token_locked');
    expect(desk.s.token).toEqual(LOCKED);
  });

  it('escalates when there is no active token', () => {
    const desk = reach('inspecting_tokens');
    desk.result('tokensRead', { tokens: [REVOKED] });
    expect(desk.s.escalation?.reason).toBe('no_token');
    const none = reach('inspecting_tokens');
    none.result('tokensRead', { tokens: [] });
    expect(none.s.escalation).toEqual({ reason: 'no_token', detail: 'the user has no tokens' });
  });

  it('escalates a token it cannot resync', () => {
    const desk = reach('inspecting_tokens');
    desk.result('tokensRead', { tokens: [{ ...MOBILEPASS, type: 'GrIDsure', mode: 'other' }] });
    expect(desk.s.escalation?.reason).toBe('token_unsupported');
  });
});

describe('awaiting_codes', () => {
  it('resyncs with the comment that holds the codes', () => {
    const desk = otpDesk();
    desk.advance(20 * MINUTE).reply(codesReply());
    const comment = desk.events.at(-1);
    expect(desk.s.status).toBe('resyncing');
    expect(desk.last.effects).toEqual([
      { type: 'resyncOtp', id: '1.5.0', userId: ALICE.id, serial: MOBILEPASS.serial, commentId: comment?.type === 'commentAdded' ? comment.commentId : '', codeLength: 6, maxResyncsPerUserPerDay: 5 },
    ]);
    expect(desk.s.awaiting).toBe('1.5.0');
    expect(desk.s.timer).toBeUndefined();
    expect(desk.s.sla.waitingMs).toBe(20 * MINUTE);
    expect(desk.s.sla.endUserRoundTrips).toBe(1);
  });

  it('asks again when the reply has one code', () => {
    const desk = otpDesk();
    desk.advance(HOUR).reply('here it is: 287082');
    expect(desk.s).toMatchObject({ status: 'awaiting_codes', attempts: 1, reminders: 0, waitingSince: desk.now });
    const update = desk.update();
    expect(update.publicReply).toContain('only one code');
    expect(update.status).toBe('pending');
    expect(update.internalNote).toContain('one_code');
    expect(desk.effect('setTimer')).toMatchObject({ kind: 'reminder', dueAt: desk.now + 4 * HOUR });
  });

  it('asks again when the reply has no codes at all', () => {
    const desk = otpDesk();
    desk.reply("hi, it just says 'invalid code' every time?? i need this fixed asap\n\nSent from my iPhone");
    expect(desk.s.attempts).toBe(1);
    expect(desk.update().publicReply).toContain('the first code, a space, then the second code');
  });

  it('asks again when the reply reached us empty', () => {
    const desk = otpDesk();
    desk.comment(undefined);
    expect(desk.s.attempts).toBe(1);
    expect(desk.update().publicReply).toContain('empty');
  });

  it('tailors the answer to what was wrong with the reply', () => {
    const replies = ['287082', 'no idea what you mean', '287082 359152 969429'].map((text) => {
      const desk = otpDesk();
      desk.reply(text);
      return desk.update().publicReply;
    });
    expect(new Set(replies).size).toBe(replies.length);
  });

  it('escalates after the policy’s number of unusable replies', () => {
    const desk = otpDesk();
    desk.reply('287082');
    desk.reply('287082');
    desk.reply('287082');
    expect(desk.s.escalation?.reason).toBe('max_attempts');
    expect(desk.s.attempts).toBe(3);
    expect(desk.s.sla.endUserRoundTrips).toBe(3);
  });

  it('listens only to the requester', () => {
    const desk = otpDesk();
    desk.comment('287082 359152', { role: 'end-user' });
    desk.comment('287082 359152', { role: 'bot' });
    desk.comment('287082 359152', { role: 'agent', public: false });
    expect(desk.s.status).toBe('awaiting_codes');
    expect(desk.s.sla.endUserRoundTrips).toBe(0);
  });

  it('reminds the requester publicly and keeps the ticket pending', () => {
    const desk = otpDesk();
    desk.fire();
    expect(desk.s.reminders).toBe(1);
    expect(desk.update()).toMatchObject({ status: 'pending' });
    expect(desk.update().publicReply).toContain('Just checking in');
    expect(desk.update().internalNote).toBeUndefined();
    expect(desk.effect('setTimer')).toMatchObject({ kind: 'reminder', dueAt: T0 + 8 * HOUR });
  });

  it('sets the time-out after the last reminder', () => {
    const desk = otpDesk();
    desk.fire();
    desk.fire();
    expect(desk.s.reminders).toBe(2);
    expect(desk.effect('setTimer')).toMatchObject({ kind: 'timeout', dueAt: T0 + 72 * HOUR });
  });

  it('never reminds after the time-out would fall', () => {
    const desk = otpDesk(Desk.withPolicy({ reminderAfterMs: 10 * HOUR, maxReminders: 5, timeoutAfterMs: 15 * HOUR }));
    desk.fire();
    expect(desk.effect('setTimer')).toMatchObject({ kind: 'reminder', dueAt: T0 + 15 * HOUR });
  });
});

describe('awaiting_response', () => {
  it('resyncs with the challenge and the comment that holds the response', () => {
    const desk = challengeDesk();
    desk.reply('The token shows 94287082');
    expect(desk.s.status).toBe('resyncing');
    expect(desk.effect('resyncChallenge')).toMatchObject({ userId: ALICE.id, serial: KT4.serial, challenge: CHALLENGE, codeLength: 8 });
  });

  it('asks again, with the challenge, when the reply has no response', () => {
    const desk = challengeDesk();
    desk.reply('I pressed the button but nothing happens');
    expect(desk.s).toMatchObject({ status: 'awaiting_response', attempts: 1 });
    expect(desk.update().publicReply).toContain(CHALLENGE);
  });

  it('reminds with the challenge and the button steps', () => {
    const desk = challengeDesk();
    desk.fire();
    const reply = desk.update().publicReply ?? '';
    expect(reply).toContain(CHALLENGE);
    expect(reply).toContain('Init and Contrast');
  });
});

describe('resyncing', () => {
  it('asks the requester to log in again once the token is in sync', () => {
    const desk = reach('resyncing');
    desk.advance(MINUTE).result('resyncSucceeded', {});
    expect(desk.s).toMatchObject({ status: 'awaiting_retest', resyncedAt: desk.now });
    const update = desk.update();
    expect(update.publicReply).toContain('"works"');
    expect(update.publicReply).toContain('"still failing"');
    expect(update.status).toBe('pending');
    expect(update.internalNote).toContain('Token 1005956011 (MobilePASS) resynced');
    expect(desk.types()).toEqual(['updateTicket', 'setTimer']);
  });

  it('goes back for new codes, explaining how to read them, when the codes did not match', () => {
    const desk = reach('resyncing');
    desk.result('resyncRejected', { reason: 'codes_not_in_window' });
    expect(desk.s).toMatchObject({ status: 'awaiting_codes', attempts: 1 });
    const reply = desk.update().publicReply ?? '';
    expect(reply).toContain('NEW code');
    expect(reply).toContain('in order');
    expect(desk.update().internalNote).toContain('codes_not_in_window');
    expect(desk.s.timer?.kind).toBe('reminder');
  });

  it('goes back to the same challenge when a KT-4 response did not match', () => {
    const desk = challengeDesk();
    desk.reply('94287082');
    desk.result('resyncRejected', { reason: 'codes_not_in_window' });
    expect(desk.s).toMatchObject({ status: 'awaiting_response', challenge: CHALLENGE, attempts: 1 });
    expect(desk.update().publicReply).toContain(CHALLENGE);
  });

  it('says it could not read the reply when the worker found no codes in it', () => {
    const desk = reach('resyncing');
    desk.result('resyncRejected', { reason: 'reply_unusable' });
    expect(desk.update().publicReply).toContain("couldn't read");
  });

  it('escalates a token the platform reports locked', () => {
    const desk = reach('resyncing');
    desk.result('resyncRejected', { reason: 'token_locked' });
    expect(desk.s.escalation?.reason).toBe('token_locked');
  });

  it('escalates after the third failed attempt, with the runbook’s console steps', () => {
    const desk = otpDesk();
    for (let i = 0; i < 3; i++) {
      desk.reply('287082 359152');
      desk.result('resyncRejected', { reason: 'codes_not_in_window' });
    }
    expect(desk.s.escalation?.reason).toBe('max_attempts');
    const note = desk.update().internalNote ?? '';
    expect(note).toContain('Select "Resync"');
    expect(note).toContain('first box');
    expect(desk.results.filter((r) => r.effects.some((e) => e.type === 'updateTicket' && e.publicReply !== undefined))).toHaveLength(4);
  });

  it('ignores the requester writing while it resyncs', () => {
    const desk = reach('resyncing');
    desk.reply('did you get them?');
    expect(desk.s.status).toBe('resyncing');
    expect(desk.last.effects).toEqual([]);
  });
});

describe('awaiting_retest', () => {
  it('solves the ticket when the requester says it works', () => {
    const desk = reach('awaiting_retest');
    desk.advance(5 * MINUTE).reply('Yes, works now - thank you!');
    expect(desk.s).toMatchObject({ status: 'resolved' });
    expect(desk.s.sla.resolvedAt).toBe(desk.now);
    const update = desk.update();
    expect(update).toMatchObject({ status: 'solved', addTags: ['2fa_bot_resolved'], escalate: false });
    expect(update.publicReply).toContain('glad it works');
    expect(update.internalNote).toContain('confirmed');
    expect(desk.s.timer).toBeUndefined();
  });

  it('escalates with the whole history when it still fails', () => {
    const desk = reach('awaiting_retest');
    desk.reply('No, still failing, same error as before.');
    expect(desk.s.escalation?.reason).toBe('retest_failed');
    const note = desk.update().internalNote ?? '';
    for (const step of ['ticketTagged', 'userLocated', 'groupsRead', 'tokensRead', 'commentAdded', 'resyncSucceeded']) expect(note).toContain(step);
    expect(note).toContain('Authentication Activity');
  });

  it('asks for "works" or "still failing" when the answer is unclear', () => {
    const desk = reach('awaiting_retest');
    desk.reply('I will try tomorrow');
    expect(desk.s).toMatchObject({ status: 'awaiting_retest', attempts: 1 });
    expect(desk.update().publicReply).toContain('"works"');
  });

  it('looks at the auth log before reminding', () => {
    const desk = reach('awaiting_retest');
    const resyncedAt = desk.s.resyncedAt;
    desk.fire();
    expect(desk.s.reminders).toBe(1);
    expect(desk.s.timer).toBeUndefined();
    expect(desk.last.effects).toEqual([{ type: 'checkAuthLog', id: desk.s.awaiting, userId: ALICE.id, since: resyncedAt }]);
  });

  it('solves the ticket when the platform saw a successful login', () => {
    const desk = reach('awaiting_retest');
    desk.fire();
    desk.result('authObserved', { success: true, lastSuccessAt: desk.now - HOUR });
    expect(desk.s.status).toBe('resolved');
    expect(desk.update().publicReply).toContain('successful login');
    expect(desk.update().status).toBe('solved');
  });

  it('reminds the requester when the platform saw no login', () => {
    const desk = reach('awaiting_retest');
    const since = desk.s.waitingSince ?? 0;
    desk.fire();
    desk.advance(MINUTE).result('authObserved', { success: false });
    expect(desk.s.status).toBe('awaiting_retest');
    expect(desk.update().publicReply).toContain('can you log in now');
    expect(desk.effect('setTimer')).toMatchObject({ kind: 'reminder', dueAt: desk.now + 4 * HOUR });
    desk.fire();
    desk.result('authObserved', { success: false });
    expect(desk.effect('setTimer')).toMatchObject({ kind: 'timeout', dueAt: since + 72 * HOUR });
  });

  it('sends a plain reminder when the policy does not check the auth log', () => {
    const desk = reach('awaiting_retest', Desk.withPolicy({ checkAuthLogOnReminder: false }));
    desk.fire();
    expect(desk.types()).toEqual(['updateTicket', 'setTimer']);
  });

  it('lets a reply overtake an auth-log check in flight', () => {
    const desk = reach('awaiting_retest');
    desk.fire();
    const check = desk.s.awaiting ?? '';
    desk.reply('hmm not sure yet');
    const r = desk.send('authObserved', { effectId: check, success: false });
    expect(r.effects).toEqual([]);
    expect(desk.s.timer?.kind).toBe('reminder');
  });
});

describe('time-out of a waiting state', () => {
  it.each(['awaiting_codes', 'awaiting_response', 'awaiting_retest'] as const)('closes %s as no response after three days of silence', (status) => {
    const desk = reach(status, Desk.withPolicy({ checkAuthLogOnReminder: false }));
    const since = desk.s.waitingSince ?? 0;
    desk.fire();
    desk.fire();
    desk.fire();
    expect(desk.s.status).toBe('timed_out');
    expect(desk.now).toBe(since + 72 * HOUR);
    const update = desk.update();
    expect(update.status).toBe('solved');
    expect(update.publicReply).toContain('reply to this message');
    expect(update.internalNote).toContain('2 reminders');
    expect(desk.s.sla.resolvedAt).toBe(desk.now);
    expect(desk.s.timer).toBeUndefined();
  });

  it('escalates instead when the policy says so', () => {
    const desk = otpDesk(Desk.withPolicy({ onTimeout: 'escalate' }));
    desk.fire();
    desk.fire();
    desk.fire();
    expect(desk.s.escalation?.reason).toBe('no_response');
  });
});

describe('escalation', () => {
  it('makes one ticket update: a short public word, the full note, the tag, the group, status open', () => {
    const desk = reach('awaiting_retest');
    desk.reply('still failing');
    expect(desk.types()).toEqual(['updateTicket']);
    const update = desk.update();
    expect(update).toMatchObject({ status: 'open', escalate: true, addTags: ['2fa_bot_escalated'] });
    expect(update.publicReply).toContain('colleague will take it from here');
    const note = update.internalNote ?? '';
    expect(note).toContain('Why: the login still fails after the resync (retest_failed)');
    expect(note).toContain('What the bot saw:');
    expect(note).toContain('What the bot did:');
    expect(note).toContain('History:');
    expect(note).toContain('What to do next:');
    expect(note).toContain('2024-05-06 09:00 UTC ticketTagged: received → locating_user');
  });

  it('clears the timer and what it waited for', () => {
    const desk = otpDesk(Desk.withPolicy({ maxAttempts: 1 }));
    desk.reply('287082');
    expect(desk.s.status).toBe('escalated');
    expect(desk.s.timer).toBeUndefined();
    expect(desk.s.awaiting).toBeUndefined();
  });

  it('names the token in the note when it got that far', () => {
    const desk = otpDesk(Desk.withPolicy({ maxAttempts: 1 }));
    desk.reply('287082');
    expect(desk.update().internalNote).toContain('serial 1005956011');
  });

  it('says nothing on the account changed when it stopped before touching it', () => {
    const desk = reach('escalated');
    expect(desk.update().internalNote).toContain('Nothing on the account was changed.');
  });
});
