import type { Redis } from 'ioredis';
import { SlaRecordSchema, type SlaRecord } from './record.js';

const DAY_MS = 86_400_000;
const RANGE_BATCH = 500;
const TRIM_EVERY_MS = 60_000;

/**
 * Saves a record unless the one stored was made from a later workflow state (both carry `asOf`): the saves of one
 * round's changes (resolved, then unfinished when its update failed) may come from different processes, late.
 * KEYS: 1 record, 2 index  ARGV: 1 record JSON, 2 closedAt, 3 index member, 4 asOf ('' for none: always saved)
 * Returns 1 saved, 0 kept the newer record.
 */
const SAVE = `
if ARGV[4] ~= '' then
  local cur = redis.call('GET', KEYS[1])
  if cur then
    local ok, old = pcall(cjson.decode, cur)
    if ok and type(old) == 'table' and type(old.asOf) == 'number' and old.asOf > tonumber(ARGV[4]) then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
`;

interface SaveCommands {
  tdSlaSave(...args: (string | number)[]): Promise<unknown>;
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
    if (!r.tdSlaSave) redis.defineCommand('tdSlaSave', { numberOfKeys: 2, lua: SAVE });
    this.r = redis as Redis & SaveCommands;
  }

  private indexKey(): string { return `${this.prefix}:sla:index`; }
  private recKey(member: string): string { return `${this.prefix}:sla:rec:${member}`; }

  async save(rec: SlaRecord): Promise<void> {
    const member = `${rec.system}:${rec.ticketId}:${rec.round}`;
    await this.r.tdSlaSave(this.recKey(member), this.indexKey(), JSON.stringify(rec), rec.closedAt, member, rec.asOf ?? '');
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
