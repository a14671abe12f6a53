import { createHash } from 'node:crypto';

/** Which of a step's comments a marker names: Zendesk takes one comment per update, so a step may post two. */
export type CommentPart = 'reply' | 'note';

const MARKER = /\[twofa-desk ref [0-9a-f]{16}\]/;

/**
 * The footer the bot puts under every comment it writes: a short hash of the effect's idempotency key and the
 * part, visible as plain text (Zendesk keeps a comment's `body` as written; HTML comments would be stripped).
 * It lets a retry after an unknown outcome find what the first try posted, and tells the bot's comments apart
 * from a person who happens to use the same API user.
 */
export function commentMarker(idempotencyKey: string, part: CommentPart): string {
  return `[twofa-desk ref ${createHash('sha256').update(`${idempotencyKey}\n${part}`).digest('hex').slice(0, 16)}]`;
}

export function withMarker(body: string, idempotencyKey: string, part: CommentPart): string {
  return `${body.trimEnd()}\n\n${commentMarker(idempotencyKey, part)}`;
}

export function hasMarker(body: string): boolean {
  return MARKER.test(body);
}
