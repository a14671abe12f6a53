import { Queue, Worker } from 'bullmq';
import { pino } from 'pino';
import { EventProcessor } from '../workers/event-processor.js';
import { bullPrefix, DRAIN_JOB_OPTS, Queues, redisConnection, type DrainJob } from '../workers/queues.js';
import { WorkflowStore } from '../workers/workflow-store.js';
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
 * The event processor behind the real BullMQ drain worker, on pre-filled inboxes (7 happy-path events per ticket).
 * `jobsPerTicket` 1: one drain job empties the inbox; 7: one drain job per event, as production queues them (the
 * intake and the effect runner queue a drain on every append), so 6 of 7 find the inbox empty.
 */
export type Wiring = 'app' | 'split' | 'split-autopipeline';

/**
 * `app`: one ioredis connection for the store, the queues and the workers, as workers/app.ts wires it. `split` and
 * `split-autopipeline`: what-if wirings (the proposed fix): the store on its own connection, which carries only the
 * store's 4 Lua commands instead of BullMQ's (ioredis copies every defined command into each multi()/pipeline()), and
 * optionally with ioredis auto-pipelining (commands of one tick leave in one socket write).
 */
export async function processorRate(url: string, tickets: number, concurrency: number, jobsPerTicket: number, wiring: Wiring = 'app'): Promise<{ rate: number; events: number }> {
  const prefix = uniquePrefix('evt');
  const redis = redisConnection(url, () => undefined);
  const storeConn = wiring === 'app' ? redis : redisConnection(url, () => undefined, wiring === 'split-autopipeline' ? { enableAutoPipelining: true } : {});
  const store = new WorkflowStore(storeConn, prefix);
  const queues = new Queues(redis, prefix);
  const policy = parsePolicy();
  const log = pino({ level: 'silent' });
  let applied = 0;
  const processor = new EventProcessor({ store, queues, policy, ticketing: new Map([['local', fakeTicketSystem()]]), log, onApplied: () => void applied++ });
  const t0ms = Date.now();
  const ids = Array.from({ length: tickets }, (_, i) => `b${i}`);
  // pre-fill: pipelined appends, 200 tickets at a time
  for (let i = 0; i < ids.length; i += 200) {
    await Promise.all(ids.slice(i, i + 200).map((id) => store.append(`local:${id}`, happyPathEvents(id, policy, t0ms))));
  }
  const jobs = ids.flatMap((id) => Array.from({ length: jobsPerTicket }, () => ({ name: 'drain', data: { tk: `local:${id}` }, opts: DRAIN_JOB_OPTS })));
  await addInChunks(jobs, (chunk) => queues.events.addBulk(chunk));
  const worker = new Worker<DrainJob>('events', async (job) => void (await processor.drain(job.data.tk)), { connection: redis, prefix: bullPrefix(prefix), concurrency, autorun: false });
  let done = 0;
  worker.on('completed', () => void done++);
  worker.on('failed', (_job, err) => log.error(err));
  const total = tickets * EVENTS_PER_TICKET;
  const t0 = performance.now();
  void worker.run();
  await waitFor(() => applied >= total && done >= jobs.length, 180_000, 'events applied', 5);
  const secs = (performance.now() - t0) / 1000;
  await worker.close();
  await Promise.all([queues.events.obliterate({ force: true }), queues.effects.obliterate({ force: true })]);
  await queues.close();
  await deleteByPrefix(redis, prefix);
  redis.disconnect();
  if (storeConn !== redis) storeConn.disconnect();
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
  await processorRate(url, 50, concurrency, 1);
  const raw1 = await rawBullmq(url, total, concurrency);
  const one = await processorRate(url, tickets, concurrency, 1);
  const seven = await processorRate(url, tickets, concurrency, EVENTS_PER_TICKET);
  const split = await processorRate(url, tickets, concurrency, 1, 'split');
  const autopipe = await processorRate(url, tickets, concurrency, 1, 'split-autopipeline');
  const raw2 = await rawBullmq(url, total, concurrency);
  const raw = (raw1 + raw2) / 2;
  const whatIf = (name: string, r: { rate: number }): Row => ({ bench: '1 event throughput', metric: name, value: round(r.rate, 0), unit: 'events/s', baseline: round(raw, 0), ratio: round(r.rate / raw, 3), note: `what-if wiring (not what app.ts does today): ${round(r.rate / one.rate, 2)}x the app wiring` });
  return [
    { bench: '1 event throughput', metric: `raw BullMQ, empty processor, c=${concurrency}`, value: round(raw, 0), unit: 'jobs/s', note: `mean of runs before/after: ${round(raw1, 0)} / ${round(raw2, 0)}` },
    { bench: '1 event throughput', metric: `EventProcessor.drain, 1 drain job per ticket (${tickets} tickets x 7 events)`, value: round(one.rate, 0), unit: 'events/s', baseline: round(raw, 0), ratio: round(one.rate / raw, 3), goal: '>= 0.5 of raw', met: one.rate / raw >= 0.5 },
    { bench: '1 event throughput', metric: `EventProcessor.drain, 1 drain job per event (production queuing)`, value: round(seven.rate, 0), unit: 'events/s', baseline: round(raw, 0), ratio: round(seven.rate / raw, 3), goal: '>= 0.5 of raw', met: seven.rate / raw >= 0.5 },
    whatIf('what-if: store on its own connection, 1 drain job per ticket', split),
    whatIf('what-if: store on its own auto-pipelined connection, 1 drain job per ticket', autopipe),
  ];
}
