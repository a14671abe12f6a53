import { commentMarker, hasMarker, markersIn, roundFields, roundMarkIn, withMarker, type CommentPart } from '../comment-marker.js';

/** ServiceNow keeps a journal entry's text as written (plain text): the bot's markers are the shared bracket form. */
export { commentMarker, hasMarker, markersIn, roundFields, roundMarkIn };
export type { CommentPart };

/** The bot's tag changes, as a line of its work note: `[twofa-desk tags +2fa_bot_resolved -2fa_x]`. */
const TAG_LINE = /^\[twofa-desk tags((?: [+-][^\s\]]+)+)\]$/m;
/** An agent's tag: `#2fa_bot_off` in a work note or comment, as a word of its own. */
const HASHTAG = /(?:^|\s)#([a-z0-9][a-z0-9_-]{0,79})(?=$|[\s.,;:!?)])/gi;

/**
 * ServiceNow incidents have no tags the Table API writes in the same update as a comment, so the workflow's tags live
 * in the journal, where agents see them: the bot writes its tag changes as a line of its work note, agents add a tag
 * by writing it as a hashtag (`#2fa_bot_off`, `#2fa_approved`) in a work note. The incident's tags are the watch tag
 * (its category) plus these, folded oldest first.
 */
export function tagLine(add: readonly string[], remove: readonly string[]): string | undefined {
  const parts = [...add.map((t) => `+${t}`), ...remove.map((t) => `-${t}`)];
  return parts.length > 0 ? `[twofa-desk tags ${parts.join(' ')}]` : undefined;
}

/** The bot's tag changes in one of its own entries. */
export function botTagChanges(body: string): { added: string[]; removed: string[] } {
  const m = TAG_LINE.exec(body);
  const parts = (m?.[1] ?? '').trim().split(' ').filter(Boolean);
  return { added: parts.filter((p) => p.startsWith('+')).map((p) => p.slice(1).toLowerCase()), removed: parts.filter((p) => p.startsWith('-')).map((p) => p.slice(1).toLowerCase()) };
}

/** The hashtags of an agent's entry, lower case, each once. */
export function hashtags(body: string): string[] {
  return [...new Set([...body.matchAll(HASHTAG)].map((m) => (m[1] ?? '').toLowerCase()).filter(Boolean))];
}

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
