import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DeskStore } from '../integrations/ticketing/local/desk-store.js';
import type { TicketSystem } from '../integrations/ticketing/ticket-system.js';
import type { TwoFactorPlatform } from '../integrations/twofa/platform.js';
import { createPlatform } from './adapters/platforms.js';
import { createTicketSystems } from './adapters/ticket-systems.js';
import { CodeVault, vaultKey } from './assist/code-vault.js';
import { checkExposure, type Config } from './config.js';
import { DrainRequests } from './drain/drain-requests.js';
import type { EventProcessor, EventProcessorDeps } from './drain/event-processor.js';
import type { Sweeper } from './drain/sweeper.js';
import type { Poller } from './intake/poller.js';
import { createLogger } from './logger.js';
import type { Metrics } from './observe/metrics.js';
import { freePort } from './redis/private-redis.js';
import { ServerChange } from './redis/server-change.js';
import { Queues } from './store/queues.js';
import { WorkflowStore } from './store/workflow-store.js';
import type { TenantPlatforms } from './tenants/platform-pool.js';
import type { TenantRegistry } from './tenants/registry.js';
import { startWorkers, type BullWorkers } from './wiring/bull-workers.js';
import { drain } from './wiring/drain.js';
import { effects } from './wiring/effects.js';
import { startHttp, type Http } from './wiring/http.js';
import { observation } from './wiring/observation.js';
import { onApplied } from './wiring/on-applied.js';
import { redisConnections } from './wiring/redis-connections.js';
import { startTenants, tenantLookups } from './wiring/tenant-wiring.js';
import { Wake } from './wiring/wake.js';

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

/**
 * Wires integrations and workflow into queues, workers and the HTTP intake, in the order an event travels: the
 * adapters, what observes, the effects, the drain; then start() opens the HTTP side and the workers. The parts are
 * in workers/wiring/. Nothing starts until start().
 */
export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const { env, policy } = config;
  // Before any connection: a process that would expose the embedded desk unprotected does not start.
  const exposed = checkExposure(env);
  const log = opts.log ?? createLogger(env.LOG_LEVEL);
  const now = opts.now ?? Date.now;
  const roles = new Set(env.ROLES);
  const connections = redisConnections(env, log);
  const { redis } = connections;
  const store = new WorkflowStore(redis, env.REDIS_PREFIX, env.WORKFLOW_RETENTION_DAYS * 86_400_000);
  const queues = new Queues(connections.bullRedis, env.REDIS_PREFIX, { attempts: env.EFFECT_ATTEMPTS, backoffMs: env.EFFECT_BACKOFF_MS }, connections.onError);

  // PORT=0 (tests, the demo) takes a free port now, so the desk's webhooks and the adapter know where to go.
  const port = env.PORT === 0 ? await freePort() : env.PORT;
  const source = opts.source ?? process.env;
  const platform = opts.platform ?? (await createPlatform({ config, source, redis, log }));
  const ticketing = await createTicketSystems({ config, source, redis, log, localDeskUrl: env.LOCAL_DESK_URL ?? `http://127.0.0.1:${port}/desk` });
  const tenants = env.TENANTS_FILE ? await startTenants(env.TENANTS_FILE, config, source, redis, log) : undefined;
  const lookups = tenantLookups(tenants, policy, platform);

  const drainRequests = new DrainRequests(redis, store.keys);
  const observed = observation({ redis, prefix: env.REDIS_PREFIX, slaRetentionDays: env.SLA_RETENTION_DAYS, store, queues, drainRequests, platformNameOf: lookups.platformNameOf, ticketing, knownTenants: lookups.knownTenants, log, now });
  // The one-time code page needs the operations token: without it no codes are ever held (see docs/security.md).
  const vault = env.ADMIN_TOKEN ? new CodeVault({ redis, prefix: env.REDIS_PREFIX, key: vaultKey(env.ADMIN_TOKEN) }) : undefined;
  const wake = new Wake(roles.has('workers'), queues, drainRequests);
  const effectSide = effects({ env, policy, redis, store, queues, platform, tenants, ticketing, vault, publicUrl: env.PUBLIC_URL ?? `http://127.0.0.1:${port}`, observer: observed.observer, wake: wake.wake, log, now: opts.now });
  const serverChange = new ServerChange(redis, store.keys, log, now);
  const drainSide = drain({
    env,
    policy,
    runsWorkers: roles.has('workers'),
    store,
    queues,
    ticketing,
    tenants,
    serverChange,
    effects: effectSide,
    observer: observed.observer,
    openTickets: observed.openTickets,
    onApplied: onApplied({ observation: observed, tenants: lookups, vault, log, then: opts.onApplied }),
    wake,
    log,
    now: opts.now,
  });

  let ready = false;
  let http: Http | undefined;
  let workers: BullWorkers | undefined;
  const app: App = {
    config,
    log,
    redis,
    store,
    queues,
    platform,
    tenants,
    ticketing,
    processor: drainSide.processor,
    sweeper: drainSide.sweeper,
    poller: drainSide.poller,
    metrics: observed.metrics,
    get desk() {
      return http?.desk;
    },
    url: undefined,
    async start() {
      tenants?.registry.start();
      serverChange.watch();
      http = await startHttp({
        config,
        port,
        roles,
        exposed,
        redis,
        store,
        queues,
        ticketing,
        platformName: platform.name,
        tenants: lookups,
        observation: observed,
        vault,
        // an intake-only process asks the worker processes in the step that stores the events
        wake: roles.has('workers') ? wake.wake : undefined,
        isReady: () => ready || !roles.has('workers'),
        log,
        now,
      });
      app.url = http.url;
      if (roles.has('workers')) {
        workers = await startWorkers({ env, connections, store, queues, ticketing, drain: drainSide, effects: effectSide, wake, log, now });
        ready = true;
        log.info({ roles: [...roles], platform: platform.name, ticketSystems: [...ticketing.keys()] }, 'workers running');
      }
    },
    async stop() {
      ready = false;
      await http?.close();
      if (workers) await workers.close();
      else {
        await drainSide.timerPoller.stop();
        await drainSide.scheduler?.close();
      }
      await queues.close();
      await platform.close?.();
      tenants?.registry.stop();
      await tenants?.platforms.close();
      for (const t of ticketing.values()) await t.close?.();
      connections.close();
    },
  };
  return app;
}
