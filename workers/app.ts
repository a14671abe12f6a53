import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { TicketSystem } from '../integrations/ticketing/ticket-system.js';
import type { TwoFactorPlatform } from '../integrations/twofa/platform.js';
import { DeskStore } from '../integrations/ticketing/local/desk-store.js';
import { deskRoutes } from '../integrations/ticketing/local/desk-routes.js';
import { WebhookNotifier } from '../integrations/ticketing/local/webhook-notifier.js';
import { createPlatform } from './adapters/platforms.js';
import { createTicketSystems } from './adapters/ticket-systems.js';
import { checkExposure, type Config } from './config.js';
import { EffectExecutor } from './effects/effect-executor.js';
import { EffectRunner } from './effects/effect-runner.js';
import { DrainScheduler } from './drain/drain-scheduler.js';
import { DrainRequestListener, DrainRequests } from './drain/drain-requests.js';
import { EventProcessor, type EventProcessorDeps } from './drain/event-processor.js';
import { createIntakeServer } from './intake/intake-server.js';
import { createLogger } from './logger.js';
import { Poller } from './intake/poller.js';
import { bullPrefix, QUEUE, Queues, type DrainJob, type EffectJob, type TimerJob } from './store/queues.js';
import { connectRedis } from './redis/connect.js';
import { Sweeper } from './drain/sweeper.js';
import { TimerPoller } from './intake/timer-poller.js';
import { slaRecordOf } from './observe/sla/record.js';
import { SlaStore } from './observe/sla/store.js';
import { modeAuditRecordOf } from './observe/sla/mode-audit.js';
import { ModeAuditStore } from './observe/sla/mode-audit-store.js';
import { Metrics, QUEUE_JOB_STATES } from './observe/metrics.js';
import { OpenTicketIndex } from './observe/open-ticket-index.js';
import { TicketActivity } from './observe/ticket-activity.js';
import { TicketObserver } from './observe/ticket-observer.js';
import { RecentComments } from './effects/recent-comments.js';
import { TokensReadAhead } from './effects/tokens-read-ahead.js';
import { fireTimer } from './drain/timer-handler.js';
import { WorkflowStore } from './store/workflow-store.js';
import { freePort } from './redis/private-redis.js';
import { opsAccess } from './http/ops-auth.js';
import { registerOpsRoutes } from './http/ops-routes.js';
import { register as registerAssist } from './http/assist-routes.js';
import { CodeVault, vaultKey } from './assist/code-vault.js';
import { assistConsoleSteps } from './assist/console-steps.js';
import { releasesHeldCodes } from './assist/held-codes-release.js';
import { createMetricsServer } from './http/metrics-server.js';
import { TenantRegistry } from './tenants/registry.js';
import { TenantPlatforms } from './tenants/platform-pool.js';
import { tenancyOf } from './tenants/tenancy.js';
import { ServerChange } from './redis/server-change.js';

/** open workflows the poller compares with the ticket systems' listings at most (see Poller.openButUnlisted) */
const OPEN_TICKETS_POLLED = 5_000;

export interface AppOptions {
  log?: Logger;
  /** the environment adapters read their own variables from (default process.env) */
  source?: NodeJS.ProcessEnv;
  /** replaces the platform chosen by TWOFA_PLATFORM (tests, other processes' fakes) */
  platform?: TwoFactorPlatform;
  now?: () => number;
  onApplied?: EventProcessorDeps['onApplied'];
}

