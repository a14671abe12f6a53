import { describe, expect, it } from 'vitest';
import type { Effect } from '../../workflows/resync/effects.js';
import { guardedWrite, refusedWrite, strictestMode } from '../../workflows/resync/mode-writes.js';
import type { PolicyInput } from '../../workflows/resync/policy.js';
import { ALICE, BOB, CHALLENGE, CODES, Desk, HOUR, KT4, MINUTE, MOBILEPASS, codesReply } from './workflow.harness.js';

function shadow(over: PolicyInput = {}): Desk {
  return Desk.withPolicy({ mode: 'shadow', groupMapping: { byDomain: { 'example.com': 'VPN Users' } }, ...over });
}

function approving(over: PolicyInput = {}): Desk {
  return Desk.withPolicy({ mode: 'approve-changes', groupMapping: { byDomain: { 'example.com': 'VPN Users' } }, ...over });
}

/** The discovery reads of a user with a group and one token, up to the step that asks the requester. */
function discover(desk: Desk, token = MOBILEPASS): Desk {
  desk.tag();
  desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
  desk.result('groupsRead', { groups: ['vpn-users'] });
  desk.result('tokensRead', { tokens: [token] });
  return desk;
}

/** What the ticket's requester or its account would see of every effect a desk emitted. */
function visible(effects: Effect[]): Effect[] {
  return effects.filter((e) => guardedWrite('shadow', e) !== undefined);
}

const applyTag = (desk: Desk) => desk.tags({ added: ['2fa_apply'] });

/** The executor's check for a ticket with a stored state: the state's mode decides, not the configured one. */
const refused = (s: Desk['s'], effect: Effect) => refusedWrite(s, effect, 'live');

