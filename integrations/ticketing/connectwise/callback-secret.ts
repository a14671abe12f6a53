/** The query parameter of the callback URL that carries CONNECTWISE_CALLBACK_SECRET: …/webhooks/connectwise?secret=… */
export const SECRET_PARAM = 'secret';

/** The secret in a request URL as the intake received it (path and query), or undefined. */
export function callbackSecretOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const value = new URL(url, 'http://intake.invalid').searchParams.get(SECRET_PARAM);
  return value === null || value === '' ? undefined : value;
}

/** The callback URL to register in /system/callbacks for an intake at `intakeUrl` (shown by `connectwise check`, never logged). */
export function callbackUrl(intakeUrl: string, secret: string): string {
  return `${intakeUrl.replace(/\/+$/, '')}/webhooks/connectwise?${SECRET_PARAM}=${encodeURIComponent(secret)}`;
}
