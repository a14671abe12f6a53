import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import axios, { type AxiosInstance } from 'axios';
import type { Redis } from 'ioredis';
import { createApp, type App } from '../../workers/app.js';
import { DEV_LOCAL_DESK_SECRET, loadConfig } from '../../workers/config.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signDeskWebhook } from '../../integrations/ticketing/local/webhook-signature.js';
import { capturedLogger } from '../support/log-capture.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';

function signed(body: string, secret = DEV_LOCAL_DESK_SECRET, at = Date.now()): Record<string, string> {
  const ts = String(at);
  return { 'content-type': 'application/json', [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: signDeskWebhook(secret, ts, body), [DELIVERY_HEADER]: 'd1' };
}

/**
 * The intake stores nothing of a ticket the bot does not watch (see workers.intake.unwatched.test.ts): the tickets
 * these tests write to have a workflow.
 */
async function botWorksOn(redis: Redis, prefix: string, ...tks: string[]): Promise<void> {
  for (const tk of tks) await redis.hset(`${prefix}:wf:${tk}`, 'v', '1', 's', '{}');
}

const commentCreated = JSON.stringify({
  deliveryId: 'd1',
  ticketId: '7',
  at: 1,
  changes: [{ type: 'comment.created', ticketId: '7', at: 1, commentId: '3', authorId: 'user-1', authorRole: 'requester', public: true }],
});

describe('the HTTP intake', () => {
  const prefix = freshPrefix('intake');
  const { log } = capturedLogger('warn');
  let redis: Redis;
  let app: App;
  let http: AxiosInstance;

  const inboxLength = () => redis.llen(`${prefix}:inbox:local:7`);
  const drainRequests = () => redis.zrange(`${prefix}:drain-requests`, 0, -1, 'WITHSCORES');

  beforeAll(async () => {
    redis = newRedis();
    app = await createApp(loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', ROLES: 'intake' }), { log });
    await app.start();
    await botWorksOn(redis, prefix, 'local:7', 'local:8');
    http = axios.create({ baseURL: app.url, validateStatus: () => true });
  });
  afterAll(async () => {
    await app.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('answers /healthz and /readyz', async () => {
    expect((await http.get('/healthz')).status).toBe(200);
    expect((await http.get('/readyz')).data).toEqual({ ready: true });
  });

  it.each([
    ['no signature', () => ({ 'content-type': 'application/json' }), commentCreated, 401, 'missing_signature'],
    ['a wrong secret', () => signed(commentCreated, 'not-the-secret-of-this-desk'), commentCreated, 401, 'bad_signature'],
    ['a tampered body', () => signed(commentCreated), commentCreated.replace('"3"', '"4"'), 401, 'bad_signature'],
    ['a stale timestamp (a replay)', () => signed(commentCreated, DEV_LOCAL_DESK_SECRET, Date.now() - 6 * 60_000), commentCreated, 401, 'stale_timestamp'],
    ['invalid JSON', () => signed('{"type":'), '{"type":', 400, 'bad_json'],
    ['JSON of the wrong shape', () => signed('{"type":"comment.created"}'), '{"type":"comment.created"}', 400, 'bad_shape'],
  ])('refuses %s with %i and a reason, and queues nothing', async (_name, headers, body, status, error) => {
    const res = await http.post('/webhooks/local', body, { headers: headers(), transformRequest: [(d: unknown) => d] });
    expect(res.status).toBe(status);
    expect(res.data.error).toBe(error);
    expect(typeof res.data.message).toBe('string');
    expect(await inboxLength()).toBe(0);
    expect(await drainRequests()).toEqual([]);
  });

  it('refuses a body over 256 KB with 413', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(300 * 1024) });
    const res = await http.post('/webhooks/local', big, { headers: signed(big), transformRequest: [(d: unknown) => d] });
    expect(res.status).toBe(413);
    expect(res.data.error).toBe('too_large');
  });

  it('answers 404 for a ticket system that is not configured', async () => {
    const res = await http.post('/webhooks/freshdesk', commentCreated, { headers: signed(commentCreated), transformRequest: [(d: unknown) => d] });
    expect(res.status).toBe(404);
  });

  it('queues a valid webhook once, however often it is delivered', async () => {
    const first = await http.post('/webhooks/local', commentCreated, { headers: signed(commentCreated), transformRequest: [(d: unknown) => d] });
    expect(first.status).toBe(202);
    expect(first.data).toEqual({ accepted: 1 });
    // No worker runs in this process: the drain is asked of the worker processes, in the step that stored the event,
    // and not as a BullMQ drain job.
    const requested = await drainRequests();
    expect(requested).toEqual(['local:7', expect.stringMatching(/^\d{13}$/)]);
    expect(await redis.get(`${prefix}:q:events:id`)).toBeNull();
    expect(await redis.get(`${prefix}:delivery:local:d1`)).toBe('1');
    // The same change delivered again under a new delivery id (the poller and the webhook both saw it): no new event.
    const redelivered = commentCreated.replace('"d1"', '"d1-again"');
    const again = await http.post('/webhooks/local', redelivered, { headers: signed(redelivered), transformRequest: [(d: unknown) => d] });
    expect(again.data).toEqual({ accepted: 0 });
    expect(await inboxLength()).toBe(1);
    // a new event for a ticket whose drain is already asked for keeps the one request, and its place in line
    const next = commentCreated.replace('"d1"', '"d1-next"').replace('"3"', '"4"');
    expect((await http.post('/webhooks/local', next, { headers: signed(next), transformRequest: [(d: unknown) => d] })).data).toEqual({ accepted: 1 });
    expect(await inboxLength()).toBe(2);
    expect(await drainRequests()).toEqual(requested);
    const stored = await redis.lindex(`${prefix}:inbox:local:7`, 0);
    expect(JSON.parse(stored ?? '{}')).toMatchObject({ type: 'commentAdded', commentId: '3', authorRole: 'requester' });
  });

  it.each([
    ['the requester reopening it by a reply', 'requester', 'open', 0],
    ['an agent setting it pending', 'agent', 'pending', 0],
    ['an agent solving it', 'agent', 'solved', 1],
  ])('stores a status change only when a workflow state acts on it: %s → %i', async (_name, byRole, status, accepted) => {
    const body = JSON.stringify({ deliveryId: `st-${byRole}-${status}`, ticketId: '8', at: 1, changes: [{ type: 'ticket.status_changed', ticketId: '8', at: 1, status, byRole }] });
    const res = await http.post('/webhooks/local', body, { headers: signed(body), transformRequest: [(d: unknown) => d] });
    expect(res.status).toBe(202);
    expect(res.data).toEqual({ accepted });
    const stored = (await redis.lrange(`${prefix}:inbox:local:8`, 0, -1)).map((e) => JSON.parse(e) as { type: string; status: string });
    expect(stored.filter((e) => e.type === 'statusChanged' && e.status === status)).toHaveLength(accepted);
  });

  it('refuses a delivery id it has processed before with 409, even freshly signed', async () => {
    const body = commentCreated.replace('"d1"', '"d2"').replace('"3"', '"5"');
    const first = await http.post('/webhooks/local', body, { headers: signed(body), transformRequest: [(d: unknown) => d] });
    expect(first.status).toBe(202);
    const replay = await http.post('/webhooks/local', body, { headers: signed(body, DEV_LOCAL_DESK_SECRET, Date.now() + 1000), transformRequest: [(d: unknown) => d] });
    expect(replay.status).toBe(409);
    expect(replay.data.error).toBe('replayed');
  });

  it('checks a replay in the step that stores the events, one round trip a webhook, and stores nothing of one', async () => {
    const sent: string[] = [];
    const send = app.redis.sendCommand.bind(app.redis);
    const spy = vi.spyOn(app.redis, 'sendCommand').mockImplementation((command, stream) => {
      sent.push(command.name);
      return send(command, stream);
    });
    try {
      const body = commentCreated.replace('"d1"', '"d3"').replace('"3"', '"6"');
      expect((await http.post('/webhooks/local', body, { headers: signed(body), transformRequest: [(d: unknown) => d] })).status).toBe(202);
      // the embedded desk's events need no API call to read: no separate replay check before them
      expect(sent).toEqual(['evalsha']);
      // the same delivery id again, now with another change: refused whole
      const other = body.replace('"6"', '"7"');
      const replay = await http.post('/webhooks/local', other, { headers: signed(other), transformRequest: [(d: unknown) => d] });
      expect(replay.status).toBe(409);
      expect(replay.data.error).toBe('replayed');
      const stored = (await redis.lrange(`${prefix}:inbox:local:7`, 0, -1)).map((e) => JSON.parse(e) as { commentId?: string });
      expect(stored.map((e) => e.commentId)).toContain('6');
      expect(stored.map((e) => e.commentId)).not.toContain('7');
    } finally {
      spy.mockRestore();
    }
  });
});

describe('the HTTP intake: metrics', () => {
  it('counts every refusal by reason in /metrics, with no ticket id or email in a label', async () => {
    const prefix = freshPrefix('metrics');
    const { log } = capturedLogger('warn');
    const redis = newRedis();
    const app = await createApp(loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', ROLES: 'intake' }), { log });
    await app.start();
    await botWorksOn(redis, prefix, 'local:7');
    const http = axios.create({ baseURL: app.url, validateStatus: () => true, transformRequest: [(d: unknown) => d] });
    try {
      await http.post('/webhooks/local', commentCreated, { headers: { 'content-type': 'application/json' } });
      await http.post('/webhooks/local', commentCreated, { headers: signed(commentCreated, 'a-wrong-secret-of-some-length') });
      await http.post('/webhooks/local', commentCreated, { headers: signed(commentCreated, 'a-wrong-secret-of-some-length') });
      await http.post('/webhooks/local', '{"type":', { headers: signed('{"type":') });
      await http.post('/webhooks/local', commentCreated, { headers: signed(commentCreated) });
      const res = await http.get('/metrics');
      expect(res.status).toBe(200);
      const text = String(res.data);
      expect(text).toContain('twofa_desk_webhook_refusals_total{system="local",reason="missing_signature"} 1');
      expect(text).toContain('twofa_desk_webhook_refusals_total{system="local",reason="bad_signature"} 2');
      expect(text).toContain('twofa_desk_webhook_refusals_total{system="local",reason="bad_json"} 1');
      expect(text).toContain('twofa_desk_webhook_events_total{system="local"} 1');
      const labels = text.split('\n').filter((l) => l.startsWith('twofa_desk_webhook')).join('\n');
      expect(labels).not.toMatch(/@|ticket|user-/);
    } finally {
      await app.stop();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  });
});

describe('configuration', () => {
  it('names the variable of a bad value', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ TICKET_SYSTEM: 'freshdesk' })).toThrow(/TICKET_SYSTEM/);
    expect(() => loadConfig({ REDIS_URL: 'not a url' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ ROLES: 'intake,cooking' })).toThrow(/ROLES/);
  });

  it('defaults to the embedded desk and platform', () => {
    const { env, policy } = loadConfig({});
    expect(env.TICKET_SYSTEM).toBe('local');
    expect(env.TWOFA_PLATFORM).toBe('local');
    expect(env.PORT).toBe(3000);
    expect(policy.watchTag).toBe('2fa_issue');
  });

  it('reads the policy file and names a bad field', async () => {
    const { writeFile } = await import('node:fs/promises');
    const path = `/tmp/twofa-policy-${process.pid}.json`;
    await writeFile(path, JSON.stringify({ maxAttempts: 0 }));
    expect(() => loadConfig({ POLICY_FILE: path })).toThrow(/POLICY_FILE.*maxAttempts/);
    await writeFile(path, JSON.stringify({ maxAttempts: 5, onTimeout: 'escalate' }));
    expect(loadConfig({ POLICY_FILE: path }).policy).toMatchObject({ maxAttempts: 5, onTimeout: 'escalate' });
  });
});
