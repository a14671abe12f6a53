import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../observe/metrics.js';

/**
 * GET /metrics and /healthz for a process without the intake (ROLES=workers, METRICS_PORT set): the counters of
 * what its workers did live in its own memory, so Prometheus scrapes each such process too.
 */
export function createMetricsServer(metrics: Metrics, log: Logger) {
  const app = Fastify({ loggerInstance: log.child({ component: 'metrics' }), logController: new LogController({ disableRequestLogging: true }) });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.get('/healthz', async () => ({ ok: true }));
  return app;
}
