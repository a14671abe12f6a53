import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Admin webhooks saved with a secret: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>` (the WebSub
 * method; developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks).
 */
export const HUB_SIGNATURE_HEADER = 'x-hub-signature';
/** An Automation rule's "Send web request" cannot sign: it sends the secret itself in this header (README). */
export const AUTOMATION_SECRET_HEADER = 'x-twofa-desk-secret';

export function signAsJira(secret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** Constant-time, so a sender cannot guess the signature a byte at a time. The method is compared without case. */
export function hubSignatureMatches(secret: string, rawBody: Buffer, header: string): boolean {
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!m?.[1]) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(m[1], 'hex');
  return given.length === expected.length && timingSafeEqual(expected, given);
}

/** Constant-time comparison of the secret an Automation rule sends. */
export function automationSecretMatches(secret: string, given: string): boolean {
  const a = Buffer.from(secret, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
