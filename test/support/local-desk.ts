import Fastify from 'fastify';
import type { Redis } from 'ioredis';
import { DeskStore } from '../../integrations/ticketing/local/desk-store.js';
import { deskRoutes } from '../../integrations/ticketing/local/desk-routes.js';
import { WebhookNotifier, type WebhookNotifierOptions } from '../../integrations/ticketing/local/webhook-notifier.js';

export const TEST_WEBHOOK_SECRET = 'test-desk-webhook-secret-0123456789';

export interface LocalDeskOptions {
  redis: Redis;
  /** fresh per test (see `testPrefix`) so that tests never see each other's tickets */
  prefix: string;
  /** where the desk posts its signed webhooks; none: no webhooks */
  webhookUrl?: string;
  webhookSecret?: string;
  apiToken?: string;
  escalationGroup?: string;
  /** false: the bot's own changes are not announced (as the app runs the desk) */
  notifyBotChanges?: boolean;
  /** retry timing for the notifier, short in tests */
  notifier?: Omit<WebhookNotifierOptions, 'webhookUrl' | 'secret'>;
  now?: () => number;
}

export interface LocalDesk {
  /** base URL of the desk API, e.g. `http://127.0.0.1:41234/desk` */
  url: string;
  store: DeskStore;
  notifier: WebhookNotifier | undefined;
  /** stops the server and the notifier; the Redis connection and keys are the caller's */
  close(): Promise<void>;
}

/** The desk's routes on a real HTTP server on a free loopback port, as the intake would serve them. */
export async function startLocalDesk(opts: LocalDeskOptions): Promise<LocalDesk> {
  const notifier =
    opts.webhookUrl !== undefined
      ? new WebhookNotifier({ retryDelayMs: 20, ...opts.notifier, webhookUrl: opts.webhookUrl, secret: opts.webhookSecret ?? TEST_WEBHOOK_SECRET })
      : undefined;
  const store = new DeskStore({
    redis: opts.redis,
    prefix: opts.prefix,
    notifier,
    ...(opts.escalationGroup !== undefined ? { escalationGroup: opts.escalationGroup } : {}),
    ...(opts.notifyBotChanges !== undefined ? { notifyBotChanges: opts.notifyBotChanges } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const app = Fastify({ logger: false });
  await app.register(deskRoutes, { prefix: '/desk', store, ...(opts.apiToken !== undefined ? { apiToken: opts.apiToken } : {}) });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `${address}/desk`,
    store,
    notifier,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

export { freshPrefix as testPrefix, deletePrefix as deleteKeys } from './redis.js';

export interface ReceivedWebhook {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** the status the receiver answers next (default 202); a function can fail the first tries */
  respondWith(status: number | ((attempt: number) => number)): void;
  /** resolves once at least `count` webhooks were answered 2xx, or fails after `timeoutMs` */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/** A real HTTP endpoint that keeps every webhook's raw bytes and headers, for signature checks. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let status: number | ((attempt: number) => number) = 202;
  let attempts = 0;
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/webhooks/local', async (req, reply) => {
    attempts++;
    const code = typeof status === 'function' ? status(attempts) : status;
    if (code >= 200 && code < 300) received.push({ headers: { ...req.headers }, rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0) });
    return reply.code(code).send({ ok: code < 300 });
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `${address}/webhooks/local`,
    received,
    respondWith(next) {
      status = next;
      attempts = 0;
    },
    async waitFor(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} webhooks, got ${received.length} in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received;
    },
    close: () => app.close(),
  };
}
