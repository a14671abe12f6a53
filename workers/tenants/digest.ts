import { createHmac, randomBytes } from 'node:crypto';

/**
 * Keyed per process: a digest covers resolved secrets (a rotated password file must rebuild the tenant's platform),
 * and a plain hash of them, once logged, would let anyone test guesses of a weak password offline. Digests are
 * therefore comparable within one process only, which is where reloads compare them.
 */
const KEY = randomBytes(32);

/** JSON with object keys sorted, so the digest follows the meaning, not the order keys were written in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function digestOf(value: unknown): string {
  return createHmac('sha256', KEY).update(canonical(value)).digest('hex').slice(0, 32);
}
