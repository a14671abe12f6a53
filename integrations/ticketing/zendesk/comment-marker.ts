/** Zendesk keeps a comment's `body` as written: the bot's markers are the shared bracket form. */
export { commentMarker, hasMarker, markersIn, roundFields, roundMarkIn, withMarker, type CommentPart } from '../comment-marker.js';
