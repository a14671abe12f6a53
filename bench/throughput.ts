import { Queue, Worker } from 'bullmq';
import { pino } from 'pino';
import { EventProcessor } from '../workers/drain/event-processor.js';
import { bullPrefix, DRAIN_JOB_OPTS, drainJobOpts, Queues, redisConnection, type DrainJob } from '../workers/store/queues.js';
import { effectKey } from '../workers/store/keys.js';
import { WorkflowStore } from '../workers/store/workflow-store.js';
import { parsePolicy } from '../workflows/resync/policy.js';
import { fakeTicketSystem, happyPathEvents } from './happy-path.js';
import { round, uniquePrefix, waitFor, type Row } from './util.js';

const EVENTS_PER_TICKET = 7;
const BULK = 1000;

async function addInChunks<T>(items: T[], add: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += BULK) await add(items.slice(i, i + BULK));
}

/** Raw BullMQ: `jobs` pre-added jobs, an empty processor, the same concurrency, the same Redis. Jobs/s. */
export async function rawBullmq(url: string, jobs: number, concurrency: number): Promise<number> {
  const prefix = bullPrefix(uniquePrefix('raw'));
  const conn = redisConnection(url, () => undefined);
  const queue = new Queue<DrainJob>('events', { connection: conn, prefix });
  await addInChunks(
    Array.from({ length: jobs }, (_, i) => ({ name: 'drain', data: { tk: `local:${i}` }, opts: DRAIN_JOB_OPTS })),
    (chunk) => queue.addBulk(chunk),
  );
  let done = 0;
  const worker = new Worker<DrainJob>('events', async () => undefined, { connection: conn, prefix, concurrency, autorun: false });
  worker.on('completed', () => void done++);
  const t0 = performance.now();
  void worker.run();
  await waitFor(() => done >= jobs, 120_000, 'raw BullMQ jobs', 5);
  const secs = (performance.now() - t0) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  conn.disconnect();
  return jobs / secs;
}

/**
 * How the inbox is fed and the drains are queued:
 * - `prefilled`: every ticket's 7 happy-path events are in its inbox before the worker starts, with one drain job
 *   per ticket (the best case: one drain applies the whole inbox).
 * - `trickle`: the events arrive one at a time while the worker runs, each with its own append and `Queues.drain`
 *   call, exactly as the intake and the effect runner queue them (round r appends every ticket's r-th event), so
 *   drains find one or two events and the deduplicated drain jobs are exercised while drains run.
 */
export type Feed = 'prefilled' | 'trickle';

/**
 * `app`: as workers/app.ts wires it: the store on one ioredis connection with auto-pipelining (commands issued in the
 * same tick leave in one socket write), the queues and the BullMQ worker on another (BullMQ defines ~65 Lua commands
 * on its connection, and ioredis copies them into every MULTI/pipeline). `plain`: the store's connection without
 * auto-pipelining, as app.ts had it before (the before figure, measured in the same run). Effects: as the app runs
 * them (EFFECTS_INLINE), handed to the drain's inline runner, which here reports each one done without carrying it
 * out and with no result (the events it would produce are in the inbox already), so the drain completes them in its
 * next commit; `effect-jobs`: queued as one job each (EFFECTS_INLINE=false), not run.
 */
export type Wiring = 'app' | 'plain' | 'effect-jobs';