describe('shadow mode', () => {
  it('reads the platform but proposes the ask for codes in an internal note, quoted, without a word to the requester', () => {
    const desk = discover(shadow());
    expect(desk.effects.map((e) => e.type).filter((t) => t !== 'updateTicket' && t !== 'setTimer')).toEqual(['locateUser', 'readGroups', 'readTokens']);
    expect(visible(desk.effects)).toEqual([]);
    const note = desk.update().internalNote ?? '';
    expect(note).toMatch(/^\[twofa-desk\] Shadow mode: the bot changed nothing/);
    // the proposed reply is quoted behind a gutter: none of its lines starts a line of the note
    expect(note).toContain('    │ Hello Alice,');
    expect(note).toContain('    │ - copy the code the app shows now,');
    expect(note.split('\n').filter((l) => l.startsWith('- copy'))).toEqual([]);
    expect(note).toContain('2fa_apply');
    expect(note).toContain('#apply');
    expect(desk.s.status).toBe('awaiting_codes');
    expect(desk.s.proposal).toMatchObject({ id: '1.4', mode: 'shadow', steps: ['reply'], status: 'pending' });
    expect(desk.s.proposal?.publicReply).toMatch(/^Hello Alice,/);
    // no reminder to a requester who was never asked: only the proposal's time-out
    expect(desk.s.timer).toMatchObject({ kind: 'timeout', dueAt: desk.now + desk.policy.timeoutAfterMs });
    expect(desk.s.sla.firstPublicReplyAt).toBeUndefined();
  });

  it("an agent's tag carries the proposal out as proposed, takes the tag off and starts the wait then", () => {
    const desk = discover(shadow());
    const proposed = desk.s.proposal?.publicReply;
    desk.advance(30 * MINUTE);
    applyTag(desk);
    const update = desk.update();
    expect(update.publicReply).toBe(proposed);
    expect(update.status).toBe('pending');
    expect(update.removeTags).toEqual(['2fa_apply']);
    expect(update.internalNote).toMatch(/applied proposal 1\.4/);
    expect(desk.s.proposal).toBeUndefined();
    expect(desk.s.proposals).toEqual([{ id: '1.4', mode: 'shadow', steps: ['reply'], at: desk.now - 30 * MINUTE, outcome: 'applied', decidedAt: desk.now, appliedAs: '1.5' }]);
    expect(desk.s.waitingSince).toBe(desk.now);
    expect(desk.s.timer).toMatchObject({ kind: 'reminder', dueAt: desk.now + desk.policy.reminderAfterMs });
    expect(desk.s.sla.firstPublicReplyAt).toBe(desk.now);
    // the executor's guard lets exactly this step's effects write
    const reply = desk.last.effects.find((e) => e.type === 'updateTicket') as Effect;
    expect(refused(desk.s, reply)).toBeUndefined();
  });

  it("an agent's internal note #apply applies too, and the requester's codes then become a resync proposal", () => {
    const desk = discover(shadow());
    desk.agentNote('#apply looks right to me');
    expect(desk.update().publicReply).toMatch(/^Hello Alice,/);
    expect(desk.update().removeTags).toEqual([]);
    desk.advance(5 * MINUTE).reply(codesReply());
    expect(desk.types()).not.toContain('resyncOtp');
    expect(desk.s.proposal).toMatchObject({ steps: ['resync'], actions: [{ type: 'resyncOtp', serial: MOBILEPASS.serial, commentId: expect.any(String) }] });
    const note = desk.update().internalNote ?? '';
    expect(note).toContain(`Resync token ${MOBILEPASS.serial}`);
    expect(note).not.toContain(CODES.first);
    expect(JSON.stringify(desk.s)).not.toContain(CODES.first);
    desk.agentNote('#APPLY');
    const resync = desk.effect('resyncOtp');
    expect(resync.id.startsWith(`${desk.s.proposals?.at(-1)?.appliedAs}.`)).toBe(true);
    expect(desk.s.awaiting).toBe(resync.id);
    expect(refused(desk.s, resync)).toBeUndefined();
    desk.result('resyncSucceeded', {});
    expect(visible(desk.last.effects)).toEqual([]);
    expect(desk.s.proposal?.publicReply).toMatch(/back in sync/);
  });

  it('ignores the apply tag and the #apply word from anyone but an agent', () => {
    const desk = discover(shadow());
    const before = desk.effects.length;
    desk.tags({ added: ['2fa_apply'], byRole: 'requester' });
    // the tag comes off again, so that an agent's adding it later is a change the ticket system reports
    expect(desk.update()).toMatchObject({ removeTags: ['2fa_apply'] });
    expect(desk.update().publicReply).toBeUndefined();
    desk.tags({ added: ['2fa_apply'], byRole: 'end-user' });
    desk.comment('#apply', { role: 'requester', public: false });
    desk.comment('#apply', { role: 'requester' });
    desk.comment('#apply', { role: 'system', public: false });
    expect(visible(desk.effects.slice(before))).toEqual([]);
    expect(desk.s.proposal?.id).toBe('1.4');
    // the requester's words wait with the proposal (held, without their text)
    expect(desk.s.held?.map((c) => c.authorRole)).toEqual(['requester', 'requester']);
    expect(JSON.stringify(desk.s.held)).not.toContain('#apply');
  });

  it('an agent note that only mentions the command does not apply', () => {
    const desk = discover(shadow());
    desk.agentNote('should we #apply this? checking with the manager');
    desk.agentNote('#applying later');
    expect(desk.s.proposal?.id).toBe('1.4');
    expect(visible(desk.effects)).toEqual([]);
  });

  it('holds back what the requester writes while a proposal waits, and acts on it once applied', () => {
    const desk = discover(shadow());
    desk.advance(MINUTE).reply(codesReply());
    const held = desk.s.held?.map((c) => c.commentId);
    expect(held).toHaveLength(1);
    expect(desk.types()).toEqual([]);
    applyTag(desk);
    expect(desk.types()).toContain('replayComments');
    expect(desk.effect('replayComments').comments.map((c) => c.commentId)).toEqual(held);
    expect(desk.s.held).toBeUndefined();
  });

  it('proposes the group for a user with none only after the resync, as in live mode', () => {
    const desk = shadow();
    desk.tag();
    desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
    desk.result('groupsRead', { groups: [] });
    desk.result('tokensRead', { tokens: [MOBILEPASS] });
    applyTag(desk);
    desk.reply(codesReply());
    applyTag(desk);
    desk.result('resyncSucceeded', {});
    expect(desk.types()).not.toContain('addToGroup');
    expect(desk.s.proposal).toMatchObject({ steps: ['group'], actions: [{ type: 'addToGroup', group: 'VPN Users' }] });
    expect(desk.update().internalNote).toContain('to the group VPN Users');
    applyTag(desk);
    expect(desk.effect('addToGroup').group).toBe('VPN Users');
    desk.result('groupAdded', { group: 'VPN Users' });
    expect(desk.s.proposal?.steps).toEqual(['reply']);
  });

  it('proposes the start of a KT-4 resync challenge, a platform write, before the ask for the response', () => {
    const desk = discover(shadow(), KT4);
    expect(desk.types()).not.toContain('startChallenge');
    expect(desk.s.proposal).toMatchObject({ steps: ['challenge'], actions: [{ type: 'startChallenge', serial: KT4.serial }] });
    applyTag(desk);
    expect(desk.effect('startChallenge').serial).toBe(KT4.serial);
    desk.result('challengeIssued', { challenge: CHALLENGE });
    expect(visible(desk.last.effects)).toEqual([]);
    expect(desk.s.proposal?.publicReply).toContain(CHALLENGE);
  });

  it('ends where live mode would solve: a note of what it would have done, nothing public, the ticket left to the agent', () => {
    const desk = discover(shadow());
    applyTag(desk);
    desk.reply(codesReply());
    applyTag(desk);
    desk.result('resyncSucceeded', {});
    applyTag(desk);
    desk.advance(10 * MINUTE).reply('works now, thanks');
    const update = desk.update();
    expect(update.publicReply).toBeUndefined();
    expect(update.status).toBeUndefined();
    expect(update.addTags).toEqual([]);
    expect(update.internalNote).toMatch(/In live mode it would have solved the ticket/);
    expect(update.internalNote).toContain('    │ Great, glad it works again!');
    expect(desk.s.status).toBe('handed_off');
    expect(desk.s.sla.resolvedAt).toBeUndefined();
    expect(desk.s.proposals?.map((p) => [p.steps.join('+'), p.outcome])).toEqual([
      ['reply', 'applied'],
      ['resync', 'applied'],
      ['reply', 'applied'],
    ]);
  });

  it('an escalation is only noted: no public word, no escalation group, no status', () => {
    const desk = shadow();
    desk.tag();
    desk.result('userNotFound', { tried: ['email "alice.archer@example.com"'] });
    const update = desk.update();
    expect(update.publicReply).toBeUndefined();
    expect(update.escalate).toBe(false);
    expect(update.status).toBeUndefined();
    expect(update.internalNote).toMatch(/would have escalated the ticket \(user_not_found\)/);
    expect(desk.s.status).toBe('handed_off');
    expect(desk.s.escalation?.reason).toBe('user_not_found');
  });

  it.each([
    ['an agent replies publicly', (d: Desk) => d.comment('I called Alice and fixed it', { role: 'agent', public: true }), 'agent_replied'],
    ['an agent takes the ticket over by tag', (d: Desk) => d.tags({ added: ['2fa_bot_off'] }), 'taken_over'],
    ['an agent solves the ticket', (d: Desk) => d.send('statusChanged', { status: 'solved', byRole: 'agent' }), 'agent_closed'],
    ['an agent rejects the proposal', (d: Desk) => d.agentNote('#reject wrong user'), 'rejected'],
    ['an operator escalates', (d: Desk) => d.send('operatorCommand', { action: 'escalate', reason: 'VIP' }), 'escalated'],
    ['no agent acts before the time-out', (d: Desk) => d.fire(), 'expired'],
  ] as const)('records what the agent did instead when %s', (_, act, outcome) => {
    const desk = discover(shadow());
    act(desk);
    expect(desk.s.proposal).toBeUndefined();
    expect(desk.s.proposals?.[0]?.outcome).toBe(outcome);
    expect(desk.s.status).toBe('handed_off');
    expect(visible(desk.effects)).toEqual([]);
  });

  it('leaves the SLA to the agents: an SLA risk does not end the shadowing', () => {
    const desk = discover(shadow());
    desk.send('slaRiskDue', { timerId: '1.sla.first_reply', target: 'first_reply' });
    expect(desk.s.status).toBe('awaiting_codes');
    expect(desk.s.proposal?.id).toBe('1.4');
  });

  it('keeps the mode the ticket began with, and a live ticket carries none', () => {
    expect(discover(shadow()).s.mode).toBe('shadow');
    const live = discover(new Desk());
    expect(live.s.mode).toBeUndefined();
    expect(live.s.proposals).toBeUndefined();
    expect(live.update().publicReply).toMatch(/^Hello Alice,/);
  });
});

