import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header the README's Business Rule sets (the issue fixes its name). */
export const SIGNATURE_HEADER = 'x-servicenow-signature';

/**
 * base64(HMAC-SHA256(secret, raw body)): what GlideCertificateEncryption.generateMac(base64(secret), 'HmacSHA256',
 * body) returns in the Business Rule (the key is given base64-encoded there; the MAC is over the secret's bytes).
 */
export function signServiceNowNotification(secret: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

/** Constant-time, so a sender cannot guess the signature a byte at a time. */
export function serviceNowSignatureMatches(secret: string, rawBody: Buffer, signature: string): boolean {
  const expected = Buffer.from(signServiceNowNotification(secret, rawBody), 'utf8');
  const given = Buffer.from(signature.trim(), 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
