import { secretMatches } from '../../shared/hmac-signature.js';

/**
 * Halo's webhook "Authentication" option (Configuration > Integrations > Webhooks): Basic Authentication with a user
 * name and password, sent as `Authorization: Basic base64(user:password)`; HALO_WEBHOOK_SECRET is the password.
 * Halo signs no body, so a delivery is only ever a notification: the adapter reads the ticket back from the API.
 */
export function basicAuthorization(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`, 'utf8').toString('base64')}`;
}

/** Over the whole header, as a secret: neither its length nor its first differing byte shows in the time taken. */
export function authorizationMatches(expected: string, given: string): boolean {
  return secretMatches(expected, given.trim());
}
