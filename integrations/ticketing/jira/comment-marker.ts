import * as marker from '../comment-marker.js';

export { hasMarker, markersIn, roundFields, roundMarkIn, type CommentPart } from '../comment-marker.js';

/**
 * The shared marker (../comment-marker.ts) in parentheses: a servicedeskapi comment body is Jira wiki markup, where
 * `[…]` is a link.
 */
export function commentMarker(idempotencyKey: string, part: marker.CommentPart): string {
  return marker.commentMarker(idempotencyKey, part, 'parentheses');
}

/** The bot's comment with its marker; `ends`: the update tells how a round ended (else it is written mid-round). */
export function withMarker(body: string, idempotencyKey: string, part: marker.CommentPart, ends: boolean | undefined): string {
  return marker.withMarker(body, idempotencyKey, part, { round: ends === true ? 'end' : 'mid', style: 'parentheses' });
}
