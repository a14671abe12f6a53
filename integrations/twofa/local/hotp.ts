import { createHmac } from 'node:crypto';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { generateSync, ScureBase32Plugin, verifySync } from 'otplib';

/** RFC 4226 HOTP (SHA-1) for the embedded platform's tokens. Secrets are base32, as in the seed. */

export type HotpDigits = 6 | 8;

// otplib's default crypto is pure JS; node's is several times faster and this runs on every login.
const crypto = new NodeCryptoPlugin();
const base32 = new ScureBase32Plugin();

/** The raw key bytes of a base32 secret; throws when the text is not base32. */
export function decodeSecret(secret: string): Buffer {
  return Buffer.from(base32.decode(secret));
}

export function isCode(code: string, digits: number): boolean {
  return code.length === digits && /^\d+$/.test(code);
}

export function generate(secret: string, counter: number, digits: HotpDigits): string {
  return generateSync({ strategy: 'hotp', secret, counter, digits, crypto, base32 });
}

/**
 * The counter in [counter, counter + lookAhead] whose code is `code`, or null.
 * lookAhead is small (otplib caps it at 99): this is the login check, not the resync search.
 */
export function verify(secret: string, counter: number, code: string, digits: HotpDigits, lookAhead: number): number | null {
  // otplib throws on a malformed token; a typo is a failed login, not an error.
  if (!isCode(code, digits)) return null;
  const result = verifySync({ strategy: 'hotp', secret, counter, token: code, digits, counterTolerance: [0, lookAhead], crypto, base32 });
  return result.valid ? counter + result.delta : null;
}

/** Writes a counter as the 8-byte big-endian message of RFC 4226 §5.2 (safe up to 2^53). */
export function writeCounter(target: Buffer, offset: number, counter: number): void {
  target.writeUInt32BE(Math.floor(counter / 0x1_0000_0000), offset);
  target.writeUInt32BE(counter >>> 0, offset + 4);
}

/** RFC 4226 §5.3 dynamic truncation, before the modulo. */
export function truncate(digest: Buffer): number {
  const offset = (digest[digest.length - 1] ?? 0) & 0x0f;
  return digest.readUInt32BE(offset) & 0x7fff_ffff;
}

/**
 * RFC 4226 §7.4 resynchronisation: the counter c in [fromCounter, fromCounter + window) whose code is
 * `code1` while c + 1 gives `code2`, or null. The window can be thousands of counters, so the key is
 * decoded once and each step is one node:crypto HMAC compared as a number (otplib re-validates and
 * re-decodes per call).
 */
export function findConsecutive(
  secret: string,
  fromCounter: number,
  window: number,
  code1: string,
  code2: string,
  digits: HotpDigits,
): number | null {
  if (window <= 0 || !isCode(code1, digits) || !isCode(code2, digits)) return null;
  const key = decodeSecret(secret);
  const want1 = Number(code1);
  const want2 = Number(code2);
  const modulo = 10 ** digits;
  const message = Buffer.alloc(8);
  const end = fromCounter + window;
  let previousMatched = false;
  for (let c = fromCounter; c <= end; c++) {
    writeCounter(message, 0, c);
    const value = truncate(createHmac('sha1', key).update(message).digest()) % modulo;
    if (previousMatched && value === want2) return c - 1;
    previousMatched = c < end && value === want1;
  }
  return null;
}
