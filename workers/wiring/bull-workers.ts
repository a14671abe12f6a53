import { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import type { Env } from '../config.js';
import { DrainRequestListener } from '../drain/drain-requests.js';
import { fireTimer } from '../drain/timer-handler.js';
import { bullPrefix, QUEUE, type DrainJob, type EffectJob, type Queues, type TimerJob } from '../store/queues.js';
import type { WorkflowStore } from '../store/workflow-store.js';
import type { Drain } from './drain.js';
import type { Effects } from './effects.js';
import type { RedisConnections } from './redis-connections.js';
import type { Wake } from './wake.js';

export interface BullWorkersDeps {
  env: Env;
  connections: RedisConnections;
  store: WorkflowStore;
  queues: Queues;
  ticketing: ReadonlyMap<string, TicketSystem>;
  drain: Drain;
  effects: Effects;
  wake: Wake;
  log: Logger;
  now: () => number;
}

/** The worker side of a process, started: BullMQ workers, the poll and sweep schedules, the timer poller and the drain listener. */
export interface BullWorkers {
  close(): Promise<void>;
}

export async function startWorkers(deps: BullWorkersDeps): Promise<BullWorkers> {
  const { env, store, queues, drain, log } = deps;
  const base = { connection: deps.connections.bullRedis, prefix: bullPrefix(env.REDIS_PREFIX), lockDuration: env.JOB_LOCK_MS, stalledInterval: env.JOB_LOCK_MS };
  const workers: Worker[] = [
    new Worker<DrainJob>(QUEUE.events, async (job) => void (await drain.processor.drain(job.data.tk)), { ...base, concurrency: env.EVENT_CONCURRENCY }),
    new Worker<EffectJob>(QUEUE.effects, (job, token) => deps.effects.runner.process(job, token), { ...base, concurrency: env.EFFECT_CONCURRENCY }),
    new Worker<TimerJob>(QUEUE.timers, (job) => fireTimer(job, store, queues, deps.now(), log), { ...base, concurrency: 4 }),
    new Worker(QUEUE.maintenance, async (job) => (job.name === 'poll' ? drain.poller.poll() : drain.sweeper.sweep()), { ...base, concurrency: 1 }),
  ];
  for (const w of workers) {
    w.on('failed', (job, err) => {
      const fields = { queue: w.name, job: job?.name, attempts: job?.attemptsMade, error: err.name, reason: (err as { reason?: string }).reason ?? err.message };
      const tk = (job?.data as { tk?: unknown } | undefined)?.tk;
      if (typeof tk !== 'string') return log.warn(fields, 'job failed');
      // A line about a ticket carries its key and state (one read, on the failure path only).
      store.getState(tk).then(
        ({ state }) => log.warn({ tk, state: state?.status, ...fields }, 'job failed'),
        () => log.warn({ tk, state: 'unknown', ...fields }, 'job failed'),
      );
    });
    w.on('error', (err) => log.error({ queue: w.name, error: err.name, reason: err.message }, 'worker error'));
  }
  // A ticket system may set its own interval (Zendesk: ZENDESK_POLL_INTERVAL_S); the shortest one wins.
  const pollEveryS = Math.min(...[...deps.ticketing.values()].map((t) => t.pollIntervalS ?? env.POLL_INTERVAL_S));
  await queues.maintenance.upsertJobScheduler('poll', { every: pollEveryS * 1000 }, { name: 'poll', opts: { removeOnComplete: true, removeOnFail: 100 } });
  await queues.maintenance.upsertJobScheduler('sweep', { every: env.SWEEP_INTERVAL_S * 1000 }, { name: 'sweep', opts: { removeOnComplete: true, removeOnFail: 100 } });
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  // Work a crash left behind is picked up now rather than at the first sweep.
  await drain.sweeper.sweep();
  drain.timerPoller.start();
  const scheduler = drain.scheduler;
  const drainListener = new DrainRequestListener({
    connection: deps.connections.connect(),
    keys: store.keys,
    wake: deps.wake.wake,
    room: () => (scheduler ? scheduler.room() : env.EVENT_CONCURRENCY),
    whenRoom: () => (scheduler ? scheduler.whenRoom() : Promise.resolve()),
    log,
  });
  drainListener.start();
  return {
    async close() {
      await drain.timerPoller.stop();
      await drainListener.stop();
      // drains asked for and not started become drain jobs; the running ones finish
      await drain.scheduler?.close();
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
