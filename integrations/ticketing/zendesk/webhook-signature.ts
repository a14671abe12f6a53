import { hmacSha256, signatureMatches } from '../../shared/hmac-signature.js';

/** developer.zendesk.com/documentation/webhooks/verifying */
export const SIGNATURE_HEADER = 'x-zendesk-webhook-signature';
export const TIMESTAMP_HEADER = 'x-zendesk-webhook-signature-timestamp';

/** base64(HMAC-SHA256(secret, timestamp + rawBody)), no separator, over the raw body. */
export function signZendeskWebhook(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return hmacSha256(secret, 'base64', timestamp, rawBody);
}

export function zendeskSignatureMatches(secret: string, timestamp: string, rawBody: Buffer, signature: string): boolean {
  return signatureMatches(signZendeskWebhook(secret, timestamp, rawBody), signature);
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
