import type { Tenancy } from '../drain/event-processor.js';
import { routeTicket } from './route.js';
import type { TenantSet } from './tenant-config.js';

/** The event processor's view of the tenants in force (read at each use: a reload takes effect on the next ticket). */
export function tenancyOf(registry: { readonly current: TenantSet }): Tenancy {
  return {
    route(ticket) {
      const routed = routeTicket(ticket, registry.current);
      return routed.kind === 'tenant' ? { tenant: routed.tenant.id, policy: routed.tenant.policy } : { refused: routed.reason };
    },
    policyOf: (tenant) => registry.current.byId.get(tenant)?.policy,
  };
}
