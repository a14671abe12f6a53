/**
 * The workflow's tags kept in a desk's notes: a line of the bot's own note for its changes, agents' hashtags for
 * theirs. Shared by the desks without API-writable tags.
 */

/** The bot's tag changes, as a line of its work note: `[twofa-desk tags +2fa_bot_resolved -2fa_x]`. */
const TAG_LINE = /^\[twofa-desk tags((?: [+-][^\s\]]+)+)\]$/m;
/** An agent's tag: `#2fa_bot_off` in a work note or comment, as a word of its own. */
const HASHTAG = /(?:^|\s)#([a-z0-9][a-z0-9_-]{0,79})(?=$|[\s.,;:!?)])/gi;

/**
 * For desks whose tickets have no tags the API writes in the same update as a comment (ServiceNow incidents,
 * ConnectWise tickets), the workflow's tags live in the notes, where agents see them: the bot writes its tag changes as a line of its work note, agents add a tag
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
