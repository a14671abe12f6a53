import type { Policy } from '../../workflows/resync/index.js';

export const PLATFORM_KINDS = ['local', 'privacyidea', 'safenet-sta'] as const;
export type PlatformKind = (typeof PLATFORM_KINDS)[number];

/** One customer of the deployment, as TENANTS_FILE describes it once validated and resolved. */
export interface TenantConfig {
  /** `^[a-z0-9][a-z0-9_-]{0,39}$`: safe in Redis keys, metric labels and URLs */
  id: string;
  name: string;
  /** what routes a ticket here; every value is in at most one tenant (overlaps are refused at load) */
  match: {
    organizations: string[];
    /** lower case, without `@` */
    emailDomains: string[];
    /** lower case */
    tags: string[];
  };
  platform: {
    kind: PlatformKind;
    /** the adapter's own variables (PRIVACYIDEA_*, STA_*, TWOFA_LOCAL_*), references resolved: secrets, never log */
    settings: Record<string, string>;
  };
  /** the global policy deep-merged with this tenant's overrides */
  policy: Policy;
  /** platform calls in flight for this tenant at most */
  concurrency: number;
  /** changes when anything of this tenant changes (within one process: keyed, see digest.ts) */
  digest: string;
  /** changes when the platform's kind or a resolved setting changes: its platform must be rebuilt */
  platformDigest: string;
}

export interface TenantSet {
  /** in the file's order */
  tenants: readonly TenantConfig[];
  byId: ReadonlyMap<string, TenantConfig>;
  /** changes when the file's meaning changes (order, comments and formatting do not count) */
  digest: string;
}

/** Whether a reload may keep the tenant's platform: same kind, same resolved settings. */
export function samePlatform(a: TenantConfig, b: TenantConfig): boolean {
  return a.platformDigest === b.platformDigest;
}
