import { withMarker, type CommentPart } from '../comment-marker.js';
import { botTagChanges, hashtags, tagLine } from '../note-tags.js';

/*
 * Halo keeps an action's note as HTML and shows it as HTML (the agent's and the end user's view, the e-mail). The bot
 * writes plain text escaped into HTML, so that text it quotes (a requester's words) is never markup; it reads notes
 * back as text. Halo has no ticket tags the API writes with an action: the workflow's tags live in the bot's actions as
 * a tag line, and agents add one as a hashtag (`#2fa_bot_off`) in an action, as on ServiceNow.
 */

/** Plain text as Halo note HTML: `& < > " '` escaped, lines as `<br>`. */
export function toNoteHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/\r?\n/g, '<br>');
}

/** A note's text: line breaks for `<br>` and block ends, tags dropped, the common entities decoded. */
export function noteText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6])>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Halo has no API-written tags: the workflow's tags live in the actions, as on ServiceNow (see ../note-tags.ts). */
export { botTagChanges, hashtags, tagLine };

/** The note the bot writes: its text, the tag line, the marker (` end` when the step ends a round), as HTML. */
export function botNote(body: string, idempotencyKey: string, part: CommentPart, opts: { tags?: string | undefined; ends: boolean }): string {
  const text = [body.trimEnd(), opts.tags].filter((p): p is string => p !== undefined && p !== '').join('\n\n');
  return toNoteHtml(withMarker(text, idempotencyKey, part, { round: opts.ends ? 'end' : 'mid' }).trimStart());
}
