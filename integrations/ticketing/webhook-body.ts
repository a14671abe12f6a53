import type { WebhookRequest } from './ticket-system.js';

/**
 * The top-level fields of a webhook's JSON body, or undefined when it is not a JSON object. For reading a
 * delivery id out of the signed body before the adapter parses the whole body with its schema.
 */
export function webhookBodyFields(req: WebhookRequest): Record<string, unknown> | undefined {
  try {
    const body: unknown = JSON.parse(req.rawBody.toString('utf8'));
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A delivery id fit for a Redis key: a non-empty string of at most 200 characters. */
export function deliveryIdOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 200 ? value : undefined;
}
