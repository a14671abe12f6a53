import { hmacSha256, signatureMatches } from '../../shared/hmac-signature.js';

/** The header the README's Business Rule sets (the issue fixes its name). */
export const SIGNATURE_HEADER = 'x-servicenow-signature';

/**
 * base64(HMAC-SHA256(secret, raw body)): what GlideCertificateEncryption.generateMac(base64(secret), 'HmacSHA256',
 * body) returns in the Business Rule (the key is given base64-encoded there; the MAC is over the secret's bytes).
 */
export function signServiceNowNotification(secret: string, rawBody: Buffer | string): string {
  return hmacSha256(secret, 'base64', rawBody);
}

export function serviceNowSignatureMatches(secret: string, rawBody: Buffer, signature: string): boolean {
  return signatureMatches(signServiceNowNotification(secret, rawBody), signature.trim());
}
