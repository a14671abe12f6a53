import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import type { DrainRequests } from '../drain/drain-requests.js';
import { Metrics, QUEUE_JOB_STATES } from '../observe/metrics.js';
import { OpenTicketIndex } from '../observe/open-ticket-index.js';
import { ModeAuditStore } from '../observe/sla/mode-audit-store.js';
import { SlaStore } from '../observe/sla/store.js';
import { TicketActivity } from '../observe/ticket-activity.js';
import { TicketObserver } from '../observe/ticket-observer.js';
import type { Queues } from '../store/queues.js';
import type { WorkflowStore } from '../store/workflow-store.js';

export interface ObservationDeps {
  redis: Redis;
  prefix: string;
  slaRetentionDays: number;
  store: WorkflowStore;
  queues: Queues;
  drainRequests: DrainRequests;
  /** the platform name of a ticket's tenant (or of the single platform), for metric labels */
  platformNameOf: (tenant: string | undefined) => string;
  ticketing: ReadonlyMap<string, TicketSystem>;
  knownTenants: () => ReadonlySet<string>;
  log: Logger;
  now: () => number;
}

/** What watches the tickets go by: metrics and their gauges, the open-ticket index, the SLA and mode-audit records. */
export interface Observation {
  metrics: Metrics;
  openTickets: OpenTicketIndex;
  observer: TicketObserver;
  sla: SlaStore;
  modeAudit: ModeAuditStore;
}

export function observation(deps: ObservationDeps): Observation {
  const { redis, store, queues } = deps;
  const metrics = new Metrics();
  const openTickets = new OpenTicketIndex(redis, store.keys);
  const observer = new TicketObserver({
    metrics,
    index: openTickets,
    activity: new TicketActivity(redis, store.keys),
    log: deps.log,
    platformNameOf: deps.platformNameOf,
    systems: new Set(deps.ticketing.keys()),
    knownTenants: deps.knownTenants,
  });
  const allQueues = [queues.events, queues.effects, queues.timers, queues.maintenance];
  metrics.watch({
    openTickets: () => openTickets.counts(),
    queueCounts: async () => Object.fromEntries(await Promise.all(allQueues.map(async (q) => [q.name, await q.getJobCounts(...QUEUE_JOB_STATES)] as const))),
    timers: () => store.timerCounts(deps.now()),
    drainRequests: () => deps.drainRequests.count(),
  });
  return {
    metrics,
    openTickets,
    observer,
    sla: new SlaStore(redis, deps.prefix, deps.slaRetentionDays),
    modeAudit: new ModeAuditStore(redis, deps.prefix, deps.slaRetentionDays),
  };
}
