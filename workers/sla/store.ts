import type { Redis } from 'ioredis';
import { SlaRecordSchema, type SlaRecord } from './record.js';

const DAY_MS = 86_400_000;
const RANGE_BATCH = 500;
const TRIM_EVERY_MS = 60_000;

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
 */
export class SlaStore {
  /** the close time of the record whose save last trimmed */
  private lastTrimAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly retentionDays = 90,
  ) {}

  private indexKey(): string { return `${this.prefix}:sla:index`; }
  private recKey(member: string): string { return `${this.prefix}:sla:rec:${member}`; }

  async save(rec: SlaRecord): Promise<void> {
    const member = `${rec.system}:${rec.ticketId}:${rec.round}`;
    await this.redis.multi().set(this.recKey(member), JSON.stringify(rec)).zadd(this.indexKey(), rec.closedAt, member).exec();
    if (rec.closedAt - this.lastTrimAt < TRIM_EVERY_MS) return;
    this.lastTrimAt = rec.closedAt;
    await this.trim(rec.closedAt);
  }

  async trim(now: number): Promise<number> {
    const cutoff = now - this.retentionDays * DAY_MS;
    const old = await this.redis.zrangebyscore(this.indexKey(), '-inf', `(${cutoff}`);
    if (old.length === 0) return 0;
    await this.redis.multi().del(...old.map((m) => this.recKey(m))).zrem(this.indexKey(), ...old).exec();
    return old.length;
  }

  /** Records closed in [from, to] (ms, inclusive), oldest first; a record that no longer parses is skipped. */
  async range(from: number, to: number): Promise<SlaRecord[]> {
    const members = await this.redis.zrangebyscore(this.indexKey(), from, to);
    const out: SlaRecord[] = [];
    // MGET in slices: a quarter's records must not become one huge reply.
    for (let i = 0; i < members.length; i += RANGE_BATCH) {
      const raw = await this.redis.mget(...members.slice(i, i + RANGE_BATCH).map((m) => this.recKey(m)));
      for (const r of raw) {
        if (r === null) continue;
        const parsed = SlaRecordSchema.safeParse(safeJson(r));
        if (parsed.success) out.push(parsed.data);
      }
    }
    return out;
  }
}
