import type { Logger } from 'pino';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import type { Policy } from '../../workflows/resync/index.js';
import type { Env } from '../config.js';
import { DrainScheduler } from '../drain/drain-scheduler.js';
import { EventProcessor, type EventProcessorDeps } from '../drain/event-processor.js';
import { Sweeper } from '../drain/sweeper.js';
import { Poller } from '../intake/poller.js';
import { TimerPoller } from '../intake/timer-poller.js';
import type { OpenTicketIndex } from '../observe/open-ticket-index.js';
import type { TicketObserver } from '../observe/ticket-observer.js';
import type { ServerChange } from '../redis/server-change.js';
import type { Queues } from '../store/queues.js';
import type { WorkflowStore } from '../store/workflow-store.js';
import { tenancyOf } from '../tenants/tenancy.js';
import type { Effects } from './effects.js';
import type { Tenants } from './tenant-wiring.js';
import type { Wake } from './wake.js';

/** open workflows the poller compares with the ticket systems' listings at most (see Poller.openButUnlisted) */
const OPEN_TICKETS_POLLED = 5_000;

export interface DrainDeps {
  env: Env;
  policy: Policy;
  runsWorkers: boolean;
  store: WorkflowStore;
  queues: Queues;
  ticketing: ReadonlyMap<string, TicketSystem>;
  tenants: Tenants | undefined;
  serverChange: ServerChange;
  effects: Effects;
  observer: TicketObserver;
  openTickets: OpenTicketIndex;
  onApplied: EventProcessorDeps['onApplied'];
  wake: Wake;
  log: Logger;
  now: (() => number) | undefined;
}

/** The event side: the processor that applies a ticket's events to its workflow, and what finds tickets to drain. */
export interface Drain {
  processor: EventProcessor;
  /** this process's own drains (workers with a local backlog); none: drain jobs */
  scheduler: DrainScheduler | undefined;
  sweeper: Sweeper;
  timerPoller: TimerPoller;
  poller: Poller;
}

export function drain(deps: DrainDeps): Drain {
  const { env, store, queues, ticketing, log, effects } = deps;
  const clock = deps.now ? { now: deps.now } : {};
  const { runner, recentComments } = effects;
  const processor = new EventProcessor({
    store,
    queues,
    policy: deps.policy,
    ...(deps.tenants ? { tenancy: tenancyOf(deps.tenants.registry) } : {}),
    serverChangedAt: () => deps.serverChange.changedAt(),
    ticketing,
    log,
    onApplied: deps.onApplied,
    onReadAhead: (tk, effect, at) => deps.observer.effect({ tk, effect, outcome: 'ok', at }),
    ...(recentComments ? { recentComments } : {}),
    // run in the drain, leased to it for as long as a job's lock would hold it
    ...(env.EFFECTS_INLINE ? { inline: { run: (tk, effect) => runner.runInline(tk, effect), leaseMs: env.JOB_LOCK_MS, readAhead: (tk, effect, state) => runner.readAhead(tk, effect, state) } } : {}),
    ...clock,
  });
  const scheduler =
    deps.runsWorkers && env.LOCAL_DRAIN_BACKLOG > 0 ? new DrainScheduler({ processor, queues, store, log, concurrency: env.EVENT_CONCURRENCY, maxWaiting: env.LOCAL_DRAIN_BACKLOG }) : undefined;
  deps.wake.scheduler = scheduler;
  return {
    processor,
    scheduler,
    sweeper: new Sweeper(store, queues, log),
    timerPoller: new TimerPoller({ store, wake: deps.wake.wake, log, ...clock }),
    poller: new Poller(store, queues, ticketing, log, async () => (await deps.openTickets.members(OPEN_TICKETS_POLLED)).tks),
  };
}
