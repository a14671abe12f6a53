import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import { InvalidWebhook } from '../../integrations/ticketing/errors.js';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import { isInert } from '../../workflows/resync/index.js';
import { ticketKey } from '../store/keys.js';
import type { WorkflowStore } from '../store/workflow-store.js';
import type { Metrics } from '../observe/metrics.js';

export const MAX_WEBHOOK_BYTES = 256 * 1024;
/** Webhooks older than 5 minutes are refused as stale, so a day of delivery ids covers every replay window. */
const DELIVERY_TTL_S = 86_400;
/**
 * Retry-After of a 503. Zendesk resends a webhook answered 503 (or 429) only when it carries a short Retry-After, and
 * one answered without it waits for the poller: a rate limit asks for its own wait, capped here; any other failure
 * for a short one.
 */
const RETRY_AFTER_MAX_S = 30;
const RETRY_AFTER_S = 10;

export interface IntakeDeps {
  store: WorkflowStore;
  /**
   * wakes the ticket's drain in a process that runs workers (see DrainScheduler); without it, the intake asks the
   * worker processes through the drain requests, in the same step as the events (see drain-requests.ts)
   */
  wake?: (tk: string) => Promise<void>;
  ticketing: ReadonlyMap<string, TicketSystem>;
  log: Logger;
  /** true once the workers are consuming; /readyz answers 503 before */
  isReady: () => boolean;
  now?: () => number;
  onRefused?: (system: string, slug: string) => void;
  onAccepted?: (system: string, events: number) => void;
  /** served at GET /metrics (Prometheus text format) */
  metrics?: Metrics;
}

/**
 * The HTTP intake: one signed webhook endpoint per ticket system, health and readiness. A webhook is only a
 * notification: it is verified, turned into events, queued durably, and answered; the workflow does the rest.
 */
export function createIntakeServer(deps: IntakeDeps) {
  const now = deps.now ?? Date.now;
  const app = Fastify({ loggerInstance: deps.log.child({ component: 'intake' }), bodyLimit: MAX_WEBHOOK_BYTES, logController: new LogController({ disableRequestLogging: true }) });

  app.register(async (webhooks) => {
    // Signatures are over the raw bytes, so the body is kept as a Buffer and parsed by the adapter.
    webhooks.removeAllContentTypeParsers();
    webhooks.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_WEBHOOK_BYTES }, (_req, body, done) => done(null, body));

    webhooks.post<{ Params: { system: string } }>('/webhooks/:system', async (req, reply) => {
      const { system } = req.params;
      const ticketing = deps.ticketing.get(system);
      if (!ticketing) return reply.code(404).send({ error: 'unknown_system', message: `no ticket system '${system}' is configured here` });
      const request = { headers: req.headers, rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), url: req.url };
      try {
        ticketing.verifyWebhook(request, now());
        const deliveryId = ticketing.webhookDeliveryId?.(request);
        const deliveryKey = deliveryId ? deps.store.keys.delivery(system, deliveryId) : undefined;
        const replayed = () => new InvalidWebhook('replayed', `delivery ${deliveryId} was accepted before: a replay is not processed twice`, 409);
        // before reading the events only when that reading calls the API; the step that stores them checks anyway
        if (deliveryKey && ticketing.webhookEventsCallApi && (await deps.store.redis.exists(deliveryKey)) === 1) throw replayed();
        // what no workflow state acts on (a requester's reply reopening the ticket) is not stored or drained
        const batches = (await ticketing.eventsFromWebhook(request, now()))
          .map((batch) => ({ tk: ticketKey(system, batch.ticketId), events: batch.events.filter((e) => !isInert(e)) }))
          .filter((batch) => batch.events.length > 0);
        // The events, the drain requests and the delivery's record in one step: a delivery that failed here is
        // not recorded, and is taken whole when it comes again. A ticket the bot does not watch is checked in that
        // step too, before anything is written: it costs no key (watchedOnly).
        const added = await deps.store.accept(batches, {
          watchedOnly: true,
          requestDrains: !deps.wake,
          ...(deliveryKey ? { delivery: { key: deliveryKey, ttlS: DELIVERY_TTL_S } } : {}),
          now: now(),
        });
        if (added === 'replayed') throw replayed();
        let accepted = 0;
        for (const [i, batch] of batches.entries()) {
          const n = added[i] ?? 0;
          if (n > 0 && deps.wake) await deps.wake(batch.tk);
          accepted += n;
        }
        deps.onAccepted?.(system, accepted);
        return reply.code(202).send({ accepted });
      } catch (err) {
        if (err instanceof InvalidWebhook) {
          deps.onRefused?.(system, err.slug);
          req.log.warn({ system, refused: err.slug }, 'webhook refused');
          return reply.code(err.statusCode).send({ error: err.slug, message: err.message });
        }
        const e = err as { name?: string; reason?: string; message?: string; retryAfterMs?: unknown };
        const reason = e.reason ?? e.message;
        if (typeof e.retryAfterMs === 'number' && e.retryAfterMs > 0) {
          // whose limit it was is in the reason: the bot's own budget, or a pause Zendesk asked for
          const retryAfterS = Math.min(RETRY_AFTER_MAX_S, Math.max(1, Math.ceil(e.retryAfterMs / 1000)));
          req.log.warn({ system, error: e.name, reason, retryAfterS }, 'webhook deferred: rate limited, the sender is asked to retry');
          return reply.code(503).header('retry-after', String(retryAfterS)).send({ error: 'rate_limited', message: `retry in ${retryAfterS} s` });
        }
        req.log.error({ system, error: e.name, reason, retryAfterS: RETRY_AFTER_S }, 'webhook not processed: the sender is asked to retry');
        return reply.code(503).header('retry-after', String(RETRY_AFTER_S)).send({ error: 'unavailable', message: 'could not process the webhook now; retry later' });
      }
    });
  });

  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, _req, reply) => {
    if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      deps.onRefused?.('unknown', 'too_large');
      return reply.code(413).send({ error: 'too_large', message: `webhook bodies are limited to ${MAX_WEBHOOK_BYTES} bytes` });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return reply.code(status).send({ error: status < 500 ? 'bad_request' : 'internal', message: status < 500 ? err.message : 'internal error' });
  });

  app.get('/healthz', async () => ({ ok: true }));
  const { metrics } = deps;
  if (metrics) {
    app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  }
  app.get('/readyz', async (_req, reply) => {
    try {
      await deps.store.redis.ping();
    } catch {
      return reply.code(503).send({ ready: false, reason: 'redis unreachable' });
    }
    if (!deps.isReady()) return reply.code(503).send({ ready: false, reason: 'workers starting' });
    return { ready: true };
  });
  return app;
}
