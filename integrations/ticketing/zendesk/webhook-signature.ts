import { createHmac, timingSafeEqual } from 'node:crypto';

/** developer.zendesk.com/documentation/webhooks/verifying */
export const SIGNATURE_HEADER = 'x-zendesk-webhook-signature';
export const TIMESTAMP_HEADER = 'x-zendesk-webhook-signature-timestamp';

/** base64(HMAC-SHA256(secret, timestamp + rawBody)), no separator, over the raw body. */
export function signZendeskWebhook(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(timestamp).update(rawBody).digest('base64');
}

/** Constant-time, so a sender cannot guess the signature a byte at a time. */
export function zendeskSignatureMatches(secret: string, timestamp: string, rawBody: Buffer, signature: string): boolean {
  const expected = Buffer.from(signZendeskWebhook(secret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The timestamp header: an ISO 8601 time (as Zendesk sends it), or seconds (or ms) since the epoch. */
export function parseSignatureTimestamp(value: string): number | undefined {
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    return n < 1e12 ? n * 1000 : n;
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}
