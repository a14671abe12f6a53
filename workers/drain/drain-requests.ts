import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Keys } from '../store/keys.js';

/**
 * Drain requests from a process that runs no workers (`ROLES=intake`) to the processes that do: a sorted set of
 * ticket keys scored by when the drain was first asked for. Adding a ticket already there changes nothing (NX), so
 * every webhook of a burst for one ticket is one request; a worker process takes requests oldest first, only as many
 * as its drain scheduler has room for, so the rest stay for other worker processes.
 *
 * Cheaper than a BullMQ drain job per webhook between the processes (an add, a move to active and a move to
 * finished: three scripts a webhook, a third of Redis's script work in that layout): one ZADD and a share of one
 * pop. What it gives up is the job's retry: a request taken by a process that dies before its drain ran leaves the
 * ticket in the dirty set, which the sweeper drains (every SWEEP_INTERVAL_S), and a drain that fails is handed to a
 * drain job by the scheduler, which retries it with backoff.
 */
export class DrainRequests {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly now: () => number = Date.now,
  ) {}

  /** Asks a worker process to drain the ticket (its events are in the inbox already). */
  async push(tk: string): Promise<void> {
    await this.redis.zadd(this.keys.drainRequests, 'NX', this.now(), tk);
  }

  /** Requests no worker process has taken yet (gauge, tests). */
  async count(): Promise<number> {
    return this.redis.zcard(this.keys.drainRequests);
  }
}

export interface DrainRequestListenerDeps {
  /** a connection of the listener's own: it blocks on it, and `stop` disconnects it */
  connection: Redis;
  keys: Keys;
  /** schedules the ticket's drain in this process (DrainScheduler.wake, or a drain job) */
  wake: (tk: string) => Promise<void>;
  /** how many more tickets this process may take now */
  room: () => number;
  /** resolves once `room` may have grown */
  whenRoom: () => Promise<void>;
  log: Logger;
  /** seconds one blocking pop waits before it looks again (default 5) */
  blockS?: number;
  /** pause after a failed read, ms (default 1,000) */
  retryMs?: number;
}

/**
 * Takes drain requests in a worker process: blocks until one is there, then takes as many more as the drain
 * scheduler has room for, in one pop, and schedules their drains.
 */
export class DrainRequestListener {
  private closed = false;
  private loop: Promise<void> | undefined;
  /** resolves once `stop` is called: a loop waiting for room does not hold up the shutdown */
  private readonly stopped: Promise<void>;
  private signalStop: () => void = () => undefined;

  constructor(private readonly deps: DrainRequestListenerDeps) {
    this.stopped = new Promise<void>((resolve) => (this.signalStop = resolve));
  }

  start(): void {
    this.closed = false;
    this.loop ??= this.run().finally(() => (this.loop = undefined));
  }

  /** Stops taking requests: a blocking pop in flight is abandoned (its connection closed), nothing is taken after. */
  async stop(): Promise<void> {
    this.closed = true;
    this.signalStop();
    this.deps.connection.disconnect();
    await this.loop;
  }

  /** Takes what is waiting now, up to the room there is; returns the ticket keys it scheduled. */
  async takeOnce(blockS: number): Promise<string[]> {
    const { connection, keys, room } = this.deps;
    const first = await connection.bzpopmin(keys.drainRequests, blockS);
    if (!first) return [];
    // one taken while stopping still gets its drain: a closed scheduler hands it to a drain job
    const tks = [first[1]];
    const more = this.closed ? 0 : room() - 1;
    if (more > 0) {
      const rest = await connection.zpopmin(keys.drainRequests, more);
      for (let i = 0; i < rest.length; i += 2) tks.push(rest[i] as string);
    }
    await this.schedule(tks);
    return tks;
  }

  private async run(): Promise<void> {
    const { log, room, whenRoom } = this.deps;
    while (!this.closed) {
      try {
        if (room() <= 0) {
          await Promise.race([whenRoom(), this.stopped]);
          continue;
        }
        await this.takeOnce(this.deps.blockS ?? 5);
      } catch (err) {
        if (this.closed) break;
        const e = err as Error;
        log.warn({ error: e.name, reason: e.message }, 'drain requests not read: trying again in a second (the sweeper drains what waits meanwhile)');
        await new Promise((resolve) => setTimeout(resolve, this.deps.retryMs ?? 1000));
      }
    }
  }

  private async schedule(tks: string[]): Promise<void> {
    for (const tk of tks) {
      await this.deps.wake(tk).catch((err: Error) =>
        this.deps.log.error({ tk, error: err.name, reason: err.message }, 'drain not scheduled: the sweeper drains the ticket'),
      );
    }
  }
}
