import { type Mode, type Policy, strictestMode } from '../../workflows/resync/index.js';
import type { Tenants } from './tenant-wiring.js';

/**
 * The mode the deployment configures for a ticket, read when the ticket's own state is gone (docs/modes.md, defence
 * in depth): its tenant's policy mode (the global policy's for a tenant no longer configured), or, for an effect
 * that names no tenant (ticket updates never do), the strictest of the global policy's and every tenant's, since the
 * ticket may be any of theirs. Read from the tenants in force, so a reloaded TENANTS_FILE counts at once.
 */
export function configuredMode(policy: Policy, tenants: Tenants | undefined): (tenant: string | undefined) => Mode {
  return (tenant) => {
    const current = tenants?.registry.current;
    if (tenant !== undefined) return (current?.byId.get(tenant)?.policy ?? policy).mode;
    return strictestMode([policy.mode, ...(current?.tenants ?? []).map((t) => t.policy.mode)]);
  };
}
