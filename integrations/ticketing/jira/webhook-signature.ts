import { hmacSha256, signatureMatches } from '../../shared/hmac-signature.js';

/**
 * Admin webhooks saved with a secret: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>` (the WebSub
 * method; developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks).
 */
export const HUB_SIGNATURE_HEADER = 'x-hub-signature';
/** An Automation rule's "Send web request" cannot sign: it sends the secret itself in this header (README). */
export const AUTOMATION_SECRET_HEADER = 'x-twofa-desk-secret';

/** The method and the hex digits are compared without case: either case names the same bytes. */
export function hubSignatureMatches(secret: string, rawBody: Buffer, header: string): boolean {
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  return m?.[1] !== undefined && signatureMatches(hmacSha256(secret, 'hex', rawBody), m[1].toLowerCase());
}
