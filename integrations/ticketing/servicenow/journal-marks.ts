import { botTagChanges, hashtags, tagLine } from '../note-tags.js';
import { commentMarker, hasMarker, markersIn, roundFields, roundMarkIn, withMarker, type CommentPart } from '../comment-marker.js';

/** ServiceNow keeps a journal entry's text as written (plain text): the bot's markers are the shared bracket form. */
export { commentMarker, hasMarker, markersIn, roundFields, roundMarkIn };
export type { CommentPart };
/** ServiceNow keeps the workflow's tags in the journal (see ../note-tags.ts). */
export { botTagChanges, hashtags, tagLine };

/**
 * ServiceNow renders what a journal entry holds between `[code]` and `[/code]` as HTML (where the instance allows the
 * code tag): text the bot writes, which may quote what a requester typed, never opens one.
 */
export function withoutCodeTags(text: string): string {
  return text.replace(/\[(\/?)code\]/gi, '($1code)');
}

/** Appends the tag line and the marker (` end` when the step ends a round, ` mid` otherwise) under a journal entry the bot writes. */
export function withMarks(body: string, idempotencyKey: string, part: CommentPart, opts: { tags?: string | undefined; ends: boolean }): string {
  const text = [withoutCodeTags(body.trimEnd()), opts.tags].filter((p): p is string => p !== undefined && p !== '').join('\n\n');
  return withMarker(text, idempotencyKey, part, { round: opts.ends ? 'end' : 'mid' }).trimStart();
}
