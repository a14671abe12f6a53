import { hmacSha256, signatureMatches } from '../../shared/hmac-signature.js';

/** Headers the Scrip (README.md, "The Scrip") sends with its notification. */
export const SIGNATURE_HEADER = 'x-twofa-rt-signature';
export const TIMESTAMP_HEADER = 'x-twofa-rt-timestamp';

/** `sha256=` + hex(HMAC-SHA256(secret, timestamp + "." + rawBody)): what the Scrip's Digest::SHA::hmac_sha256_hex makes. */
export function signRtNotification(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return `sha256=${hmacSha256(secret, 'hex', `${timestamp}.`, rawBody)}`;
}

export function rtSignatureMatches(secret: string, timestamp: string, rawBody: Buffer, signature: string): boolean {
  return signatureMatches(signRtNotification(secret, timestamp, rawBody), signature.trim().toLowerCase());
}

/** The timestamp header: seconds since the epoch (Perl's time()). */
export function parseRtTimestamp(value: string): number | undefined {
  return /^\d{9,11}$/.test(value) ? Number(value) * 1000 : undefined;
}
