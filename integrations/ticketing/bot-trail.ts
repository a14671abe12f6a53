import type { EventOf } from '../../workflows/resync/index.js';
import type { TicketComment } from './ticket-system.js';

type Past = NonNullable<EventOf<'ticketTagged'>['past']>;

/**
 * What a ticket's comments show of the bot, for a ticket that may have no workflow: whether it wrote, and whether
 * its last comment was marked as written in the middle of a round, and when (a comment marked as ending a round,
 * or written before comments carried the mark, says the bot left). The workflow rebuilds a workflow lost mid-round from this (workflows/resync/transition-rebuild.ts).
 */
export function botPast(comments: readonly TicketComment[]): Past {
  const last = comments.findLast((c) => c.authorRole === 'bot');
  if (!last) return { botCommented: false };
  return { botCommented: true, ...(last.midRound === true ? { botMidRound: true, botLastAt: last.createdAt } : {}) };
}

/**
 * The comments of others, in order, each with `answered` when a public comment of the bot's came after it: read from
 * the ticket's history, these tell a rebuilt workflow which of its answers the ticket already shows. Only a public
 * comment answers: the bot's internal notes alone (the note that a workflow was rebuilt, say) tell the requester
 * nothing, and a reply taken for answered is never written.
 */
export function othersWithAnswered(comments: readonly TicketComment[]): Array<{ comment: TicketComment; answered: boolean }> {
  const lastBot = comments.findLastIndex((c) => c.authorRole === 'bot' && c.public);
  return comments.flatMap((comment, i) => (comment.authorRole === 'bot' ? [] : [{ comment, answered: i < lastBot }]));
}
