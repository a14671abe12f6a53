import { createHash, timingSafeEqual } from 'node:crypto';

/** The query parameter of the callback URL that carries CONNECTWISE_CALLBACK_SECRET: …/webhooks/connectwise?secret=… */
export const SECRET_PARAM = 'secret';

/** The secret in a request URL as the intake received it (path and query), or undefined. */
export function callbackSecretOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const value = new URL(url, 'http://intake.invalid').searchParams.get(SECRET_PARAM);
  return value === null || value === '' ? undefined : value;
}

/** Constant-time on digests of equal length, so neither the secret's bytes nor its length leak through timing. */
export function callbackSecretMatches(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(given, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The callback URL to register in /system/callbacks for an intake at `intakeUrl` (shown by `connectwise check`, never logged). */
export function callbackUrl(intakeUrl: string, secret: string): string {
  return `${intakeUrl.replace(/\/+$/, '')}/webhooks/connectwise?${SECRET_PARAM}=${encodeURIComponent(secret)}`;
}