export interface App {
  readonly config: Config;
  readonly log: Logger;
  readonly redis: Redis;
  readonly store: WorkflowStore;
  readonly queues: Queues;
  readonly platform: TwoFactorPlatform;
  /** the customers' tenants and their platforms (TENANTS_FILE); none: the single-platform configuration */
  readonly tenants: { registry: TenantRegistry; platforms: TenantPlatforms } | undefined;
  readonly ticketing: ReadonlyMap<string, TicketSystem>;
  readonly processor: EventProcessor;
  readonly sweeper: Sweeper;
  readonly poller: Poller;
  readonly metrics: Metrics;
  /** the embedded desk, when this process serves it */
  readonly desk: DeskStore | undefined;
  /** the HTTP address once started (intake role, or the metrics server of a workers-only process) */
  url: string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Wires integrations and workflow into queues, workers and the HTTP intake. Nothing starts until start(). */
export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const { env, policy } = config;
  // Before any connection: a process that would expose the embedded desk unprotected does not start.
  const exposed = checkExposure(env);
  const log = opts.log ?? createLogger(env.LOG_LEVEL);
  let lastRedisError = 0;
  const onRedisError = (err: Error) => {
    // A restart or a network blip produces one error per connection and retry: log at most one a second.
    if (Date.now() - lastRedisError < 1000) return;
    lastRedisError = Date.now();
    log.warn({ error: err.name, reason: err.message }, 'redis connection error: reconnecting');
  };
  const redis = connectRedis(env, onRedisError, { autoPipelining: true });
  const store = new WorkflowStore(redis, env.REDIS_PREFIX, env.WORKFLOW_RETENTION_DAYS * 86_400_000);
  // BullMQ defines its many Lua commands on the connection it gets, and ioredis copies them into every MULTI:
  // on a connection of its own they do not slow the store's transactions (bench: up to 2x events/s).
  const bullRedis = connectRedis(env, onRedisError);
  const queues = new Queues(bullRedis, env.REDIS_PREFIX, { attempts: env.EFFECT_ATTEMPTS, backoffMs: env.EFFECT_BACKOFF_MS }, onRedisError);

  // PORT=0 (tests, the demo) takes a free port now, so the desk's webhooks and the adapter know where to go.
  const port = env.PORT === 0 ? await freePort() : env.PORT;
  const localDeskUrl = env.LOCAL_DESK_URL ?? `http://127.0.0.1:${port}/desk`;
  const source = opts.source ?? process.env;
  const platform = opts.platform ?? (await createPlatform({ config, source, redis, log }));
  const ticketing: ReadonlyMap<string, TicketSystem> = await createTicketSystems({ config, source, redis, log, localDeskUrl });
  const tenants = env.TENANTS_FILE ? await startTenants(env.TENANTS_FILE, config, source, redis, log) : undefined;
  const knownTenants = (): ReadonlySet<string> => new Set(tenants?.registry.current.byId.keys() ?? []);
  /** the policy of a ticket's tenant (its SLA targets), or the global one */
  const policyOf = (tenant: string | undefined) => (tenant !== undefined ? tenants?.registry.current.byId.get(tenant)?.policy : undefined) ?? policy;
  const platformNameOf = (tenant: string | undefined) => (tenant !== undefined ? (tenants?.platforms.nameOf(tenant) ?? 'unknown') : platform.name);

