import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../workflows/resync/policy.js';
import { Desk, makeTicket } from './workflow.harness.js';

/**
 * No workflow for a ticket may only mean that Redis forgot it (retention): a ticket the bot already left is not
 * started again unless an agent adds the watch tag anew. The decision is the pure transition's, so every ticket
 * system and every path (poller, webhook, tag change) gets it.
 */
describe('no workflow: a ticket the bot left', () => {
  const policy = parsePolicy();
  const tagged = (tags: string[], past?: { watchTagAdded?: boolean; botCommented?: boolean }) => {
    const desk = new Desk(policy, makeTicket({ tags, status: 'open' }));
    return { desk, result: desk.send('ticketTagged', { ticket: desk.ticket, ...(past ? { past } : {}) }) };
  };

  it('starts a ticket that shows no sign of the bot', () => {
    const { result } = tagged(['2fa_issue'], { botCommented: false });
    expect(result.state?.status).toBe('locating_user');
  });

  it.each([
    ['escalated', '2fa_bot_escalated'],
    ['taken over by an agent (2fa_bot_off)', '2fa_bot_off'],
    ['resolved', '2fa_bot_resolved'],
  ])('does not start an %s ticket the poller sees again (an agent note, a reply): no state, no effects', (_name, endTag) => {
    const { result } = tagged(['2fa_issue', endTag]);
    expect(result).toEqual({ state: undefined, effects: [], changed: false });
  });

  it('does not start a ticket with a comment of the bot on it (a timed-out ticket has no tag of its own)', () => {
    expect(tagged(['2fa_issue'], { botCommented: true }).result).toEqual({ state: undefined, effects: [], changed: false });
  });

  it('does not start when the tag was added by someone who is not on the help desk (no watchTagAdded)', () => {
    expect(tagged(['2fa_issue', '2fa_bot_resolved'], { botCommented: true, watchTagAdded: false }).result.changed).toBe(false);
  });

  it('starts again when an agent adds the watch tag anew, whatever end tags and comments remain', () => {
    const { result } = tagged(['2fa_issue', '2fa_bot_escalated', '2fa_bot_off'], { watchTagAdded: true, botCommented: true });
    expect(result.state?.status).toBe('locating_user');
    expect(result.effects.map((e) => e.type)).toContain('locateUser');
  });

  it('follows the policy’s own tag names', () => {
    const custom = parsePolicy({ resolvedTag: 'mfa_done' });
    const desk = new Desk(custom, makeTicket({ tags: ['2fa_issue', 'mfa_done'] }));
    expect(desk.send('ticketTagged', { ticket: desk.ticket }).changed).toBe(false);
  });

  it('never starts from anything but ticketTagged, as before', () => {
    const desk = new Desk(policy, makeTicket());
    expect(desk.send('commentAdded', { commentId: 'c1', authorId: 'a1', authorRole: 'agent', public: false }).changed).toBe(false);
    expect(desk.send('tagsChanged', { tags: ['2fa_issue'], added: ['2fa_issue'], removed: [], byRole: 'agent' }).changed).toBe(false);
  });
});

describe('a late "works" or "thanks" on a solved ticket', () => {
  it('solves the ticket again without a public word (the reply may have reopened it), and starts no new round', () => {
    const desk = new Desk(parsePolicy(), makeTicket());
    desk.send('ticketTagged', { ticket: desk.ticket });
    desk.state = { ...desk.s, status: 'resolved', round: 1 };
    const r = desk.send('commentAdded', { commentId: 'c9', authorId: 'r1', authorRole: 'requester', public: true, text: 'Thanks a lot, all good!' });
    expect(r.state?.status).toBe('resolved');
    expect(r.state?.round).toBe(1);
    const update = r.effects.find((e) => e.type === 'updateTicket');
    expect(update?.type === 'updateTicket' && update.status).toBe('solved');
    expect(update?.type === 'updateTicket' && update.publicReply).toBeUndefined();
    expect(update?.type === 'updateTicket' && update.internalNote).toMatch(/solved again/);
  });

  it('a reply that says it fails again still opens a new round', () => {
    const desk = new Desk(parsePolicy(), makeTicket());
    desk.send('ticketTagged', { ticket: desk.ticket });
    desk.state = { ...desk.s, status: 'resolved', round: 1 };
    const r = desk.send('commentAdded', { commentId: 'c9', authorId: 'r1', authorRole: 'requester', public: true, text: 'It stopped working again' });
    expect(r.state?.round).toBe(2);
  });
});
