import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { TwoFactorPlatform } from '../../integrations/twofa/platform.js';
import type { Env } from '../config.js';
import type { PlatformLease } from '../effects/effect-executor.js';
import { buildPlatform } from '../adapters/platforms.js';
import type { TenantConfig, TenantSet } from './tenant-config.js';
import { TenantBusy, TenantNotConfigured, TenantPlatformFailed, TenantPlatformsFailed } from './tenant-platform-errors.js';

/** How long a replaced platform stays open for the calls already made through it (a reload never cuts one off). */
const RETIRE_AFTER_MS = 60_000;
/**
 * One tenant holds at most this fraction (1/SLOT_SHARE) of the worker's effect slots (EFFECT_CONCURRENCY), its calls
 * and its waiting effects together: however its platform hangs, the other customers keep the rest.
 */
const SLOT_SHARE = 4;
/**
 * A tenant whose calls are in flight and none of which finished for this long is silent: its effects that would wait
 * for a turn step aside at once instead (delayed, holding no slot). While the platform answers (calls finish), a burst
 * of one customer's tickets waits here in order.
 */
const NO_PROGRESS_MS = 250;
/** Effects that may wait in this process per tenant, per call it may have in flight (within its share of slots). */
const WAITING_PER_CALL = 2;

interface Entry {
  tenant: TenantConfig;
  platform: TwoFactorPlatform;
  inFlight: number;
  /** when a call last finished, or when calls went in flight after none were: silence is measured from here */
  progressAt: number;
  /** effects waiting for a call to finish, oldest first: `go` gives one the place, `giveUp` sends it away */
  waiting: Array<{ go: () => void; giveUp: () => void }>;
  /** sends the waiters away once the tenant is silent for NO_PROGRESS_MS */
  stall?: ReturnType<typeof setTimeout>;
}

export interface TenantPlatformDeps {
  redis: Redis;
  env: Env;
  log: Logger;
}

/**
 * One 2FA platform per tenant, each with its own Redis key space (`<prefix>:tenant:<id>`: the embedded platform's
 * users, the guards' budgets and circuit breakers), its own limit of calls in flight and a bounded share of the
 * worker's effect slots: one customer's outage, rate limit or hanging platform never takes the slots another's
 * tickets need, and a user can only be found, changed or resynced through the platform of the ticket's own tenant.
 * `update` follows a reload of the tenants file without dropping work.
 */
export class TenantPlatforms {
  private readonly entries = new Map<string, Entry>();
  private readonly retiring = new Set<ReturnType<typeof setTimeout>>();
  /** the tenants of the set `update` is building now, whose platforms may not be ready yet */
  private building = new Set<string>();
  /** tenants without a running platform whose platform could not be built, by the newest update */
  private failed = new Map<string, TenantPlatformFailed>();
  /** the worker slots one tenant may hold at most */
  private readonly share: number;

  private constructor(private readonly deps: TenantPlatformDeps) {
    this.share = Math.max(1, Math.floor(deps.env.EFFECT_CONCURRENCY / SLOT_SHARE));
  }

