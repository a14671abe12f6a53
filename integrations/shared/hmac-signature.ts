import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA256 with `secret` over `parts` in order (a timestamp, a separator, the raw body), as `encoding` text. */
export function hmacSha256(secret: string, encoding: 'hex' | 'base64', ...parts: ReadonlyArray<Buffer | string>): string {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest(encoding);
}

/**
 * Constant-time, so a sender cannot guess a signature a byte at a time. A length that differs fails at once: the
 * length of a signature is no secret.
 */
export function signatureMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * For a secret sent as it is (a password, a query parameter): both sides are hashed first, so neither the secret's
 * length nor its first differing byte shows in the time taken.
 */
export function secretMatches(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(given, 'utf8').digest();
  return timingSafeEqual(a, b);
}
