import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { TwoFactorPlatform } from '../../integrations/twofa/platform.js';
import type { Env } from '../config.js';
import type { PlatformLease } from '../effects/effect-executor.js';
import { buildPlatform } from '../adapters/platforms.js';
import type { TenantConfig, TenantSet } from './tenant-config.js';

/** How long a replaced platform stays open for the calls already made through it (a reload never cuts one off). */
const RETIRE_AFTER_MS = 60_000;
/** When a tenant's calls are all in flight, the next effect is tried again after about this long (jittered). */
const BUSY_RETRY_MS = 400;
/**
 * How long the effects waiting for a tenant's turn wait without any of its calls finishing before they step aside as
 * delayed retries: while the platform answers (calls finish), a burst of one customer's tickets queues here in order;
 * a hanging platform finishes none, and its effects then leave the worker slots the other customers' tickets need.
 */
const NO_PROGRESS_MS = 250;
/** Effects that may wait in this process per tenant, per call it may have in flight (more step aside at once). */
const WAITING_PER_CALL = 2;

/** The ticket's tenant is not in the tenants file any more (removed since the ticket began): an agent finishes it. */
export class TenantNotConfigured extends Error {
  override readonly name = 'TenantNotConfigured';
  readonly retryable = false;
  readonly reason: string;
  constructor(readonly tenant: string) {
    super(`tenant ${tenant} is not configured`);
    this.reason = `the ticket belongs to tenant '${tenant}', which is no longer in TENANTS_FILE: put it back (and reload), or finish the ticket by hand`;
  }
}

/**
 * All of a tenant's platform calls are in flight (its `concurrency`): the effect waits its turn outside the worker,
 * as a delayed retry that does not count as a failed attempt, so a slow or hanging platform of one customer never
 * holds the worker slots the others' tickets need.
 */
export class TenantBusy extends Error {
  override readonly name = 'TenantBusy';
  readonly retryable = true;
  readonly retryAfterMs: number;
  readonly reason: string;
  constructor(tenant: string, limit: number | 'starting') {
    super(limit === 'starting' ? `tenant ${tenant}'s platform is being built` : `tenant ${tenant} has ${limit} platform calls in flight`);
    this.retryAfterMs = Math.round(BUSY_RETRY_MS * (0.5 + Math.random()));
    this.reason =
      limit === 'starting'
        ? `tenant '${tenant}' was just added to TENANTS_FILE and its platform is being built: tried again shortly`
        : `tenant '${tenant}' has ${limit} platform calls in flight (its concurrency): tried again shortly`;
  }
}

interface Entry {
  tenant: TenantConfig;
  platform: TwoFactorPlatform;
  inFlight: number;
  /** effects waiting for a call to finish, oldest first: `go` gives one the place, `giveUp` sends it away */
  waiting: Array<{ go: () => void; giveUp: () => void }>;
  /** sends the waiters away when no call finished for NO_PROGRESS_MS */
  stall?: ReturnType<typeof setTimeout>;
}

export interface TenantPlatformDeps {
  redis: Redis;
  env: Env;
  log: Logger;
}

/**
 * One 2FA platform per tenant, each with its own Redis key space (`<prefix>:tenant:<id>`: the embedded platform's
 * users, the guards' budgets and circuit breakers) and its own limit of calls in flight: one customer's outage, rate
 * limit or slow platform never slows another's tickets, and a user can only be found, changed or resynced through
 * the platform of the ticket's own tenant. `update` follows a reload of the tenants file without dropping work.
 */
export class TenantPlatforms {
  private readonly entries = new Map<string, Entry>();
  private readonly retiring = new Set<ReturnType<typeof setTimeout>>();
  /** the tenants of the newest set given to `update`, whose platforms may still be being built */
  private expected = new Set<string>();

  private constructor(private readonly deps: TenantPlatformDeps) {}

  static async build(set: TenantSet, deps: TenantPlatformDeps): Promise<TenantPlatforms> {
    const pool = new TenantPlatforms(deps);
    await pool.update(set);
    return pool;
  }

