import type { TicketComment, TicketSystem } from '../integrations/ticketing/ticket-system.js';
import type { WorkflowEvent } from '../workflows/resync/events.js';
import type { Policy } from '../workflows/resync/policy.js';
import type { WorkflowState } from '../workflows/resync/state.js';
import { transition } from '../workflows/resync/transition.js';

/** Texts of the comments the fake ticket system serves (the processor reads them just before the transition). */
export const COMMENTS = new Map<string, string>([
  ['codes', 'Hi,\n\ncode 1: 287 082\ncode 2: 359152\n\nThanks\nAlice'],
  ['works', 'Yes, works now - thank you!'],
]);

/**
 * The 7 events of one ticket's happy path (tagged → located → groups → tokens → codes → resynced → "works"), in the
 * order production applies them, with effect ids taken from the pure transition so every event applies for real.
 */
export function happyPathEvents(ticketId: string, policy: Policy, t0: number): WorkflowEvent[] {
  const tk = `local:${ticketId}`;
  const events: WorkflowEvent[] = [];
  let state: WorkflowState | undefined;
  let at = t0;
  let n = 0;
  const id = () => `${tk}#ev${++n}`;
  const push = (e: WorkflowEvent) => {
    // the stored form: comment events carry no text; the fake ticket system serves it by comment id
    events.push(e);
    const withText = e.type === 'commentAdded' ? { ...e, text: COMMENTS.get(e.commentId.split('#')[1] ?? '') ?? '' } : e;
    state = transition(state, withText, policy).state;
    at += 1000;
  };
  const awaiting = () => state?.awaiting ?? 'none';
  push({ type: 'ticketTagged', id: id(), at, ticket: { system: 'local', id: ticketId, subject: '2FA broken', status: 'new', tags: [policy.watchTag], requester: { id: `r${ticketId}`, email: `user${ticketId}@load.example`, name: 'Load User' } } });
  push({ type: 'userLocated', id: id(), at, effectId: awaiting(), user: { id: `u${ticketId}`, userName: `user${ticketId}`, email: `user${ticketId}@load.example`, lastName: 'User' }, matchedBy: 'email' });
  push({ type: 'groupsRead', id: id(), at, effectId: awaiting(), groups: ['VPN Users'] });
  push({ type: 'tokensRead', id: id(), at, effectId: awaiting(), tokens: [{ serial: `s${ticketId}`, type: 'MobilePASS', mode: 'otp', state: 'active', codeLength: 6 }] });
  push({ type: 'commentAdded', id: id(), at, commentId: `${ticketId}#codes`, authorId: `r${ticketId}`, authorRole: 'requester', public: true });
  push({ type: 'resyncSucceeded', id: id(), at, effectId: awaiting() });
  push({ type: 'commentAdded', id: id(), at, commentId: `${ticketId}#works`, authorId: `r${ticketId}`, authorRole: 'requester', public: true });
  if (state?.status !== 'resolved') throw new Error(`bench happy path ends in ${String(state?.status)}, not resolved: the workflow changed, update bench/happy-path.ts`);
  return events;
}

/** A ticket system with no latency that only serves comments (the event processor's one call). */
export function fakeTicketSystem(): TicketSystem {
  const unused = (): never => {
    throw new Error('not used by the event throughput bench');
  };
  return {
    name: 'local',
    getTicket: unused,
    listComments: unused,
    async getComment(ticketId: string, commentId: string): Promise<TicketComment> {
      return { id: commentId, authorId: `r${ticketId}`, authorRole: 'requester', public: true, body: COMMENTS.get(commentId.split('#')[1] ?? '') ?? '', createdAt: 0 };
    },
    applyUpdate: unused,
    verifyWebhook: unused,
    eventsFromWebhook: unused,
    listWatchedTickets: unused,
    eventsFromTicket: unused,
  };
}
