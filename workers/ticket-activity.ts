import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Keys } from './keys.js';

export const MAX_ACTIVITY = 100;
const ACTIVITY_TTL_S = 30 * 86_400;

/**
 * One line of a ticket's activity. Only types, ids, states and error names/reasons: never comment text, codes or
 * anything an event or effect carries beyond its type.
 */
export const ActivityEntrySchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('event'),
    at: z.number(),
    event: z.string(),
    eventId: z.string(),
    from: z.string().optional(),
    to: z.string().optional(),
    /** the effects the transition asked for, by type */
    effects: z.array(z.string()),
  }),
  z.object({
    kind: z.literal('effect'),
    at: z.number(),
    effect: z.string(),
    effectId: z.string(),
    outcome: z.enum(['ok', 'retry', 'failed']),
    error: z.string().optional(),
    reason: z.string().optional(),
  }),
]);
export type ActivityEntry = z.infer<typeof ActivityEntrySchema>;

/** Pushes entries (oldest first), keeps the newest `max` and the list for `ttl` seconds. KEYS: list  ARGV: max, ttl, entries… */
const PUSH = `
redis.call('LPUSH', KEYS[1], unpack(ARGV, 3))
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[1]) - 1)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
`;

interface ActivityCommands {
  tdActivityPush(key: string, max: number, ttl: number, ...entries: string[]): Promise<unknown>;
}

/** A capped per-ticket list of what happened, newest first, kept 30 days after the last entry (`ticket show`). */
export class TicketActivity {
  /** entries of a ticket added in this turn of the event loop, written together at its end */
  private readonly pending = new Map<string, { entries: string[]; written: Promise<void> }>();

  /** the connection, with the push script defined on it */
  private readonly redis: Redis & ActivityCommands;

  constructor(
    redis: Redis,
    private readonly keys: Keys,
  ) {
    const r = redis as Redis & Partial<ActivityCommands>;
    if (!r.tdActivityPush) redis.defineCommand('tdActivityPush', { numberOfKeys: 1, lua: PUSH });
    this.redis = redis as Redis & ActivityCommands;
  }

  /**
   * Resolves once the entry is saved. Entries of one ticket added in the same turn of the event loop (a transition
   * and the effects that finished with it) are saved with one LPUSH, LTRIM and EXPIRE, in the order added.
   */
  add(tk: string, entry: ActivityEntry): Promise<void> {
    let batch = this.pending.get(tk);
    if (!batch) {
      const entries: string[] = [];
      const written = new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          this.pending.delete(tk);
          this.write(tk, entries).then(resolve, reject);
        });
      });
      batch = { entries, written };
      this.pending.set(tk, batch);
    }
    batch.entries.push(JSON.stringify(entry));
    return batch.written;
  }

  private async write(tk: string, entries: string[]): Promise<void> {
    // One script call, not a MULTI of three commands: a MULTI per applied event was 4 % of the burst's CPU, and the
    // three commands a third of the commands a ticket sent from JavaScript.
    await this.redis.tdActivityPush(this.keys.activity(tk), MAX_ACTIVITY, ACTIVITY_TTL_S, ...entries);
  }

  /** Newest first; unreadable entries (an older format) are skipped. */
  async list(tk: string, limit = MAX_ACTIVITY): Promise<ActivityEntry[]> {
    const raw = await this.redis.lrange(this.keys.activity(tk), 0, limit - 1);
    return raw.flatMap((r) => {
      try {
        const parsed = ActivityEntrySchema.safeParse(JSON.parse(r));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
  }
}