describe('approve-changes mode', () => {
  it('asks the requester itself, then holds the resync for an agent and tells the requester a colleague confirms it', () => {
    const desk = discover(approving());
    expect(desk.update().publicReply).toMatch(/^Hello Alice,/);
    expect(desk.s.proposal).toBeUndefined();
    desk.advance(5 * MINUTE).reply(codesReply());
    expect(desk.types()).not.toContain('resyncOtp');
    const update = desk.update();
    expect(update.publicReply).toMatch(/A colleague is confirming the change to your account/);
    expect(update.internalNote).toMatch(/Approval needed for an account change/);
    expect(update.internalNote).toContain('2fa_approve_change');
    expect(desk.s.proposal).toMatchObject({ mode: 'approve-changes', steps: ['resync'] });
    expect(desk.s.timer?.kind).toBe('reminder');
  });

  it("only an agent's #approve-change or tag approves; the requester's count for nothing", () => {
    const desk = discover(approving());
    desk.reply(codesReply());
    desk.tags({ added: ['2fa_approve_change'], byRole: 'requester' });
    desk.comment('#approve-change', { role: 'requester', public: false });
    desk.comment('#apply', { role: 'agent', public: false });
    expect(desk.effects.some((e) => e.type === 'resyncOtp')).toBe(false);
    desk.agentNote('#approve-change');
    const resync = desk.effect('resyncOtp');
    expect(refused(desk.s, resync)).toBeUndefined();
  });

  it('reminds the agents, then escalates when no one approves', () => {
    const desk = discover(approving());
    desk.reply(codesReply());
    desk.fire();
    expect(desk.update().internalNote).toMatch(/Still waiting for an agent to approve/);
    expect(desk.update().publicReply).toBeUndefined();
    desk.fire();
    desk.fire();
    expect(desk.s.status).toBe('escalated');
    expect(desk.s.escalation?.reason).toBe('change_not_approved');
    expect(desk.update().publicReply).toMatch(/colleague will take it from here/);
    expect(desk.s.proposals?.[0]?.outcome).toBe('expired');
  });

  it('the SLA guard escalates while the change waits', () => {
    const desk = discover(approving());
    desk.reply(codesReply());
    desk.send('slaRiskDue', { timerId: '1.sla.resolution', target: 'resolution' });
    expect(desk.s.status).toBe('escalated');
    expect(desk.s.escalation?.reason).toBe('sla_risk');
    expect(desk.s.proposals?.[0]?.outcome).toBe('escalated');
  });

  it('asks again before the group add that follows the resync, and the challenge start needs no approval', () => {
    const desk = approving();
    desk.tag();
    desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
    desk.result('groupsRead', { groups: [] });
    desk.result('tokensRead', { tokens: [MOBILEPASS] });
    desk.reply(codesReply());
    desk.tags({ added: ['2fa_approve_change'] });
    expect(desk.update().removeTags).toEqual(['2fa_approve_change']);
    desk.result('resyncSucceeded', {});
    expect(desk.s.proposal).toMatchObject({ steps: ['group'] });
    desk.tags({ added: ['2fa_approve_change'] });
    expect(desk.effect('addToGroup').group).toBe('VPN Users');
    const kt = discover(approving(), KT4);
    expect(kt.effect('startChallenge').serial).toBe(KT4.serial);
  });

  it('an identity approval is not a change approval: the group add for an approved user waits for its own', () => {
    const desk = approving();
    desk.tag();
    desk.result('userLocated', { user: { ...BOB, email: 'bob.baker@example.com' }, matchedBy: 'lastName' });
    desk.agentNote('#approve');
    desk.result('groupsRead', { groups: [] });
    expect(desk.types()).not.toContain('addToGroup');
    expect(desk.s.proposal?.steps).toEqual(['group']);
  });
});

