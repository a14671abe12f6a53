/**
 * The bot's footer marker on RT is the shared one (integrations/ticketing/comment-marker.ts): `[twofa-desk ref <hash>
 * mid|end]` under every message, for idempotent retries, for telling the bot's messages from a person using its RT
 * user, and for where in a round it was written. Re-exported here for the RT adapter's tests and helpers.
 */
export { commentMarker, hasMarker, markersIn, roundFields, roundMarkIn, withMarker, type CommentPart } from '../comment-marker.js';
