import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DeskStore } from '../../integrations/ticketing/local/desk-store.js';
import { deskRoutes } from '../../integrations/ticketing/local/desk-routes.js';
import { WebhookNotifier } from '../../integrations/ticketing/local/webhook-notifier.js';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import type { CodeVault } from '../assist/code-vault.js';
import type { Config } from '../config.js';
import { register as registerAssist } from '../http/assist-routes.js';
import { createMetricsServer } from '../http/metrics-server.js';
import { opsAccess } from '../http/ops-auth.js';
import { registerOpsRoutes } from '../http/ops-routes.js';
import { createIntakeServer } from '../intake/intake-server.js';
import type { Queues } from '../store/queues.js';
import type { WorkflowStore } from '../store/workflow-store.js';
import type { Observation } from './observation.js';
import type { TenantLookups } from './tenant-wiring.js';

export interface HttpDeps {
  config: Config;
  /** the port taken (PORT=0: a free one chosen at creation) */
  port: number;
  roles: ReadonlySet<string>;
  /** what checkExposure found reachable from other machines */
  exposed: string[];
  redis: Redis;
  store: WorkflowStore;
  queues: Queues;
  ticketing: ReadonlyMap<string, TicketSystem>;
  platformName: string;
  tenants: TenantLookups;
  observation: Observation;
  vault: CodeVault | undefined;
  /** drains a ticket in this process (workers); absent: the intake asks the workers in the step that stores the events */
  wake: ((tk: string) => Promise<void>) | undefined;
  isReady: () => boolean;
  log: Logger;
  now: () => number;
}

/** The HTTP side of a process, started: the intake with the ops routes (and the embedded desk), or a metrics server. */
export interface Http {
  url: string | undefined;
  desk: DeskStore | undefined;
  close(): Promise<void>;
}

export async function startHttp(deps: HttpDeps): Promise<Http> {
  const { config, roles, log, observation } = deps;
  const { env } = config;
  if (roles.has('intake')) {
    const { metrics } = observation;
    const server = createIntakeServer({
      store: deps.store,
      ...(deps.wake ? { wake: deps.wake } : {}),
      ticketing: deps.ticketing,
      log,
      metrics,
      isReady: deps.isReady,
      // Only the configured system names reach a label: an unknown path segment is counted as 'unknown'.
      onRefused: (system, slug) => metrics.webhookRefusals.inc({ system: deps.ticketing.has(system) ? system : 'unknown', reason: slug }),
      onAccepted: (system, events) => metrics.webhookEvents.inc({ system }, events),
    });
    const opsDeps = {
      config,
      redis: deps.redis,
      store: deps.store,
      queues: deps.queues,
      sla: observation.sla,
      openTickets: observation.openTickets,
      metrics,
      ticketing: deps.ticketing,
      platformName: deps.platformName,
      knownTenants: deps.tenants.knownTenants,
      log,
      now: deps.now,
      access: opsAccess(env.ADMIN_TOKEN),
    };
    await server.register(async (instance) => registerOpsRoutes(instance, opsDeps));
    const vault = deps.vault;
    if (vault) await server.register(async (instance) => registerAssist(instance, { vault, adminToken: env.ADMIN_TOKEN }));
    let desk: DeskStore | undefined;
    if (env.TICKET_SYSTEM === 'local' && env.LOCAL_DESK_SERVE) {
      const notifier = new WebhookNotifier({ webhookUrl: `http://127.0.0.1:${deps.port}/webhooks/local`, secret: env.LOCAL_DESK_WEBHOOK_SECRET, log });
      const store = new DeskStore({ redis: deps.redis, prefix: `${env.REDIS_PREFIX}:desk`, notifier, escalationGroup: env.LOCAL_DESK_ESCALATION_GROUP, notifyBotChanges: false });
      desk = store;
      await server.register(deskRoutes, { prefix: '/desk', store, ...(env.LOCAL_DESK_API_TOKEN ? { apiToken: env.LOCAL_DESK_API_TOKEN } : {}) });
    }
    const url = (await server.listen({ port: deps.port, host: env.HOST })).replace('0.0.0.0', '127.0.0.1');
    log.info({ url, roles: [...roles] }, 'intake listening');
    logExposure(log, env.HOST, deps.exposed);
    return {
      url,
      desk,
      async close() {
        // The embedded desk's webhooks go to this very server: stop them first, or server.close() waits on a
        // delivery whose handler calls back into the closing server (seen as a one-in-five hang of a minute).
        await desk?.close?.();
        await server.close();
      },
    };
  }
  if (env.METRICS_PORT !== undefined) {
    const metricsServer = createMetricsServer(observation.metrics, log);
    const url = (await metricsServer.listen({ port: env.METRICS_PORT, host: env.HOST })).replace('0.0.0.0', '127.0.0.1');
    log.info({ url }, 'metrics listening');
    logExposure(log, env.HOST, deps.exposed);
    return { url, desk: undefined, close: async () => void (await metricsServer.close()) };
  }
  return { url: undefined, desk: undefined, close: async () => undefined };
}

/** One loud line naming what other machines can reach, so an operator sees it in the first lines of the log. */
function logExposure(log: Logger, host: string, exposed: string[]): void {
  if (exposed.length === 0) {
    log.info({ host }, 'listening on loopback only: set HOST to accept webhooks from other machines');
    return;
  }
  log.warn({ host, exposed }, `listening beyond loopback on ${host}: other machines can reach ${exposed.join('; ')}`);
}
