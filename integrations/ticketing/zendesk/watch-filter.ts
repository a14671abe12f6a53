import { z } from 'zod';

/** What the filter reads of an event webhook: the ticket's tags after the change, and a tag change's own lists. */
const EventTagsSchema = z.object({
  type: z.string().startsWith('zen:event-type:ticket.'),
  detail: z.object({ tags: z.array(z.string()) }),
  event: z
    .object({
      tags_added: z.array(z.string()).nullish(),
      tags_removed: z.array(z.string()).nullish(),
    })
    .nullish(),
});

/**
 * True for a zen:event-type:ticket.* webhook about a ticket the bot has no business with, decided from the signed body
 * alone, so that it costs no API call and no Redis write: neither the ticket's tags after the change (`detail.tags`)
 * nor the change itself (a tag change adding or removing it) carry the watch tag.
 *
 * The watch tag is the whole contract, as for the poller: the bot never removes it, so every ticket it runs a workflow
 * for keeps it until someone else takes it off, and that very change passes (an agent removing it hands the ticket
 * off). After it the ticket is not the bot's any more, and its events are dropped like any other unwatched ticket's.
 * An event without `detail.tags` (another event version) is not judged here: it is read from the API as before.
 */
export function isUnwatchedTicketEvent(body: unknown, watchTag: string): boolean {
  const parsed = EventTagsSchema.safeParse(body);
  if (!parsed.success) return false;
  const tag = watchTag.toLowerCase();
  const names = (tags: readonly string[] | null | undefined) => (tags ?? []).some((t) => t.toLowerCase() === tag);
  const { detail, event } = parsed.data;
  return !names(detail.tags) && !names(event?.tags_added) && !names(event?.tags_removed);
}