  const sla = new SlaStore(redis, env.REDIS_PREFIX, env.SLA_RETENTION_DAYS);
  const modeAudit = new ModeAuditStore(redis, env.REDIS_PREFIX, env.SLA_RETENTION_DAYS);
  const serverChange = new ServerChange(redis, store.keys, log, opts.now ?? Date.now);
  const metrics = new Metrics();
  const openTickets = new OpenTicketIndex(redis, store.keys);
  const observer = new TicketObserver({
    metrics,
    index: openTickets,
    activity: new TicketActivity(redis, store.keys),
    log,
    platformName: platform.name,
    systems: new Set(ticketing.keys()),
    knownTenants,
  });
  const allQueues = [queues.events, queues.effects, queues.timers, queues.maintenance];
  metrics.watch({
    openTickets: () => openTickets.counts(),
    queueCounts: async () => Object.fromEntries(await Promise.all(allQueues.map(async (q) => [q.name, await q.getJobCounts(...QUEUE_JOB_STATES)] as const))),
    timers: () => store.timerCounts((opts.now ?? Date.now)()),
    drainRequests: () => drainRequests.count(),
  });
  // The one-time code page needs the operations token: without it no codes are ever held (see docs/security.md).
  const vault = env.ADMIN_TOKEN ? new CodeVault({ redis, prefix: env.REDIS_PREFIX, key: vaultKey(env.ADMIN_TOKEN) }) : undefined;
  const onApplied: EventProcessorDeps['onApplied'] = (tk, event, before, after, effects) => {
    // A ticket that just ended gets its SLA record (first reply, waiting, resolution, outcome).
    if (after && after.status !== before?.status) {
      const record = slaRecordOf(after, platformNameOf(after.tenant), policyOf(after.tenant));
      if (record) sla.save(record).catch((err: Error) => log.warn({ tk, state: after.status, error: err.name, reason: err.message }, 'SLA record not saved'));
      // a shadow or approve-changes round that ended: what the bot proposed and what the agents did (report --mode-audit)
      const audit = modeAuditRecordOf(after);
      if (audit) modeAudit.save(audit).catch((err: Error) => log.warn({ tk, state: after.status, error: err.name, reason: err.message }, 'mode audit record not saved'));
    }
    if (vault && before?.status === 'escalated' && releasesHeldCodes(event, before)) {
      vault.drop(tk).catch((err: Error) => log.warn({ tk, error: err.name, reason: err.message }, 'held resync codes not dropped (they expire within ten minutes)'));
    }
    observer.applied(tk, event, before, after, effects);
    opts.onApplied?.(tk, event, before, after, effects);
  };
  // Inline, a resync runs in the drain that read its reply: it takes the text from memory instead of a second read.
  const recentComments = env.EFFECTS_INLINE ? new RecentComments() : undefined;
  const publicUrl = env.PUBLIC_URL ?? `http://127.0.0.1:${port}`;
  const executor = new EffectExecutor({
    platform,
    ...(tenants ? { tenants: tenants.platforms } : {}),
    ...(vault
      ? { assist: { vault, consoleSteps: (tokenType: string) => assistConsoleSteps(platform.consoleUrl, tokenType), pageUrl: (linkId: string) => `${publicUrl}/assist/${linkId}` } }
      : {}),
    ...(recentComments ? { recentComments } : {}),
    tokensAhead: new TokensReadAhead(),
    ticketing,
    timers: store,
    resyncLimit: { redis, keys: store.keys, perUserPerDay: policy.maxResyncsPerUserPerDay },
    requeue: async (tk, events) => {
      if ((await store.append(tk, events)) > 0) await queues.drain(tk);
    },
    // shadow and approve-changes tickets: a write the mode keeps for an agent runs only when an agent applied it
    modes: { stateOf: async (tk) => (await store.getState(tk)).state },
    ...(opts.now ? { now: opts.now } : {}),
  });
  const roles = new Set(env.ROLES);
  // A process that runs workers drains the tickets it is told of itself (webhooks it takes, effect jobs it completes);
  // one that runs no workers asks the worker processes through the drain requests (see drain-requests.ts).
  let drains: DrainScheduler | undefined;
  const drainRequests = new DrainRequests(redis, store.keys);
  const wake = (tk: string): Promise<void> => (drains ? drains.wake(tk) : roles.has('workers') ? queues.drain(tk) : drainRequests.push(tk));
  const runner = new EffectRunner({
    store,
    queues,
    executor,
    log,
    wake,
    attempts: env.EFFECT_ATTEMPTS,
    backoffMs: env.EFFECT_BACKOFF_MS,
    onEffect: (attempt) => observer.effect(attempt),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const processor = new EventProcessor({
    store,
    queues,
    policy,
    ...(tenants ? { tenancy: tenancyOf(tenants.registry) } : {}),
    serverChangedAt: () => serverChange.changedAt(),
    ticketing,
    log,
    onApplied,
    onReadAhead: (tk, effect, at) => observer.effect({ tk, effect, outcome: 'ok', at }),
    ...(recentComments ? { recentComments } : {}),
    // run in the drain, leased to it for as long as a job's lock would hold it
    ...(env.EFFECTS_INLINE ? { inline: { run: (tk, effect) => runner.runInline(tk, effect), leaseMs: env.JOB_LOCK_MS, readAhead: (tk, effect, state) => runner.readAhead(tk, effect, state) } } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  if (roles.has('workers') && env.LOCAL_DRAIN_BACKLOG > 0) {
    drains = new DrainScheduler({ processor, queues, store, log, concurrency: env.EVENT_CONCURRENCY, maxWaiting: env.LOCAL_DRAIN_BACKLOG });
  }
  const sweeper = new Sweeper(store, queues, log);
  const timerPoller = new TimerPoller({ store, wake, log, ...(opts.now ? { now: opts.now } : {}) });
  const poller = new Poller(store, queues, ticketing, log, async () => (await openTickets.members(OPEN_TICKETS_POLLED)).tks);

  let drainListener: DrainRequestListener | undefined;
  let desk: DeskStore | undefined;
  const workers: Worker[] = [];
  let ready = false;
  let server: ReturnType<typeof createIntakeServer> | undefined;
  let metricsServer: ReturnType<typeof createMetricsServer> | undefined;

  const app: App = {
    config,
    log,
    redis,
    store,
    queues,
    platform,
    tenants,
    ticketing,
    processor,
    sweeper,
    poller,
    metrics,
    get desk() {
      return desk;
    },
    url: undefined,
    async start() {
      tenants?.registry.start();
      serverChange.watch();
      if (roles.has('intake')) {
        server = createIntakeServer({
          store,
          // an intake-only process asks the worker processes in the step that stores the events
          ...(roles.has('workers') ? { wake } : {}),
          ticketing,
          log,
          metrics,
          isReady: () => ready || !roles.has('workers'),
          // Only the configured system names reach a label: an unknown path segment is counted as 'unknown'.
          onRefused: (system, slug) => metrics.webhookRefusals.inc({ system: ticketing.has(system) ? system : 'unknown', reason: slug }),
          onAccepted: (system, events) => metrics.webhookEvents.inc({ system }, events),
        });
        const opsDeps = {
          config,
          redis,
          store,
          queues,
          sla,
          openTickets,
          metrics,
          ticketing,
          platformName: platform.name,
          knownTenants,
          log,
          now: opts.now ?? Date.now,
          access: opsAccess(env.ADMIN_TOKEN),
        };
        await server.register(async (instance) => registerOpsRoutes(instance, opsDeps));
        if (vault) await server.register(async (instance) => registerAssist(instance, { vault, adminToken: env.ADMIN_TOKEN }));
        if (env.TICKET_SYSTEM === 'local' && env.LOCAL_DESK_SERVE) {
          const notifier = new WebhookNotifier({ webhookUrl: `http://127.0.0.1:${port}/webhooks/local`, secret: env.LOCAL_DESK_WEBHOOK_SECRET, log });
          desk = new DeskStore({ redis, prefix: `${env.REDIS_PREFIX}:desk`, notifier, escalationGroup: env.LOCAL_DESK_ESCALATION_GROUP, notifyBotChanges: false });
          const deskStore = desk;
          await server.register(deskRoutes, { prefix: '/desk', store: deskStore, ...(env.LOCAL_DESK_API_TOKEN ? { apiToken: env.LOCAL_DESK_API_TOKEN } : {}) });
        }
        app.url = (await server.listen({ port, host: env.HOST })).replace('0.0.0.0', '127.0.0.1');
        log.info({ url: app.url, roles: [...roles] }, 'intake listening');
        logExposure(log, env.HOST, exposed);
      }
      if (!roles.has('intake') && env.METRICS_PORT !== undefined) {
        metricsServer = createMetricsServer(metrics, log);
        app.url = (await metricsServer.listen({ port: env.METRICS_PORT, host: env.HOST })).replace('0.0.0.0', '127.0.0.1');
        log.info({ url: app.url }, 'metrics listening');
        logExposure(log, env.HOST, exposed);
      }
      if (roles.has('workers')) {
        const connection = bullRedis;
        const base = { connection, prefix: bullPrefix(env.REDIS_PREFIX), lockDuration: env.JOB_LOCK_MS, stalledInterval: env.JOB_LOCK_MS };
        workers.push(
          new Worker<DrainJob>(QUEUE.events, async (job) => void (await processor.drain(job.data.tk)), { ...base, concurrency: env.EVENT_CONCURRENCY }),
          new Worker<EffectJob>(QUEUE.effects, (job, token) => runner.process(job, token), { ...base, concurrency: env.EFFECT_CONCURRENCY }),
          // timer jobs of earlier versions (timers are now kept by the commit: see TimerPoller)
          new Worker<TimerJob>(QUEUE.timers, (job) => fireTimer(job, store, queues, (opts.now ?? Date.now)(), log), { ...base, concurrency: 4 }),
          new Worker(
            QUEUE.maintenance,
            async (job) => {
              if (job.name === 'poll') return poller.poll();
              return sweeper.sweep();
            },
            { ...base, concurrency: 1 },
          ),
        );
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
        const pollEveryS = Math.min(...[...ticketing.values()].map((t) => t.pollIntervalS ?? env.POLL_INTERVAL_S));
        await queues.maintenance.upsertJobScheduler('poll', { every: pollEveryS * 1000 }, { name: 'poll', opts: { removeOnComplete: true, removeOnFail: 100 } });
        await queues.maintenance.upsertJobScheduler('sweep', { every: env.SWEEP_INTERVAL_S * 1000 }, { name: 'sweep', opts: { removeOnComplete: true, removeOnFail: 100 } });
        await Promise.all(workers.map((w) => w.waitUntilReady()));
        // Work a crash left behind is picked up now rather than at the first sweep.
        await sweeper.sweep();
        timerPoller.start();
        const scheduler = drains;
        drainListener = new DrainRequestListener({
          connection: connectRedis(env, onRedisError),
          keys: store.keys,
          wake,
          room: () => (scheduler ? scheduler.room() : env.EVENT_CONCURRENCY),
          whenRoom: () => (scheduler ? scheduler.whenRoom() : Promise.resolve()),
          log,
        });
        drainListener.start();
        ready = true;
        log.info({ roles: [...roles], platform: platform.name, ticketSystems: [...ticketing.keys()] }, 'workers running');
      }
    },
    async stop() {
      ready = false;
      // The embedded desk's webhooks go to this very server: stop them first, or server.close() waits on a
      // delivery whose handler calls back into the closing server (seen as a one-in-five hang of a minute).
      await desk?.close?.();
      await server?.close();
      await metricsServer?.close();
      await timerPoller.stop();
      await drainListener?.stop();
      // drains asked for and not started become drain jobs; the running ones finish
      await drains?.close();
      await Promise.all(workers.map((w) => w.close()));
      await queues.close();
      await platform.close?.();
      tenants?.registry.stop();
      await tenants?.platforms.close();
      for (const t of ticketing.values()) await t.close?.();
      redis.disconnect();
      bullRedis.disconnect();
    },
  };
  return app;
}

/**
 * The tenants file and one platform per tenant; a valid new file (edited, or SIGHUP) rebuilds the platforms whose
 * settings changed. A platform that cannot be built on a reload is logged: its tenant's effects fail until fixed.
 */
async function startTenants(path: string, config: Config, source: NodeJS.ProcessEnv, redis: Redis, log: Logger) {
  const registry = new TenantRegistry({ path, basePolicy: config.policy, env: source, log });
  const platforms = await TenantPlatforms.build(registry.current, { redis, env: config.env, log });
  registry.onChange(async (next) => {
    try {
      await platforms.update(next);
    } catch (err) {
      log.error({ variable: 'TENANTS_FILE', error: (err as Error).name, reason: (err as { reason?: string }).reason ?? (err as Error).message }, 'a tenant platform could not be built after the reload');
    }
  });
  log.info({ tenants: registry.current.tenants.map((t) => t.id) }, 'tenants loaded');
  return { registry, platforms };
}

/** One loud line naming what other machines can reach, so an operator sees it in the first lines of the log. */
function logExposure(log: Logger, host: string, exposed: string[]): void {
  if (exposed.length === 0) {
    log.info({ host }, 'listening on loopback only: set HOST to accept webhooks from other machines');
    return;
  }
  log.warn({ host, exposed }, `listening beyond loopback on ${host}: other machines can reach ${exposed.join('; ')}`);
}
