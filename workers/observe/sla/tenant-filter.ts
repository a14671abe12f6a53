import { TENANT_ID } from '../../tenants/tenants-file-schema.js';

/**
 * The `tenant` filter of `/sla/summary`, `/sla/open`, the dashboard and `twofa-desk report`. Pure.
 */

export { TENANT_ID };

/**
 * The breakdown key of records without a tenant (single-platform records, or tickets no tenant matched, which
 * escalate): not a valid tenant id, so it never collides with one.
 */

export const NO_TENANT = '(none)';

/** A tenant filter that is ill-formed or names no tenant this deployment knows; `reason` says what to send. */
export class BadTenant extends Error {
  override readonly name = 'BadTenant';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * The tenant a query asks for, or undefined without one. `known`: the configured tenants and those with SLA
 * records kept (a tenant removed from the file still has its past records).
 */
export function parseTenantFilter(value: unknown, known: ReadonlySet<string>): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !TENANT_ID.test(value)) {
    throw new BadTenant('tenant: a tenant id (lower-case letters, digits, - and _, at most 40 characters, e.g. acme-eu)');
  }
  if (!known.has(value)) {
    const list = [...known].sort();
    throw new BadTenant(
      list.length === 0 ? `tenant: no tenant ${value} (this deployment has no tenants)` : `tenant: no tenant ${value}; known: ${list.slice(0, 20).join(', ')}${list.length > 20 ? ' …' : ''}`,
    );
  }
  return value;
}
