import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { UNFINISHED_STATES } from '../../workflows/resync/index.js';

/** Job states the queue-depth gauge reports, per queue. */
export const QUEUE_JOB_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** What the gauges read from Redis when Prometheus scrapes. */
export interface MetricSources {
  /** open tickets per workflow state */
  openTickets?: () => Promise<Record<string, number>>;
  /** BullMQ job counts per queue name (getJobCounts) */
  queueCounts?: () => Promise<Record<string, Record<string, number>>>;
  /** workflow timers set and not yet fired, and how many of them are due (should be 0 but for a second) */
  timers?: () => Promise<{ scheduled: number; due: number }>;
  /** drains an intake-only process asked for that no worker process has taken yet */
  drainRequests?: () => Promise<number>;
}

/** Seconds from a quick platform call to the days a ticket may wait on its requester. */
const STEP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86_400, 3 * 86_400];

/**
 * Prometheus metrics of one process. Labels never carry a ticket id, an email or anything from a request
 * body: only configured system, platform and tenant names, workflow state and effect names, and fixed slugs or error
 * class names. Counters and the histogram count what this process did; the gauges read Redis on scrape and so
 * show the whole deployment (every process reports the same values).
 */
export class Metrics {
  readonly registry = new Registry();
  private sources: MetricSources = {};

  readonly webhookRefusals = new Counter({
    name: 'twofa_desk_webhook_refusals_total',
    help: 'Webhooks refused by the intake, by ticket system and reason',
    labelNames: ['system', 'reason'] as const,
    registers: [this.registry],
  });
  readonly webhookEvents = new Counter({
    name: 'twofa_desk_webhook_events_total',
    help: 'Workflow events queued from webhooks, by ticket system',
    labelNames: ['system'] as const,
    registers: [this.registry],
  });
  readonly ticketsFinished = new Counter({
    name: 'twofa_desk_tickets_finished_total',
    help: 'Ticket rounds that reached a final state, by outcome (resolved, timed_out, escalated, handed_off), ticket system, 2FA platform and tenant (configured ids, other for one removed since; no tenant label without TENANTS_FILE or for a ticket no tenant matched)',
    labelNames: ['outcome', 'system', 'platform', 'tenant'] as const,
    registers: [this.registry],
  });
  readonly finalUpdateFailures = new Counter({
    name: 'twofa_desk_final_update_failures_total',
    help: 'Ticket rounds counted finished whose last update the ticket system did not take (so they are not), by the outcome that update was to record, ticket system, 2FA platform and tenant (as in twofa_desk_tickets_finished_total)',
    labelNames: ['outcome', 'system', 'platform', 'tenant'] as const,
    registers: [this.registry],
  });
  readonly workflowsRebuilt = new Counter({
    name: 'twofa_desk_workflows_rebuilt_total',
    help: 'Workflows lost from Redis in the middle of a round (a failover) and rebuilt from the ticket, by ticket system',
    labelNames: ['system'] as const,
    registers: [this.registry],
  });
  readonly stepDuration = new Histogram({
    name: 'twofa_desk_step_duration_seconds',
    help: 'Time a ticket spent in one workflow state before it moved on, by state',
    labelNames: ['step'] as const,
    buckets: STEP_BUCKETS,
    registers: [this.registry],
  });
  readonly effects = new Counter({
    name: 'twofa_desk_effects_total',
    help: 'Effect attempts, by effect and outcome (ok, retry: failed and retried, failed: reported to the workflow)',
    labelNames: ['effect', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly effectFailures = new Counter({
    name: 'twofa_desk_effect_failures_total',
    help: 'Failed effect attempts (retried or final), by integration, effect and error name',
    labelNames: ['integration', 'effect', 'reason'] as const,
    registers: [this.registry],
  });
  readonly openTickets = new Gauge({
    name: 'twofa_desk_open_tickets',
    help: 'Tickets not yet ended, by workflow state (read from Redis on scrape)',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: async () => {
      const read = this.sources.openTickets;
      if (!read) return;
      await fill(this.openTickets, read, (counts) => Object.entries(counts).map(([state, n]) => [{ state }, n]));
    },
  });
  /** The unfinished states out of the open-ticket counts: tickets the bot ended but the ticket system did not record. */
  readonly ticketsStuck = new Gauge({
    name: 'twofa_desk_tickets_stuck',
    help: 'Tickets whose last update the ticket system did not take, by state: update_failed (a note for an agent went in its place), stuck (not even that); an agent or operator must finish each (read from Redis on scrape)',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: async () => {
      const read = this.sources.openTickets;
      if (!read) return;
      await fill(this.ticketsStuck, read, (counts) => UNFINISHED_STATES.map((state) => [{ state }, counts[state] ?? 0] as const));
    },
  });
  readonly queueJobs = new Gauge({
    name: 'twofa_desk_queue_jobs',
    help: 'BullMQ jobs per queue and state: waiting, active, delayed, failed (read from Redis on scrape)',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
    collect: async () => {
      const read = this.sources.queueCounts;
      if (!read) return;
      await fill(this.queueJobs, read, (byQueue) =>
        Object.entries(byQueue).flatMap(([queue, counts]) => QUEUE_JOB_STATES.map((state) => [{ queue, state }, counts[state] ?? 0] as const)),
      );
    },
  });

  readonly timers = new Gauge({
    name: 'twofa_desk_timers',
    help: 'Workflow timers (reminders, time-outs, SLA warnings) kept in Redis, by state: scheduled, due (read on scrape; due stays 0 while a worker runs)',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: async () => {
      const read = this.sources.timers;
      if (!read) return;
      await fill(this.timers, read, (t) => [[{ state: 'scheduled' }, t.scheduled], [{ state: 'due' }, t.due]] as const);
    },
  });

  readonly drainRequests = new Gauge({
    name: 'twofa_desk_drain_requests',
    help: 'Ticket drains an intake-only process asked for and no worker process has taken yet (read on scrape; a few at most while workers run)',
    registers: [this.registry],
    collect: async () => {
      const read = this.sources.drainRequests;
      if (!read) return;
      await fill(this.drainRequests, read, (n) => [[{}, n]] as const);
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'twofa_desk_' });
  }

  /** Connects the gauges to Redis; until then (and for a process without Redis) they report nothing. */
  watch(sources: MetricSources): void {
    this.sources = sources;
  }
}

/**
 * Sets a gauge from a fresh reading; when Redis does not answer, the gauge is emptied rather than showing the
 * last values as current (the scrape itself still succeeds, so the process's other metrics are not lost).
 */
async function fill<T extends string, R>(gauge: Gauge<T>, read: () => Promise<R>, rows: (r: R) => ReadonlyArray<readonly [Partial<Record<T, string>>, number]>): Promise<void> {
  try {
    const values = rows(await read());
    gauge.reset();
    for (const [labels, n] of values) gauge.set(labels, n);
  } catch {
    gauge.reset();
  }
}
