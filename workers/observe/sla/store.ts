import type { Redis } from 'ioredis';
import { luaScript } from '../../../integrations/shared/lua-script.js';
import { SlaRecordSchema, type SlaRecord } from './record.js';
import { TENANT_ID } from './tenant-filter.js';

const DAY_MS = 86_400_000;
const RANGE_BATCH = 500;
const TRIM_EVERY_MS = 60_000;

const SAVE = luaScript('lua/save-record.lua', import.meta.url);
const TRIM_TENANT = luaScript('lua/trim-tenant-index.lua', import.meta.url);

interface SaveCommands {
  tdSlaSave(...args: (string | number)[]): Promise<unknown>;
  tdSlaTrimTenant(...args: (string | number)[]): Promise<unknown>;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Durable SLA records: `<prefix>:sla:index` (sorted set, score = closedAt, member = `<system>:<id>:<round>`)
 * and `<prefix>:sla:rec:<member>` (JSON). Records older than `retentionDays` are trimmed by a save, at most once a
 * minute per process (by the records' close times): a burst of tickets ending does not scan the index for each.
 *
 * A record with a tenant is also in `<prefix>:sla:tenant:<id>` (same scores and members), and the tenant in
 * `<prefix>:sla:tenants`: a report for one of 50 tenants reads that tenant's records, not everyone's. Both are
 * trimmed with the main index, and a tenant leaves the set with its last record: every key stays bounded by
 * retention and by the configured tenants.
 */
export class SlaStore {
  /** the close time of the record whose save last trimmed */
  private lastTrimAt = Number.NEGATIVE_INFINITY;

  private readonly r: Redis & SaveCommands;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly retentionDays = 90,
  ) {
    const r = redis as Redis & Partial<SaveCommands>;
    if (!r.tdSlaSave) redis.defineCommand('tdSlaSave', { numberOfKeys: 4, lua: SAVE.lua });
    if (!r.tdSlaTrimTenant) redis.defineCommand('tdSlaTrimTenant', { numberOfKeys: 2, lua: TRIM_TENANT.lua });
    this.r = redis as Redis & SaveCommands;
  }

  private indexKey(): string { return `${this.prefix}:sla:index`; }
  private recKey(member: string): string { return `${this.prefix}:sla:rec:${member}`; }
  private tenantKey(tenant: string): string { return `${this.prefix}:sla:tenant:${tenant}`; }
  private tenantsKey(): string { return `${this.prefix}:sla:tenants`; }

  async save(rec: SlaRecord): Promise<void> {
    const member = `${rec.system}:${rec.ticketId}:${rec.round}`;
    // Only an id the tenants file could hold gets a key of its own (the workflow's field is looser).
    const tenant = rec.tenant !== undefined && TENANT_ID.test(rec.tenant) ? rec.tenant : '';
    await this.r.tdSlaSave(
      this.recKey(member), this.indexKey(), tenant ? this.tenantKey(tenant) : this.indexKey(), this.tenantsKey(),
      JSON.stringify(rec), rec.closedAt, member, rec.asOf ?? '', tenant,
    );
    if (rec.closedAt - this.lastTrimAt < TRIM_EVERY_MS) return;
    this.lastTrimAt = rec.closedAt;
    await this.trim(rec.closedAt);
  }

  async trim(now: number): Promise<number> {
    const cutoff = now - this.retentionDays * DAY_MS;
    const old = await this.redis.zrangebyscore(this.indexKey(), '-inf', `(${cutoff}`);
    await Promise.all((await this.tenants()).map((t) => this.r.tdSlaTrimTenant(this.tenantKey(t), this.tenantsKey(), cutoff, t)));
    if (old.length === 0) return 0;
    await this.redis.multi().del(...old.map((m) => this.recKey(m))).zrem(this.indexKey(), ...old).exec();
    return old.length;
  }

  /** The tenants with records kept, sorted. */
  async tenants(): Promise<string[]> {
    return (await this.redis.smembers(this.tenantsKey())).sort();
  }

  /**
   * Records closed in [from, to] (ms, inclusive), oldest first, of one tenant when `tenant` is given; a record
   * that no longer parses is skipped.
   */
  async range(from: number, to: number, tenant?: string): Promise<SlaRecord[]> {
    const members = await this.redis.zrangebyscore(tenant === undefined ? this.indexKey() : this.tenantKey(tenant), from, to);
    const out: SlaRecord[] = [];
    // MGET in slices: a quarter's records must not become one huge reply.
    for (let i = 0; i < members.length; i += RANGE_BATCH) {
      const raw = await this.redis.mget(...members.slice(i, i + RANGE_BATCH).map((m) => this.recKey(m)));
      for (const r of raw) {
        if (r === null) continue;
        const parsed = SlaRecordSchema.safeParse(safeJson(r));
        if (parsed.success && (tenant === undefined || parsed.data.tenant === tenant)) out.push(parsed.data);
      }
    }
    return out;
  }
}
