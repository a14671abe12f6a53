import { hmacSha256, signatureMatches } from '../../shared/hmac-signature.js';

export const SIGNATURE_HEADER = 'x-desk-webhook-signature';
export const TIMESTAMP_HEADER = 'x-desk-webhook-timestamp';
export const DELIVERY_HEADER = 'x-desk-delivery-id';

/** base64(HMAC-SHA256(secret, timestamp + rawBody)), as Zendesk signs: the timestamp is signed so it cannot be replaced. */
export function signDeskWebhook(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return hmacSha256(secret, 'base64', timestamp, rawBody);
}

export function deskSignatureMatches(secret: string, timestamp: string, rawBody: Buffer, signature: string): boolean {
  return signatureMatches(signDeskWebhook(secret, timestamp, rawBody), signature);
}
