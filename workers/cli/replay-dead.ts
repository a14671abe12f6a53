import { z } from 'zod';
import { parseCliArgs } from './args.js';
import type { CliContext } from './command.js';
import { connect } from './connect.js';
import { table } from './table.js';

const QUEUES = ['events', 'effects', 'timers'] as const;

const ArgsSchema = z.object({
  positionals: z.tuple([], { error: 'replay-dead takes no positional arguments' }),
  queue: z.enum(QUEUES).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  json: z.boolean().default(false),
});

/**
 * `twofa-desk replay-dead [--queue events|effects|timers] [--limit N]`: puts up to N failed jobs per queue back
 * into their queue. Replaying is safe: drains re-read the inbox, effects are
 * idempotent and skip a completed effect, timers are ignored by a state that moved on.
 */
export async function run(ctx: CliContext): Promise<number> {
  const args = parseCliArgs(ctx.args, { queue: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } }, ArgsSchema);
  const conn = await connect(ctx.env);
  try {
    const rows: Array<{ queue: string; replayed: number; stillFailed: number }> = [];
    for (const name of args.queue ? [args.queue] : QUEUES) {
      const queue = conn.queues[name];
      const failed = await queue.getFailed(0, args.limit - 1);
      let replayed = 0;
      for (const job of failed) {
        await job.retry('failed');
        replayed++;
      }
      rows.push({ queue: name, replayed, stillFailed: await queue.getFailedCount() });
    }
    const unreadable = await conn.redis.llen(conn.store.keys.deadLetters);
    if (args.json) {
      ctx.out(JSON.stringify({ queues: rows, unreadableEvents: unreadable }));
      return 0;
    }
    ctx.out(table(['queue', 'replayed', 'still failed'], rows.map((r) => [r.queue, r.replayed, r.stillFailed])));
    if (unreadable > 0) ctx.out(`${unreadable} unreadable events are kept in ${conn.store.keys.deadLetters}: they cannot be replayed, only read`);
    return 0;
  } finally {
    await conn.close();
  }
}
