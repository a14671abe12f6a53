import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { TwoFactorPlatform } from '../../integrations/twofa/platform.js';
import type { Policy } from '../../workflows/resync/index.js';
import type { Config } from '../config.js';
import { TenantPlatforms } from '../tenants/platform-pool.js';
import { TenantRegistry } from '../tenants/registry.js';

export interface Tenants {
  registry: TenantRegistry;
  platforms: TenantPlatforms;
}

/**
 * The tenants file and one platform per tenant; a valid new file (edited, or SIGHUP) rebuilds the platforms whose
 * settings changed. A platform that cannot be built on a reload is logged with its tenant and cause: a changed tenant
 * keeps its running platform, a new one's tickets go to an agent (TenantPlatformFailed) until a reload builds it.
 */
export async function startTenants(path: string, config: Config, source: NodeJS.ProcessEnv, redis: Redis, log: Logger): Promise<Tenants> {
  const registry = new TenantRegistry({ path, basePolicy: config.policy, env: source, log });
  const platforms = await TenantPlatforms.build(registry.current, { redis, env: config.env, log });
  registry.onChange(async (next) => {
    try {
      await platforms.update(next);
    } catch (err) {
      log.error({ variable: 'TENANTS_FILE', error: (err as Error).name, reason: (err as { reason?: string }).reason ?? (err as Error).message }, 'a tenant platform could not be built after the reload');
    }
  });
  log.info({ tenants: registry.current.tenants.map((t) => t.id) }, 'tenants loaded');
  return { registry, platforms };
}

/** What the observing parts ask of a ticket's tenant, answered from the current tenants file (or the one platform). */
export interface TenantLookups {
  knownTenants(): ReadonlySet<string>;
  /** the policy of a ticket's tenant (its SLA targets), or the global one */
  policyOf(tenant: string | undefined): Policy;
  platformNameOf(tenant: string | undefined): string;
}

export function tenantLookups(tenants: Tenants | undefined, policy: Policy, platform: TwoFactorPlatform): TenantLookups {
  return {
    knownTenants: () => new Set(tenants?.registry.current.byId.keys() ?? []),
    policyOf: (tenant) => (tenant !== undefined ? tenants?.registry.current.byId.get(tenant)?.policy : undefined) ?? policy,
    platformNameOf: (tenant) => (tenant !== undefined ? (tenants?.platforms.nameOf(tenant) ?? 'unknown') : platform.name),
  };
}