  /**
   * The tenant's platform for one effect, within the tenant's limit: release it when the effect is done. With every
   * call in flight it waits its turn for a moment (WAIT_FOR_TURN_MS), then throws TenantBusy (a delayed retry).
   */
  async lease(tenant: string): Promise<PlatformLease> {
    const entry = this.entries.get(tenant);
    if (!entry) throw this.expected.has(tenant) ? new TenantBusy(tenant, 'starting') : new TenantNotConfigured(tenant);
    const limit = entry.tenant.concurrency;
    if (entry.inFlight >= limit) {
      if (entry.waiting.length >= limit * WAITING_PER_CALL) throw new TenantBusy(tenant, limit);
      const turn = await new Promise<boolean>((resolve) => {
        entry.waiting.push({ go: () => resolve(true), giveUp: () => resolve(false) });
        this.watchProgress(entry);
      });
      if (!turn) throw new TenantBusy(tenant, limit);
    } else {
      entry.inFlight++;
    }
    // a woken waiter inherits the released call's place: inFlight already counts it
    let released = false;
    return {
      platform: entry.platform,
      // the resync counters of two tenants on the same kind of platform never meet
      scope: `${entry.platform.name}@${tenant}`,
      release: () => {
        if (released) return;
        released = true;
        const next = entry.waiting.shift();
        if (next) next.go();
        else entry.inFlight--;
        // a call finished: the platform answers, the waiters wait on
        if (entry.stall) clearTimeout(entry.stall);
        entry.stall = undefined;
        if (entry.waiting.length > 0) this.watchProgress(entry);
      },
    };
  }

  /** Sends the tenant's waiters away if none of its calls finishes within NO_PROGRESS_MS. */
  private watchProgress(entry: Entry): void {
    if (entry.stall) return;
    entry.stall = setTimeout(() => {
      entry.stall = undefined;
      for (const w of entry.waiting.splice(0)) w.giveUp();
    }, NO_PROGRESS_MS);
    entry.stall.unref();
  }

  /** the platform's name for a tenant's tickets (SLA records, metrics), when the tenant is configured */
  nameOf(tenant: string): string | undefined {
    return this.entries.get(tenant)?.platform.name;
  }

  platformOf(tenant: string): TwoFactorPlatform | undefined {
    return this.entries.get(tenant)?.platform;
  }

  /**
   * Follows a new tenants file: builds the platforms of new tenants and of those whose platform settings changed,
   * drops the platforms of removed tenants; a replaced platform is closed a minute later, once the calls made
   * through it are done. A platform that cannot be built stops the update with its error, the running set intact.
   */
  async update(set: TenantSet): Promise<void> {
    this.expected = new Set(set.byId.keys());
    const built = new Map<string, TwoFactorPlatform>();
    try {
      for (const tenant of set.tenants) {
        const current = this.entries.get(tenant.id);
        if (current && current.tenant.platformDigest === tenant.platformDigest) continue;
        built.set(tenant.id, await this.platformFor(tenant));
      }
    } catch (err) {
      await Promise.all([...built.values()].map((p) => p.close?.()));
      throw err;
    }
    const replaced: TwoFactorPlatform[] = [];
    for (const [id, entry] of this.entries) if (!set.byId.has(id) || built.has(id)) replaced.push(entry.platform);
    for (const id of [...this.entries.keys()]) if (!set.byId.has(id)) this.entries.delete(id);
    for (const tenant of set.tenants) {
      const fresh = built.get(tenant.id);
      const current = this.entries.get(tenant.id);
      if (fresh) this.entries.set(tenant.id, { tenant, platform: fresh, inFlight: 0, waiting: [] });
      else if (current) current.tenant = tenant; // its policy, rules or limit changed; the platform stays
    }
    if (replaced.length > 0) this.retire(replaced);
  }

  async close(): Promise<void> {
    for (const t of this.retiring) clearTimeout(t);
    this.retiring.clear();
    await Promise.all([...this.entries.values()].map((e) => e.platform.close?.()));
    this.entries.clear();
  }

  private platformFor(tenant: TenantConfig): Promise<TwoFactorPlatform> {
    const { redis, env } = this.deps;
    return buildPlatform({ kind: tenant.platform.kind, settings: tenant.platform.settings, prefix: `${env.REDIS_PREFIX}:tenant:${tenant.id}` }, { redis, env });
  }

  private retire(platforms: TwoFactorPlatform[]): void {
    const timer = setTimeout(() => {
      this.retiring.delete(timer);
      for (const p of platforms) {
        p.close?.().catch((err: Error) => this.deps.log.warn({ error: err.name, reason: err.message }, 'replaced tenant platform did not close cleanly'));
      }
    }, RETIRE_AFTER_MS);
    timer.unref();
    this.retiring.add(timer);
  }
}