describe('the executor guard (mode-writes)', () => {
  it('refuses a shadow ticket’s public reply and platform writes no agent applied, and lets notes and reads through', () => {
    const desk = discover(shadow());
    const s = desk.s;
    const reply: Effect = { type: 'updateTicket', id: '1.4.0', publicReply: 'hello', addTags: [], removeTags: [], escalate: false };
    const note: Effect = { type: 'updateTicket', id: '1.4.0', internalNote: 'hello', addTags: [], removeTags: [], escalate: false };
    const resync: Effect = { type: 'resyncOtp', id: '1.4.1', userId: 'u', serial: 's', commentId: 'c', codeLength: 6 };
    const read: Effect = { type: 'readTokens', id: '1.4.2', userId: 'u' };
    expect(refused(s, reply)).toMatch(/a public reply on a shadow ticket that no agent applied/);
    expect(refused(s, resync)).toMatch(/resyncOtp/);
    expect(refused(s, { ...note, status: 'solved' })).toMatch(/solved/);
    expect(refused(s, note)).toBeUndefined();
    expect(refused(s, read)).toBeUndefined();
    applyTag(desk);
    expect(refused(desk.s, { ...reply, id: '1.5.0' })).toBeUndefined();
    expect(refused(desk.s, { ...reply, id: '1.50.0' })).toMatch(/no agent applied/);
    expect(refused({ ...s, mode: undefined }, reply)).toBeUndefined();
  });

  it('guards only account changes on an approve-changes ticket', () => {
    const s = discover(approving()).s;
    expect(refused(s, { type: 'addToGroup', id: '1.9.0', userId: 'u', group: 'g' })).toMatch(/account change/);
    expect(refused(s, { type: 'updateTicket', id: '1.9.0', publicReply: 'hi', addTags: [], removeTags: [], escalate: false })).toBeUndefined();
    expect(refused(s, { type: 'startChallenge', id: '1.9.0', userId: 'u', serial: 's' })).toBeUndefined();
  });

  it('fails closed for a ticket with no stored state unless its configured mode is live', () => {
    const reply: Effect = { type: 'updateTicket', id: '1.5.0', publicReply: 'hello', addTags: [], removeTags: [], escalate: false };
    const group: Effect = { type: 'addToGroup', id: '1.5.1', userId: 'u', group: 'g' };
    const note: Effect = { type: 'updateTicket', id: '1.5.0', internalNote: 'hello', addTags: [], removeTags: [], escalate: false };
    expect(refusedWrite(undefined, reply, 'shadow')).toMatch(/a public reply for a ticket with no stored workflow state, whose configured mode is shadow/);
    expect(refusedWrite(undefined, group, 'approve-changes')).toMatch(/addToGroup \(an account change\) for a ticket with no stored workflow state/);
    expect(refusedWrite(undefined, reply, 'approve-changes')).toBeUndefined();
    expect(refusedWrite(undefined, note, 'shadow')).toBeUndefined();
    // a live deployment keeps working without state (a workflow rebuilt after a failover)
    expect(refusedWrite(undefined, reply, 'live')).toBeUndefined();
    expect(refusedWrite(undefined, group, 'live')).toBeUndefined();
  });

  it('a ticket whose tenant is unknown is held to the strictest mode configured', () => {
    expect(strictestMode(['live', 'approve-changes', 'shadow'])).toBe('shadow');
    expect(strictestMode(['approve-changes', 'live'])).toBe('approve-changes');
    expect(strictestMode(['live', 'live'])).toBe('live');
  });

  it('a whole shadow ticket without an agent emits nothing the guard would refuse, reminders and time-outs included', () => {
    const desk = discover(shadow());
    desk.advance(HOUR).reply(codesReply());
    desk.advance(HOUR).reply('hello?');
    while (desk.s.status !== 'handed_off') desk.fire();
    expect(visible(desk.effects)).toEqual([]);
  });
});
