import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers the Scrip (README.md, "The Scrip") sends with its notification. */
export const SIGNATURE_HEADER = 'x-twofa-rt-signature';
export const TIMESTAMP_HEADER = 'x-twofa-rt-timestamp';

/** `sha256=` + hex(HMAC-SHA256(secret, timestamp + "." + rawBody)): what the Scrip's Digest::SHA::hmac_sha256_hex makes. */
export function signRtNotification(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

/** Constant-time, so a sender cannot guess the signature a byte at a time. */
export function rtSignatureMatches(secret: string, timestamp: string, rawBody: Buffer, signature: string): boolean {
  const expected = Buffer.from(signRtNotification(secret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature.trim().toLowerCase(), 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The timestamp header: seconds since the epoch (Perl's time()). */
export function parseRtTimestamp(value: string): number | undefined {
  return /^\d{9,11}$/.test(value) ? Number(value) * 1000 : undefined;
}
