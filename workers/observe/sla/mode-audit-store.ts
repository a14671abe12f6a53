import type { Redis } from 'ioredis';
import { ModeAuditRecordSchema, type ModeAuditRecord } from './mode-audit.js';

const DAY_MS = 86_400_000;
const RANGE_BATCH = 500;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The mode audit's records (see mode-audit.ts): `<prefix>:modeaudit:index` (sorted set, score = closedAt, member =
 * `<system>:<id>:<round>`) and `<prefix>:modeaudit:rec:<member>` (JSON). Every key is bounded: a record expires with
 * the SLA records' retention, and each save drops the index members older than it, so the index holds at most the
 * retention's rounds of non-live tickets.
 */
export class ModeAuditStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly retentionDays = 90,
  ) {}

  private indexKey(): string {
    return `${this.prefix}:modeaudit:index`;
  }

  private recKey(member: string): string {
    return `${this.prefix}:modeaudit:rec:${member}`;
  }

  async save(rec: ModeAuditRecord): Promise<void> {
    const member = `${rec.system}:${rec.ticketId}:${rec.round}`;
    const keepMs = this.retentionDays * DAY_MS;
    await this.redis
      .multi()
      .set(this.recKey(member), JSON.stringify(rec), 'PX', keepMs)
      .zadd(this.indexKey(), rec.closedAt, member)
      .zremrangebyscore(this.indexKey(), '-inf', `(${rec.closedAt - keepMs}`)
      .exec();
  }

  /** Records closed in [from, to] (ms, inclusive), oldest first; one that expired or no longer parses is skipped. */
  async range(from: number, to: number): Promise<ModeAuditRecord[]> {
    const members = await this.redis.zrangebyscore(this.indexKey(), from, to);
    const out: ModeAuditRecord[] = [];
    for (let i = 0; i < members.length; i += RANGE_BATCH) {
      const batch = members.slice(i, i + RANGE_BATCH);
      const values = await this.redis.mget(...batch.map((m) => this.recKey(m)));
      for (const v of values) {
        const parsed = v === null ? undefined : ModeAuditRecordSchema.safeParse(safeJson(v));
        if (parsed?.success) out.push(parsed.data);
      }
    }
    return out;
  }
}