  /** The platforms of a tenants file at start-up: a platform that cannot be built stops the start with its tenant named. */
  static async build(set: TenantSet, deps: TenantPlatformDeps): Promise<TenantPlatforms> {
    const pool = new TenantPlatforms(deps);
    try {
      await pool.update(set);
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /**
   * The tenant's platform for one effect, within the tenant's limit of calls and its share of the worker's slots:
   * release it when the effect is done. With every call in flight it waits its turn while the platform answers;
   * otherwise (its share taken, or the platform silent) it throws TenantBusy at once, a delayed retry.
   */
  async lease(tenant: string): Promise<PlatformLease> {
    const entry = this.entryOf(tenant);
    const calls = Math.min(entry.tenant.concurrency, this.share);
    if (entry.inFlight < calls) {
      if (entry.inFlight === 0) entry.progressAt = Date.now();
      entry.inFlight++;
    } else {
      const silentForMs = Date.now() - entry.progressAt;
      if (silentForMs >= NO_PROGRESS_MS) throw new TenantBusy(tenant, { silentForMs });
      if (entry.inFlight + entry.waiting.length >= this.share || entry.waiting.length >= calls * WAITING_PER_CALL) throw new TenantBusy(tenant, { inFlight: entry.inFlight });
      const turn = await new Promise<boolean>((resolve) => {
        entry.waiting.push({ go: () => resolve(true), giveUp: () => resolve(false) });
        this.watchProgress(entry);
      });
      if (!turn) throw new TenantBusy(tenant, { silentForMs: Date.now() - entry.progressAt });
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
        entry.progressAt = Date.now();
        const next = entry.waiting.shift();
        if (next) next.go();
        else entry.inFlight--;
        if (entry.stall) clearTimeout(entry.stall);
        entry.stall = undefined;
        if (entry.waiting.length > 0) this.watchProgress(entry);
      },
    };
  }

  private entryOf(tenant: string): Entry {
    const entry = this.entries.get(tenant);
    if (entry) return entry;
    const failed = this.failed.get(tenant);
    if (failed) throw failed;
    throw this.building.has(tenant) ? new TenantBusy(tenant, { starting: true }) : new TenantNotConfigured(tenant);
  }

  /** Sends the tenant's waiters away once none of its calls has finished for NO_PROGRESS_MS. */
  private watchProgress(entry: Entry): void {
    if (entry.stall) return;
    entry.stall = setTimeout(
      () => {
        entry.stall = undefined;
        for (const w of entry.waiting.splice(0)) w.giveUp();
      },
      Math.max(0, entry.progressAt + NO_PROGRESS_MS - Date.now()),
    );
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
   * through it are done. A platform that cannot be built leaves its tenant as it was (a changed tenant keeps its
   * running platform; a new one has none, and its tickets go to an agent with the cause: TenantPlatformFailed),
   * while the other tenants' changes take effect; the update then throws TenantPlatformsFailed naming them all.
   */
  async update(set: TenantSet): Promise<void> {
    this.building = new Set(set.byId.keys());
    const built = new Map<string, TwoFactorPlatform>();
    const failed = new Map<string, TenantPlatformFailed>();
    for (const tenant of set.tenants) {
      const current = this.entries.get(tenant.id);
      if (current && current.tenant.platformDigest === tenant.platformDigest) continue;
      try {
        built.set(tenant.id, await this.platformFor(tenant));
      } catch (err) {
        failed.set(tenant.id, new TenantPlatformFailed(tenant.id, causeOf(err)));
      }
    }
    const replaced: TwoFactorPlatform[] = [];
    for (const [id, entry] of this.entries) if (!set.byId.has(id) || built.has(id)) replaced.push(entry.platform);
    for (const id of [...this.entries.keys()]) if (!set.byId.has(id)) this.entries.delete(id);
    for (const tenant of set.tenants) {
      const fresh = built.get(tenant.id);
      const current = this.entries.get(tenant.id);
      if (fresh) this.entries.set(tenant.id, { tenant, platform: fresh, inFlight: 0, progressAt: Date.now(), waiting: [] });
      // its policy, rules or limit changed and the platform stays; after a failed rebuild the entry keeps the old
      // platform's digest, so the next reload tries the new settings again
      else if (current && !failed.has(tenant.id)) current.tenant = tenant;
    }
    this.failed = new Map([...failed].filter(([id]) => !this.entries.has(id)));
    this.building = new Set();
    if (replaced.length > 0) this.retire(replaced);
    if (failed.size > 0) throw new TenantPlatformsFailed([...failed.values()]);
  }

  async close(): Promise<void> {
    for (const t of this.retiring) clearTimeout(t);
    this.retiring.clear();
    await Promise.all([...this.entries.values()].map((e) => e.platform.close?.()));
    this.entries.clear();
  }

  private platformFor(tenant: TenantConfig): Promise<TwoFactorPlatform> {
    const { redis, env, log } = this.deps;
    return buildPlatform({ kind: tenant.platform.kind, settings: tenant.platform.settings, prefix: `${env.REDIS_PREFIX}:tenant:${tenant.id}` }, { redis, log });
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

/** Why a platform could not be built, for an operator: the setting a ConfigError names, or the error's name; never a value. */
function causeOf(err: unknown): string {
  const e = err as { name?: string; variable?: string; reason?: string; message?: string };
  return `${e.variable ?? e.name ?? 'Error'}: ${e.reason ?? e.message ?? String(err)}`;
}
