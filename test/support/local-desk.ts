import Fastify from 'fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { DeskStore } from '../../integrations/ticketing/local/desk-store.js';
import { deskRoutes } from '../../integrations/ticketing/local/desk-routes.js';
import { WebhookNotifier, type WebhookNotifierOptions } from '../../integrations/ticketing/local/webhook-notifier.js';
import type { WriteFault } from './ticket-system-contract.js';

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
  /** makes the next bot-update (the adapter's only write) fail once as `kind` (see installWriteFaults) */
  failNextWrite(kind: WriteFault): void;
  /** true while a fault set by failNextWrite has not met a write yet */
  writeFaultPending(): boolean;
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
  const failNextWrite = installWriteFaults(app, (req) => req.method === 'POST' && req.url.split('?')[0]?.endsWith('/bot-update') === true);
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
    failNextWrite,
    writeFaultPending: () => failNextWrite.pending(),
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

/**
 * Fault injection for a harness whose fake desk is a Fastify app: call before the fake's own hooks and routes are added, so that
 * a request log kept in an onSend hook records the status the adapter saw. `isWrite` picks the adapter's writes.
 * Returns `failNextWrite`, whose `pending()` says whether the fault is still waiting for a write (the harness's
 * `writeFaultPending`).
 */
export function installWriteFaults(app: FastifyInstance, isWrite: (req: FastifyRequest) => boolean): ((kind: WriteFault) => void) & { pending(): boolean } {
  let next: WriteFault | undefined;
  const lost = new WeakSet<FastifyRequest>();
  // preHandler: after the fake's onRequest hooks, before its route applies anything
  app.addHook('preHandler', async (req, reply) => {
    if (next === undefined || !isWrite(req)) return;
    const kind = next;
    next = undefined;
    switch (kind) {
      case 'unreachable':
        reply.hijack();
        req.raw.socket.destroy();
        return;
      case 'status500':
        return reply.code(500).send({ error: 'InternalError', description: 'injected by the contract: not applied' });
      case 'rateLimited':
        return reply.code(429).header('retry-after', '1').send({ error: 'RateLimited', description: 'injected by the contract: not applied' });
      case 'appliedThenLost':
        lost.add(req);
        return;
    }
  });
  app.addHook('onSend', async (req, reply, payload) => {
    if (!lost.has(req)) return payload;
    void reply.code(500).header('content-type', 'application/json');
    return JSON.stringify({ error: 'InternalError', description: 'injected by the contract: applied, answer lost' });
  });
  const failNextWrite = (kind: WriteFault): void => {
    next = kind;
  };
  return Object.assign(failNextWrite, { pending: () => next !== undefined });
}
