import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-desk-webhook-signature';
export const TIMESTAMP_HEADER = 'x-desk-webhook-timestamp';
export const DELIVERY_HEADER = 'x-desk-delivery-id';

/** base64(HMAC-SHA256(secret, timestamp + rawBody)), as Zendesk signs: the timestamp is signed so it cannot be replaced. */
export function signDeskWebhook(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(timestamp).update(rawBody).digest('base64');
}

/** Constant-time: a byte-by-byte early exit would let a sender guess the signature one byte at a time. */
export function deskSignatureMatches(secret: string, timestamp: string, rawBody: Buffer, signature: string): boolean {
  const expected = Buffer.from(signDeskWebhook(secret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