/** The event processor behind the real BullMQ drain worker, 7 happy-path events per ticket. Events/s. */
export async function processorRate(url: string, tickets: number, concurrency: number, feed: Feed, wiring: Wiring = 'app'): Promise<{ rate: number; events: number }> {
  const prefix = uniquePrefix('evt');
  const bull = redisConnection(url, () => undefined);
  const storeConn = redisConnection(url, () => undefined, wiring === 'plain' ? {} : { enableAutoPipelining: true });
  const store = new WorkflowStore(storeConn, prefix);
  const queues = new Queues(bull, prefix);
  const policy = parsePolicy();
  const log = pino({ level: 'silent' });
  let applied = 0;
  const inline = {
    leaseMs: 30_000,
    // done, with no result (it is in the inbox already): completed in the drain's next commit, as the app's are
    run: async (tk: string, effect: { id: string }) => ({ key: effectKey(tk, effect.id), result: undefined }),
  };
  const processor = new EventProcessor({
    store,
    queues,
    policy,
    ticketing: new Map([['local', fakeTicketSystem()]]),
    log,
    onApplied: () => void applied++,
    ...(wiring === 'effect-jobs' ? {} : { inline }),
  });
  const t0ms = Date.now();
  const ids = Array.from({ length: tickets }, (_, i) => `b${i}`);
  const events = new Map(ids.map((id) => [id, happyPathEvents(id, policy, t0ms)]));
  const worker = new Worker<DrainJob>('events', async (job) => void (await processor.drain(job.data.tk)), { connection: bull, prefix: bullPrefix(prefix), concurrency, autorun: false });
  let failed = 0;
  worker.on('failed', (_job, err) => {
    failed++;
    log.error(err);
  });
  const total = tickets * EVENTS_PER_TICKET;
  let t0: number;
  if (feed === 'prefilled') {
    // pre-fill: pipelined appends, 200 tickets at a time, then one drain job per ticket
    for (let i = 0; i < ids.length; i += 200) {
      await Promise.all(ids.slice(i, i + 200).map((id) => store.append(`local:${id}`, events.get(id) ?? [])));
    }
    await addInChunks(ids.map((id) => ({ name: 'drain', data: { tk: `local:${id}` }, opts: drainJobOpts(`local:${id}`) })), (chunk) => queues.events.addBulk(chunk));
    t0 = performance.now();
    void worker.run();
  } else {
    t0 = performance.now();
    void worker.run();
    for (let r = 0; r < EVENTS_PER_TICKET; r++) {
      for (let i = 0; i < ids.length; i += 200) {
        await Promise.all(
          ids.slice(i, i + 200).map(async (id) => {
            const tk = `local:${id}`;
            const e = events.get(id)?.[r];
            if (e && (await store.append(tk, [e])) > 0) await queues.drain(tk);
          }),
        );
      }
    }
  }
  await waitFor(() => applied >= total, 180_000, 'events applied', 5);
  const secs = (performance.now() - t0) / 1000;
  await worker.close();
  if (failed > 0) throw new Error(`${failed} drain jobs failed`);
  await Promise.all([queues.events.obliterate({ force: true }), queues.effects.obliterate({ force: true })]);
  await queues.close();
  await deleteByPrefix(storeConn, prefix);
  bull.disconnect();
  storeConn.disconnect();
  return { rate: total / secs, events: total };
}

export async function deleteByPrefix(redis: ReturnType<typeof redisConnection>, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

export async function benchThroughput(url: string, tickets: number, concurrency: number): Promise<Row[]> {
  const total = tickets * EVENTS_PER_TICKET;
  // warm-up both sides (JIT, Lua script load) on a small size
  await rawBullmq(url, 500, concurrency);
  await processorRate(url, 50, concurrency, 'prefilled');
  await processorRate(url, 50, concurrency, 'trickle');
  const raw1 = await rawBullmq(url, total, concurrency);
  const one = await processorRate(url, tickets, concurrency, 'prefilled');
  const trickle = await processorRate(url, tickets, concurrency, 'trickle');
  const plain = await processorRate(url, tickets, concurrency, 'prefilled', 'plain');
  const effectJobs = await processorRate(url, tickets, concurrency, 'prefilled', 'effect-jobs');
  const raw2 = await rawBullmq(url, total, concurrency);
  const raw = (raw1 + raw2) / 2;
  return [
    { bench: '1 event throughput', metric: `raw BullMQ, empty processor, c=${concurrency}`, value: round(raw, 0), unit: 'jobs/s', note: `mean of runs before/after: ${round(raw1, 0)} / ${round(raw2, 0)}` },
    { bench: '1 event throughput', metric: `EventProcessor.drain, inboxes pre-filled, 1 drain job per ticket (${tickets} tickets x 7 events)`, value: round(one.rate, 0), unit: 'events/s', baseline: round(raw, 0), ratio: round(one.rate / raw, 3), goal: '>= 0.5 of raw', met: one.rate / raw >= 0.5 },
    {
      bench: '1 event throughput',
      metric: 'events arriving one at a time while the worker runs (append + Queues.drain per event, as production)',
      value: round(trickle.rate, 0),
      unit: 'events/s',
      baseline: round(raw, 0),
      ratio: round(trickle.rate / raw, 3),
      note: 'includes the append and the drain request of every event (raw BullMQ has its jobs added beforehand)',
    },
    {
      bench: '1 event throughput',
      metric: 'before: the store connection without auto-pipelining, pre-filled',
      value: round(plain.rate, 0),
      unit: 'events/s',
      baseline: round(raw, 0),
      ratio: round(plain.rate / raw, 3),
      note: `the app wiring (auto-pipelining) is ${round(one.rate / plain.rate, 2)}x this`,
    },
    {
      bench: '1 event throughput',
      metric: 'before: effects queued as one job each (EFFECTS_INLINE=false), pre-filled',
      value: round(effectJobs.rate, 0),
      unit: 'events/s',
      baseline: round(raw, 0),
      ratio: round(effectJobs.rate / raw, 3),
      note: `the app wiring (effects in the drain) is ${round(one.rate / effectJobs.rate, 2)}x this`,
    },
  ];
}
