import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import axios, { type AxiosInstance } from 'axios';
import type { Redis } from 'ioredis';
import { createApp, type App } from '../../workers/app.js';
import { DEV_LOCAL_DESK_SECRET, loadConfig } from '../../workers/config.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signDeskWebhook } from '../../integrations/ticketing/local/webhook-signature.js';
import { capturedLogger } from '../support/log-capture.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';

const TYPES = ['ticket.created', 'comment.created', 'ticket.tags_changed', 'ticket.status_changed', 'ticket.assigned', 'zen:event-type:ticket.created'];

/** Changes that look almost right: the known types with random, missing or wrongly typed fields. */
const nearValidChange = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...TYPES), fc.string()),
    deliveryId: fc.oneof(fc.uuid(), fc.string(), fc.integer()),
    ticketId: fc.oneof(fc.integer({ min: -5, max: 50 }).map(String), fc.string(), fc.integer()),
    at: fc.oneof(fc.integer(), fc.string(), fc.double()),
    commentId: fc.oneof(fc.integer({ min: 0, max: 99 }).map(String), fc.string()),
    authorId: fc.string(),
    authorRole: fc.oneof(fc.constantFrom('requester', 'end-user', 'agent', 'bot'), fc.string()),
    public: fc.oneof(fc.boolean(), fc.string()),
    tags: fc.oneof(fc.array(fc.string()), fc.string()),
    added: fc.array(fc.string()),
    removed: fc.array(fc.string()),
    status: fc.oneof(fc.constantFrom('new', 'open', 'pending', 'solved'), fc.string()),
    byRole: fc.string(),
    ticket: fc.anything(),
  },
  { requiredKeys: [] },
);

/** Webhooks that look almost right: the envelope of one write, with such changes (or anything) inside. */
const nearValid = fc
  .record(
    {
      deliveryId: fc.oneof(fc.uuid(), fc.string(), fc.integer()),
      ticketId: fc.oneof(fc.integer({ min: -5, max: 50 }).map(String), fc.string()),
      at: fc.oneof(fc.integer(), fc.string()),
      changes: fc.oneof(fc.array(nearValidChange, { maxLength: 4 }), fc.anything()),
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o));

const anyBody = fc.oneof(
  nearValid,
  nearValidChange.map((o) => JSON.stringify(o)),
  fc.json(),
  fc.string({ maxLength: 2000 }),
  fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.anything().map((v) => JSON.stringify(v) ?? 'undefined'),
);

describe('the intake under arbitrary input (fast-check)', () => {
  const prefix = freshPrefix('fuzz');
  const { log } = capturedLogger('error');
  let redis: Redis;
  let app: App;
  let http: AxiosInstance;

  beforeAll(async () => {
    redis = newRedis();
    app = await createApp(loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', ROLES: 'intake' }), { log });
    await app.start();
    http = axios.create({ baseURL: app.url, validateStatus: () => true, timeout: 10_000, transformRequest: [(d: unknown) => d] });
  });
  afterAll(async () => {
    await app.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('answers every correctly signed body with 202 or a 4xx and a reason, and keeps running', async () => {
    await fc.assert(
      fc.asyncProperty(anyBody, async (body) => {
        const ts = String(Date.now());
        const res = await http.post('/webhooks/local', body, { headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: signDeskWebhook(DEV_LOCAL_DESK_SECRET, ts, body) } });
        expect([202, 400, 401, 409, 413]).toContain(res.status);
        if (res.status !== 202) expect(typeof res.data.message).toBe('string');
      }),
      { numRuns: 300 },
    );
    expect((await http.get('/healthz')).status).toBe(200);
  });

  it('refuses every body with random headers, and queues nothing', async () => {
    const before = await redis.scard(`${prefix}:dirty`);
    await fc.assert(
      fc.asyncProperty(anyBody, fc.dictionary(fc.constantFrom(SIGNATURE_HEADER, TIMESTAMP_HEADER, 'content-type', 'x-other'), fc.string({ minLength: 1, maxLength: 100 }).filter((v) => /^[\x21-\x7e ]+$/.test(v))), async (body, headers) => {
        const res = await http.post('/webhooks/local', body, { headers });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
    expect(await redis.scard(`${prefix}:dirty`)).toBe(before);
  });
});
