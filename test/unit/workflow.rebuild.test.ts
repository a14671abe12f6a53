import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../workflows/resync/policy.js';
import type { EventOf } from '../../workflows/resync/events.js';
import { ALICE, CODES, Desk, MINUTE, MOBILEPASS, T0, codesReply, makeTicket, reach } from './workflow.harness.js';

/**
 * A workflow lost with Redis's last writes (a replica promoted before it had them) is rebuilt from the ticket: the
 * bot's last comment did not end a round, so the bot was still on it. The rebuilt workflow reads the user again,
 * acts on the requester's replies in order, and writes nothing the ticket already shows.
 */
describe('a workflow lost in the middle of a round is rebuilt from the ticket', () => {
  const policy = parsePolicy();
  const lostAt = T0 + 10 * MINUTE;
  const past = (over: Partial<NonNullable<EventOf<'ticketTagged'>['past']>> = {}) => ({ botCommented: true, botMidRound: true, botLastAt: T0 + 2 * MINUTE, ...over });

  /** The poller's view of the ticket: tagged (with what the bot's comments show), then the requester's comments. */
  function rebuilt(opts: { past?: ReturnType<typeof past>; tags?: string[]; status?: 'open' | 'pending' | 'solved' } = {}): Desk {
    const desk = new Desk(policy, makeTicket({ tags: opts.tags ?? ['2fa_issue'], status: opts.status ?? 'open' }));
    desk.now = lostAt;
    desk.send('ticketTagged', { ticket: desk.ticket, past: opts.past ?? past() }, { id: 'local:1:tagged' });
    return desk;
  }
  const requesterComment = (desk: Desk, id: string, answered: boolean, text?: string) =>
    desk.send('commentAdded', { commentId: id, authorId: 'requester-1', authorRole: 'requester', public: true, ...(answered ? { answered } : {}), ...(text ? { text } : {}) }, { id: `local:1:comment:${id}` });

  it('starts again, quietly: reads the user, says so in a note only, and numbers its effects anew', () => {
    const desk = rebuilt();
    expect(desk.s.status).toBe('locating_user');
    expect(desk.s.rebuiltAt).toBe(lostAt);
    expect(desk.s.seq).toBeGreaterThanOrEqual(lostAt);
    const update = desk.update();
    expect(update.publicReply).toBeUndefined();
    expect(update.internalNote).toMatch(/rebuilt it from the ticket/);
    expect(desk.types()).toContain('locateUser');
  });

  it('does not write the ask for codes again: the ticket shows it', () => {
    const desk = rebuilt();
    desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
    desk.result('groupsRead', { groups: ['vpn-users'] });
    desk.result('tokensRead', { tokens: [MOBILEPASS] });
    expect(desk.s.status).toBe('awaiting_codes');
    const writes = desk.effects.filter((e) => e.type === 'updateTicket' && e.publicReply !== undefined);
    expect(writes).toEqual([]);
    expect(desk.s.timer?.kind).toBe('reminder');
  });

  it('holds the requester’s codes back while it reads the user, then hands them back once it waits for them', () => {
    const desk = rebuilt();
    requesterComment(desk, '7', false);
    expect(desk.last.effects).toEqual([]);
    expect(desk.s.held?.map((e) => e.commentId)).toEqual(['7']);
    expect(JSON.stringify(desk.s)).not.toContain(CODES.first);
    desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
    desk.result('groupsRead', { groups: ['vpn-users'] });
    desk.result('tokensRead', { tokens: [MOBILEPASS] });
    const replay = desk.effect('replayComments');
    expect(replay.comments.map((c) => c.commentId)).toEqual(['7']);
    expect(replay.comments[0]).not.toHaveProperty('text');
    expect(desk.s.held).toBeUndefined();
  });

  it('an unanswered reply written since the rebuild is answered; its resync is not marked (old codes in it stay refused)', () => {
    const desk = rebuilt();
    desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
    desk.result('groupsRead', { groups: ['vpn-users'] });
    desk.result('tokensRead', { tokens: [MOBILEPASS] });
    requesterComment(desk, '7:rebuilt', false, codesReply());
    expect(desk.effect('resyncOtp').rebuilt).toBeUndefined();
  });

  it('an unanswered reply that was on the ticket before the rebuild is marked: the lost workflow may have used its codes', () => {
    const desk = rebuilt();
    desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
    desk.result('groupsRead', { groups: ['vpn-users'] });
    desk.result('tokensRead', { tokens: [MOBILEPASS] });
    desk.send('commentAdded', { commentId: '7', authorId: 'requester-1', authorRole: 'requester', public: true, writtenAt: lostAt - MINUTE, text: codesReply() }, { id: 'local:1:comment:7:rebuilt' });
    expect(desk.effect('resyncOtp').rebuilt).toBe(true);
    desk.result('resyncSucceeded', {});
    expect(desk.s.status).toBe('awaiting_retest');
    expect(desk.update().publicReply).toMatch(/log in/i);
  });

  it('a reply the ticket shows answered is acted on without writing the answer again', () => {
    const desk = rebuilt();
    desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
    desk.result('groupsRead', { groups: ['vpn-users'] });
    desk.result('tokensRead', { tokens: [MOBILEPASS] });
    requesterComment(desk, '7:rebuilt', true, codesReply());
    // the ticket shows the bot answered these codes: the lost workflow may have used them, and that counts as its own
    expect(desk.effect('resyncOtp').rebuilt).toBe(true);
    desk.result('resyncSucceeded', {});
    expect(desk.s.status).toBe('awaiting_retest');
    // nothing at all: the ticket shows the answer, its status too (sending "pending" again could undo a later change)
    expect(desk.types()).not.toContain('updateTicket');
    // the requester then confirms, live (no `answered`): the bot closes the ticket and says so
    desk.advance(5 * MINUTE);
    requesterComment(desk, '9', false, 'works now, thanks');
    expect(desk.s.status).toBe('resolved');
    expect(desk.update().publicReply).toBeDefined();
    expect(desk.update().ends).toBe(true);
    expect(desk.s.rebuild).toBeUndefined();
  });

  it('a reminder after the rebuild is written: it is new', () => {
    const desk = rebuilt();
    desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
    desk.result('groupsRead', { groups: ['vpn-users'] });
    desk.result('tokensRead', { tokens: [MOBILEPASS] });
    desk.fire();
    expect(desk.update().publicReply).toBeDefined();
  });

  it.each([
    ['the bot’s last comment ended a round', { past: past({ botMidRound: undefined, botLastAt: undefined }) }],
    ['an end tag is on the ticket', { tags: ['2fa_issue', '2fa_bot_escalated'] }],
    ['the ticket is solved', { status: 'solved' as const }],
    ['the bot’s last comment is older than a waiting state’s time-out', { past: past({ botLastAt: lostAt - policy.timeoutAfterMs - 1 }) }],
  ])('stays left when %s', (_why, opts) => {
    const desk = rebuilt(opts);
    expect(desk.last).toEqual({ state: undefined, effects: [], changed: false });
  });

  it('marks the update that ends a round, and only that one', () => {
    const desk = reach('resolved');
    expect(desk.update().ends).toBe(true);
    const asking = reach('awaiting_codes', new Desk()).results.flatMap((r) => r.effects).filter((e) => e.type === 'updateTicket');
    expect(asking.every((e) => e.type === 'updateTicket' && e.ends === undefined)).toBe(true);
    const escalated = reach('escalated');
    expect(escalated.update().ends).toBe(true);
  });

  it('a rebuilt workflow that escalates while reading the user says so (new to the ticket) and drops what it held back', () => {
    const desk = rebuilt();
    requesterComment(desk, '7', false);
    desk.result('userNotFound', { tried: ['email'] });
    expect(desk.s.status).toBe('escalated');
    expect(desk.types()).not.toContain('replayComments');
    expect(desk.s.rebuild).toBeUndefined();
    expect(desk.update().publicReply).toMatch(/colleague/);
    expect(desk.update().ends).toBe(true);
    expect(desk.update().addTags).toContain(policy.escalatedTag);
  });

  it('hands the ticket to an agent rather than hold back more replies than it can keep', () => {
    const desk = rebuilt();
    for (let i = 0; i < 21; i++) requesterComment(desk, String(100 + i), false);
    expect(desk.s.status).toBe('escalated');
    expect(desk.s.escalation?.detail).toMatch(/21 replies came while the bot was busy/);
  });

  it('sets the first reply of the SLA to the bot’s last comment: no SLA alarm for a reply that went out', () => {
    expect(rebuilt().s.sla.firstPublicReplyAt).toBe(T0 + 2 * MINUTE);
  });

  describe('a workflow that went back to an older version (its last writes lost)', () => {
    const answeredReply = (desk: Desk, id: string, writtenAt: number, text = codesReply()) =>
      desk.send('commentAdded', { commentId: id, authorId: 'requester-1', authorRole: 'requester', public: true, answered: true, writtenAt, text }, { id: `local:1:comment:${id}` });

    it('catches up quietly when the ticket shows the bot answered a reply newer than the workflow', () => {
      const desk = reach('awaiting_codes');
      const version = desk.s.updatedAt;
      desk.advance(MINUTE);
      answeredReply(desk, '7', version + 1000);
      const resync = desk.effect('resyncOtp');
      expect(resync.rebuilt).toBe(true);
      expect(desk.s.rebuiltAt).toBeDefined();
      expect(desk.update().internalNote).toMatch(/went back to an older version/);
      desk.result('resyncSucceeded', {});
      expect(desk.s.status).toBe('awaiting_retest');
      expect(desk.types()).not.toContain('updateTicket');
    });

    it('an end reached on a reply the ticket shows answered writes no public reply again, but sends the end again, with its note, for the desk to answer', () => {
      const desk = reach('awaiting_retest');
      answeredReply(desk, '9', desk.now + MINUTE, 'works now, thanks');
      expect(desk.s.status).toBe('resolved');
      expect(desk.types()).toContain('updateTicket');
      expect(desk.update().publicReply).toBeUndefined();
      // the desk's answer to the end (taken or refused) decides whether the round is done, not the state's memory
      expect(desk.update()).toMatchObject({ status: 'solved', addTags: [desk.policy.resolvedTag], ends: true });
      expect(desk.update().internalNote).toMatch(/went back to an older version/);
      // the answer the reply looks to have had may be a later message than the lost end: an agent always finds why it ended
      expect(desk.update().internalNote).toContain('[twofa-desk] Solved:');
    });

    it('a late reply (its webhook lost) that a reminder followed is acted on as usual, its answer written', () => {
      const desk = reach('awaiting_codes');
      const writtenAt = desk.now + MINUTE;
      desk.fire(); // the reminder, after the reply was written
      answeredReply(desk, '7', writtenAt);
      expect(desk.effect('resyncOtp').rebuilt).toBeUndefined();
      expect(desk.s.rebuild).toBeUndefined();
      desk.result('resyncSucceeded', {});
      expect(desk.update().publicReply).toMatch(/log in/i);
    });
  });

  it('a reply that comes live before the handed-back codes are back waits behind them: the codes are acted on first, then the reply', () => {
    const desk = rebuilt();
    requesterComment(desk, '7', true);
    desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
    desk.result('groupsRead', { groups: ['vpn-users'] });
    desk.result('tokensRead', { tokens: [MOBILEPASS] });
    expect(desk.effect('replayComments').comments.map((c) => c.commentId)).toEqual(['7']);
    expect(desk.s.replaying).toEqual(['local:1:comment:7:rebuilt']);

    // the webhook of the requester's next reply ("works") comes before the hand-back: held, not read as codes
    requesterComment(desk, '9', false, 'works now');
    expect(desk.s.status).toBe('awaiting_codes');
    expect(desk.last.effects).toEqual([]);
    expect(desk.s.held?.map((c) => c.commentId)).toEqual(['9']);

    desk.send('commentAdded', { commentId: '7', authorId: 'requester-1', authorRole: 'requester', public: true, answered: true, text: codesReply() }, { id: 'local:1:comment:7:rebuilt' });
    expect(desk.s.status).toBe('resyncing');
    expect(desk.s.replaying).toBeUndefined();
    desk.result('resyncSucceeded', {});
    expect(desk.s.status).toBe('awaiting_retest');
    expect(desk.effect('replayComments').comments.map((c) => c.commentId)).toEqual(['9']);
    desk.send('commentAdded', { commentId: '9', authorId: 'requester-1', authorRole: 'requester', public: true, text: 'works now' }, { id: 'local:1:comment:9:rebuilt' });
    expect(desk.s.status).toBe('resolved');
    const replies = desk.effects.filter((e) => e.type === 'updateTicket' && e.publicReply !== undefined);
    expect(replies).toHaveLength(1);
  });

  it('a hand-back is one at a time, and the end of the round drops what was still to come back', () => {
    const desk = reach('resyncing');
    desk.comment('still failing');
    desk.result('resyncSucceeded', {});
    const first = desk.s.replaying;
    expect(first).toHaveLength(1);
    desk.comment('hello?');
    desk.comment('anyone?');
    expect(desk.s.held).toHaveLength(2);
    expect(desk.types()).not.toContain('replayComments');
    expect(desk.s.replaying).toEqual(first);
    desk.tags({ added: [desk.policy.handoffTag] });
    expect(desk.s.status).toBe('handed_off');
    expect(desk.s.replaying).toBeUndefined();
    expect(desk.s.held).toBeUndefined();
  });

  it('any workflow holds a reply that comes while it resyncs, and acts on it once it waits for the re-test', () => {
    const desk = reach('resyncing');
    desk.comment('works now');
    expect(desk.s.status).toBe('resyncing');
    expect(desk.s.held).toHaveLength(1);
    desk.result('resyncSucceeded', {});
    expect(desk.s.status).toBe('awaiting_retest');
    expect(desk.effect('replayComments').comments.map((c) => c.authorRole)).toEqual(['requester']);
  });
});
