import { withMarker, type CommentPart } from '../comment-marker.js';

/**
 * The bot's text as a ConnectWise note: plain text, with Markdown's link and image forms (`[…](…)`, `![…](…)`) and
 * autolinks (`<https://…>`) broken by a space, so that a value quoted from a ticket (a name, a subject) can never become
 * a link in a note agents act on, where a PSA renders notes as Markdown. Nothing else is changed.
 */
export function plainNoteText(text: string): string {
  return text.replace(/\]\(/g, '] (').replace(/<((?:https?|mailto|ftp):)/gi, '< $1');
}

/** The note the bot writes: the text, its tag line (when any), and the marker (` end` when the step ends a round). */
export function noteBody(body: string, idempotencyKey: string, part: CommentPart, opts: { tags?: string | undefined; ends: boolean }): string {
  const text = [plainNoteText(body.trimEnd()), opts.tags].filter((p): p is string => p !== undefined && p !== '').join('\n\n');
  return withMarker(text, idempotencyKey, part, { round: opts.ends ? 'end' : 'mid' }).trimStart();
}
