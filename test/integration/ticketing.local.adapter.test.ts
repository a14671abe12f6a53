import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidWebhook, TicketSystemRateLimited, TicketSystemUnavailable, TicketingAuthFailed } from '../../integrations/ticketing/errors.js';
import { LocalDeskAdapter } from '../../integrations/ticketing/local/adapter.js';
import { DeskClient } from '../../integrations/ticketing/local/client.js';
import { DeskRequestRefused } from '../../integrations/ticketing/local/desk-request-refused.js';
import { WebhookPayloadSchema, type DeskChange, type DeskTicket, type WebhookPayload } from '../../integrations/ticketing/local/schemas.js';
import { signDeskWebhook } from '../../integrations/ticketing/local/webhook-signature.js';
import type { TicketUpdate, WebhookRequest } from '../../integrations/ticketing/ticket-system.js';
import { TEST_WEBHOOK_SECRET, deleteKeys, startLocalDesk, startWebhookReceiver, testPrefix, type LocalDesk, type ReceivedWebhook, type WebhookReceiver } from '../support/local-desk.js';

const WATCH = '2fa_issue';
const MINUTE = 60_000;

let redis: Redis;
let prefix: string;
let desk: LocalDesk;
let receiver: WebhookReceiver;
let client: DeskClient;
let adapter: LocalDeskAdapter;

beforeAll(() => {
  redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
});

afterAll(async () => {
  await redis.quit();
});

beforeEach(async () => {
  prefix = testPrefix('adapter');
  receiver = await startWebhookReceiver();
  desk = await startLocalDesk({ redis, prefix, webhookUrl: receiver.url });
  client = new DeskClient({ baseUrl: desk.url });
  adapter = new LocalDeskAdapter({ baseUrl: desk.url, webhookSecret: TEST_WEBHOOK_SECRET, watchTag: WATCH, retries: 2, retryBaseDelayMs: 10 });
});

afterEach(async () => {
  await adapter.close();
  client.close();
  await desk.close();
  await receiver.close();
  await deleteKeys(redis, prefix);
});

async function newTicket(tags: string[] = [WATCH]): Promise<DeskTicket> {
  return client.createTicket({
    subject: 'MobilePASS codes rejected',
    description: 'cannot log in',
    requester: { email: 'grace@example.com', name: 'Grace Hopper' },
    tags,
  });
}

/** Waits for the desk's webhook with a change that matches, and hands it over as the intake would receive it. */
async function webhook(match: (c: DeskChange) => boolean): Promise<WebhookRequest & { payload: WebhookPayload }> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = receiver.received.map((w) => ({ w, payload: parse(w) })).find(({ payload }) => payload.changes.some(match));
    if (found) return { headers: found.w.headers, rawBody: found.w.rawBody, payload: found.payload };
    if (Date.now() > deadline) throw new Error('the desk sent no matching webhook');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function parse(w: ReceivedWebhook): WebhookPayload {
  return WebhookPayloadSchema.parse(JSON.parse(w.rawBody.toString('utf8')));
}

function signed(body: unknown, opts: { secret?: string; timestamp?: number | string } = {}): WebhookRequest {
  const rawBody = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const timestamp = String(opts.timestamp ?? Date.now());
  return {
    headers: {
      'x-desk-webhook-signature': signDeskWebhook(opts.secret ?? TEST_WEBHOOK_SECRET, timestamp, rawBody),
      'x-desk-webhook-timestamp': timestamp,
      'x-desk-delivery-id': 'd-1',
    },
    rawBody,
  };
}

function refusal(fn: () => unknown): InvalidWebhook {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidWebhook) return err;
    throw err;
  }
  throw new Error('expected the webhook to be refused');
}

async function refusalAsync(p: Promise<unknown>): Promise<InvalidWebhook> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof InvalidWebhook) return err;
  throw new Error(`expected InvalidWebhook, got ${String(err)}`);
}

const step: TicketUpdate = {
  publicReply: 'Please send two consecutive codes.',
  internalNote: 'asked for codes',
  status: 'pending',
  addTags: ['2fa_bot_active'],
  removeTags: [],
  escalate: false,
};

describe('LocalDeskAdapter: reading tickets', () => {
  it('returns the ticket as a workflow snapshot with its update time, the external id from the desk user record', async () => {
    await client.setUser({ email: 'grace@example.com', externalId: 'ghopper' });
    const ticket = await newTicket();
    expect(await adapter.getTicket(ticket.id)).toEqual({
      system: 'local',
      id: ticket.id,
      subject: 'MobilePASS codes rejected',
      status: 'new',
      tags: [WATCH],
      requester: { id: ticket.requester.id, email: 'grace@example.com', name: 'Grace Hopper', externalId: 'ghopper' },
      updatedAt: ticket.updatedAt,
    });
  });

  it("carries the requester's organization as an agent recorded it on the desk user, never as the ticket's opener claims it", async () => {
    const claimed = await client.createTicket({
      subject: 'MobilePASS codes rejected',
      description: 'cannot log in',
      requester: { email: 'olga@customer.example', name: 'Olga Org', organization: { id: 'acme' } } as never,
      tags: [WATCH],
    });
    expect((await adapter.getTicket(claimed.id)).organization).toBeUndefined();
    const user = await client.setUser({ email: 'olga@customer.example', organization: { id: '4711', name: 'Acme Ltd' } });
    expect(user.organization).toEqual({ id: '4711', name: 'Acme Ltd' });
    // the desk's record counts for tickets opened before and after
    expect((await adapter.getTicket(claimed.id)).organization).toEqual({ id: '4711', name: 'Acme Ltd' });
    const later = await client.createTicket({ subject: 'again', description: 'still', requester: { email: 'olga@customer.example', name: 'Olga Org' }, tags: [WATCH] });
    const events = await adapter.eventsFromTicket(later.id, Date.now());
    const tagged = events.find((e) => e.type === 'ticketTagged');
    expect(tagged?.type === 'ticketTagged' && tagged.ticket.organization).toEqual({ id: '4711', name: 'Acme Ltd' });
    // cleared: null; leaving it out of a later update keeps it
    await client.setUser({ email: 'olga@customer.example', externalId: 'olga' });
    expect((await adapter.getTicket(later.id)).organization).toEqual({ id: '4711', name: 'Acme Ltd' });
    await client.setUser({ email: 'olga@customer.example', organization: null });
    expect((await adapter.getTicket(later.id)).organization).toBeUndefined();
  });

  it('lists comments and reads one with its text', async () => {
    const ticket = await newTicket();
    const reply = await client.addComment(ticket.id, { as: 'requester', body: '287082 359152' });
    await client.addComment(ticket.id, { as: 'agent', authorId: 'agent-ann', body: '#approve', public: false });
    const comments = await adapter.listComments(ticket.id);
    expect(comments).toMatchObject([
      { id: reply.id, authorId: ticket.requester.id, authorRole: 'requester', public: true, body: '287082 359152' },
      { authorId: 'agent-ann', authorRole: 'agent', public: false, body: '#approve' },
    ]);
    expect(await adapter.getComment(ticket.id, reply.id)).toEqual(comments[0]);
  });
  // TicketNotFound for an unknown ticket or comment: the shared contract (ticketing.local.shared-contract.test.ts)
});

describe('LocalDeskAdapter: applyUpdate', () => {
  it('writes the step as the bot, once per idempotency key', async () => {
    const ticket = await newTicket();
    await adapter.applyUpdate(ticket.id, step, 'local:1:1.0.0');
    await adapter.applyUpdate(ticket.id, step, 'local:1:1.0.0');
    const comments = await adapter.listComments(ticket.id);
    expect(comments).toMatchObject([
      { authorId: 'twofa-desk', authorRole: 'bot', public: true, body: step.publicReply },
      { authorId: 'twofa-desk', authorRole: 'bot', public: false, body: step.internalNote },
    ]);
    expect(await adapter.getTicket(ticket.id)).toMatchObject({ status: 'pending', tags: [WATCH, '2fa_bot_active'] });
  });
});

describe('LocalDeskAdapter: verifyWebhook', () => {
  it('accepts a webhook the desk signed', async () => {
    await newTicket();
    const hook = await webhook((p) => p.type === 'ticket.created');
    expect(() => adapter.verifyWebhook(hook, Date.now())).not.toThrow();
  });

  it('refuses a signature made with another secret', () => {
    const err = refusal(() => adapter.verifyWebhook(signed({ a: 1 }, { secret: 'not-the-shared-secret' }), Date.now()));
    expect(err).toMatchObject({ slug: 'bad_signature', statusCode: 401 });
  });

  it('refuses a body changed after signing', async () => {
    await newTicket();
    const hook = await webhook((p) => p.type === 'ticket.created');
    const tampered = Buffer.from(hook.rawBody.toString('utf8').replace('"new"', '"solved"'));
    expect(tampered.equals(hook.rawBody)).toBe(false);
    expect(refusal(() => adapter.verifyWebhook({ ...hook, rawBody: tampered }, Date.now()))).toMatchObject({ slug: 'bad_signature', statusCode: 401 });
  });

  it('refuses a signature of the wrong length without throwing anything else', () => {
    const req = signed({ a: 1 });
    req.headers['x-desk-webhook-signature'] = 'c2hvcnQ=';
    expect(refusal(() => adapter.verifyWebhook(req, Date.now()))).toMatchObject({ slug: 'bad_signature' });
  });

  it('refuses a timestamp older than five minutes or more than a minute ahead', () => {
    const sentAt = 1_700_000_000_000;
    const req = signed({ a: 1 }, { timestamp: sentAt });
    expect(() => adapter.verifyWebhook(req, sentAt + 5 * MINUTE)).not.toThrow();
    expect(refusal(() => adapter.verifyWebhook(req, sentAt + 5 * MINUTE + 1))).toMatchObject({ slug: 'stale_timestamp', statusCode: 401 });
    expect(() => adapter.verifyWebhook(req, sentAt - MINUTE)).not.toThrow();
    expect(refusal(() => adapter.verifyWebhook(req, sentAt - MINUTE - 1))).toMatchObject({ slug: 'stale_timestamp' });
  });

  it('honours a configured maximum age', async () => {
    const strict = new LocalDeskAdapter({ baseUrl: desk.url, webhookSecret: TEST_WEBHOOK_SECRET, watchTag: WATCH, maxWebhookAgeMs: 1_000 });
    const req = signed({ a: 1 }, { timestamp: 10_000 });
    expect(refusal(() => strict.verifyWebhook(req, 11_001))).toMatchObject({ slug: 'stale_timestamp' });
    await strict.close();
  });

  it('refuses a timestamp that is not a time in ms, even when signed', () => {
    expect(refusal(() => adapter.verifyWebhook(signed({ a: 1 }, { timestamp: '2024-01-01T00:00:00Z' }), Date.now()))).toMatchObject({ slug: 'stale_timestamp' });
  });

  it('refuses a webhook without signature or timestamp', () => {
    for (const missing of ['x-desk-webhook-signature', 'x-desk-webhook-timestamp']) {
      const req = signed({ a: 1 });
      delete req.headers[missing];
      expect(refusal(() => adapter.verifyWebhook(req, Date.now()))).toMatchObject({ slug: 'missing_signature', statusCode: 401 });
    }
  });
});

describe('LocalDeskAdapter: eventsFromWebhook', () => {
  it("turns a watched ticket created into ticketTagged, from the signed webhook's copy (no read of the API)", async () => {
    const ticket = await newTicket();
    const hook = await webhook((p) => p.type === 'ticket.created');
    const { updatedAt: _updatedAt, ...snapshot } = await adapter.getTicket(ticket.id);
    // changed on the desk since: a read of the API would see no watch tag and make no event
    await client.updateTags(ticket.id, { remove: [WATCH] });
    expect(await adapter.eventsFromWebhook(hook, 1234)).toEqual([
      { ticketId: ticket.id, events: [{ type: 'ticketTagged', id: `local:${ticket.id}:tagged`, at: 1234, ticket: snapshot }] },
    ]);
  });

  it('makes no event for a ticket created without the watch tag', async () => {
    await newTicket(['billing']);
    const hook = await webhook((p) => p.type === 'ticket.created');
    expect(await adapter.eventsFromWebhook(hook, 1)).toEqual([]);
  });

  it('tells of a tag removed right after by the webhook behind it, which the workflow takes as a hand-off', async () => {
    const ticket = await newTicket();
    await client.updateTags(ticket.id, { remove: [WATCH], as: 'agent' });
    const created = await webhook((p) => p.type === 'ticket.created');
    const removed = await webhook((p) => p.type === 'ticket.tags_changed');
    expect((await adapter.eventsFromWebhook(created, 1))[0]?.events.map((e) => e.type)).toEqual(['ticketTagged']);
    expect((await adapter.eventsFromWebhook(removed, 2))[0]?.events).toMatchObject([{ type: 'tagsChanged', removed: [WATCH], byRole: 'agent' }]);
  });

  it('turns the watch tag added later into ticketTagged and tagsChanged', async () => {
    const ticket = await newTicket(['billing']);
    await client.updateTags(ticket.id, { add: ['2FA_Issue'], as: 'agent' });
    const hook = await webhook((p) => p.type === 'ticket.tags_changed');
    const [batch] = await adapter.eventsFromWebhook(hook, 50);
    expect(batch?.events).toMatchObject([
      // an agent adding the watch tag is a deliberate (re)open: an event of its own, which says so
      { type: 'ticketTagged', id: `local:${ticket.id}:tagged:${hook.payload.deliveryId}`, at: 50, ticket: { id: ticket.id, tags: ['billing', WATCH] }, past: { watchTagAdded: true, botCommented: false } },
      { type: 'tagsChanged', id: `local:${ticket.id}:tags:${hook.payload.deliveryId}`, at: 50, tags: ['billing', WATCH], added: [WATCH], removed: [], byRole: 'agent' },
    ]);
  });

  it('turns other tag changes into tagsChanged only', async () => {
    const ticket = await newTicket();
    await client.updateTags(ticket.id, { add: ['2fa_bot_off'] });
    const hook = await webhook((p) => p.type === 'ticket.tags_changed');
    const [batch] = await adapter.eventsFromWebhook(hook, 1);
    expect(batch?.events.map((e) => e.type)).toEqual(['tagsChanged']);
  });

  it('turns a comment into commentAdded without its text', async () => {
    const ticket = await newTicket();
    const comment = await client.addComment(ticket.id, { as: 'requester', body: '287082 359152' });
    const hook = await webhook((p) => p.type === 'comment.created');
    const [batch] = await adapter.eventsFromWebhook(hook, 7);
    expect(batch).toEqual({
      ticketId: ticket.id,
      events: [{ type: 'commentAdded', id: `local:${ticket.id}:comment:${comment.id}`, at: 7, commentId: comment.id, authorId: ticket.requester.id, authorRole: 'requester', public: true }],
    });
    expect(JSON.stringify(batch)).not.toContain('287082');
  });

  it('turns a status change into statusChanged', async () => {
    const ticket = await newTicket();
    await client.setStatus(ticket.id, { status: 'solved', as: 'agent' });
    const hook = await webhook((p) => p.type === 'ticket.status_changed');
    const [batch] = await adapter.eventsFromWebhook(hook, 9);
    expect(batch?.events).toEqual([{ type: 'statusChanged', id: `local:${ticket.id}:status:${hook.payload.deliveryId}`, at: 9, status: 'solved', byRole: 'agent' }]);
  });

  it('ignores what the bot itself wrote or changed', async () => {
    const ticket = await newTicket();
    await adapter.applyUpdate(ticket.id, { ...step, escalate: true }, 'k1');
    await receiver.waitFor(2);
    await desk.notifier?.idle();
    const hooks = receiver.received.slice(1).map((w) => ({ headers: w.headers, rawBody: w.rawBody }));
    // the update's changes, in one webhook
    expect(hooks.map((h) => parse(h).changes.map((c) => c.type))).toEqual([['comment.created', 'comment.created', 'ticket.tags_changed', 'ticket.status_changed', 'ticket.assigned']]);
    for (const hook of hooks) expect(await adapter.eventsFromWebhook(hook, 1)).toEqual([]);
  });

  it('gives the same ids for the same webhook delivered twice, and the poller the same ids as webhooks', async () => {
    const ticket = await newTicket();
    await client.addComment(ticket.id, { as: 'requester', body: 'hello' });
    const created = await webhook((p) => p.type === 'ticket.created');
    const commented = await webhook((p) => p.type === 'comment.created');
    const ids = async () => [...(await adapter.eventsFromWebhook(created, 1)), ...(await adapter.eventsFromWebhook(commented, 2))].flatMap((b) => b.events.map((e) => e.id));
    const first = await ids();
    expect(await ids()).toEqual(first);
    const polled = await adapter.eventsFromTicket(ticket.id, 3);
    expect(polled.map((e) => e.id)).toEqual(first);
  });

  it('refuses a body that is not JSON', async () => {
    const err = await refusalAsync(adapter.eventsFromWebhook(signed('{"type": "ticket.cre'), 1));
    expect(err).toMatchObject({ slug: 'bad_json', statusCode: 400 });
  });

  it('refuses a body of the wrong shape, naming the field', async () => {
    const one = (change: Record<string, unknown>, ticketId = '1') => signed({ deliveryId: 'd', ticketId, at: 1, changes: [{ ticketId: '1', at: 1, ...change }] });
    const missing = await refusalAsync(adapter.eventsFromWebhook(one({ type: 'comment.created', authorId: 'u', authorRole: 'requester', public: true }), 1));
    expect(missing).toMatchObject({ slug: 'bad_shape', statusCode: 400 });
    expect(missing.message).toContain('changes.0.commentId');
    const unknown = await refusalAsync(adapter.eventsFromWebhook(one({ type: 'ticket.merged' }), 1));
    expect(unknown).toMatchObject({ slug: 'bad_shape' });
    expect(unknown.message).toContain('type');
    const other = await refusalAsync(adapter.eventsFromWebhook(one({ type: 'ticket.status_changed', status: 'solved', byRole: 'agent' }, '2'), 1));
    expect(other).toMatchObject({ slug: 'bad_shape' });
    expect(other.message).toContain("every change must be of the webhook's ticket");
    const none = await refusalAsync(adapter.eventsFromWebhook(signed({ deliveryId: 'd', ticketId: '1', at: 1, changes: [] }), 1));
    expect(none.message).toContain('changes');
  });

  it('turns every change of one write into its events, in order (a reply that reopens the ticket)', async () => {
    const ticket = await newTicket();
    await client.setStatus(ticket.id, { status: 'pending', as: 'agent' });
    const comment = await client.addComment(ticket.id, { as: 'requester', body: 'still broken' });
    const hook = await webhook((c) => c.type === 'comment.created');
    expect(hook.payload.changes.map((c) => c.type)).toEqual(['comment.created', 'ticket.status_changed']);
    const [batch] = await adapter.eventsFromWebhook(hook, 3);
    expect(batch?.events).toEqual([
      { type: 'commentAdded', id: `local:${ticket.id}:comment:${comment.id}`, at: 3, commentId: comment.id, authorId: ticket.requester.id, authorRole: 'requester', public: true },
      { type: 'statusChanged', id: `local:${ticket.id}:status:${hook.payload.deliveryId}`, at: 3, status: 'open', byRole: 'requester' },
    ]);
  });
});

describe('LocalDeskAdapter: polling', () => {
  it('lists watched tickets that are not solved or closed', async () => {
    const open = await newTicket();
    const solved = await newTicket();
    const closed = await newTicket();
    await newTicket(['billing']);
    await client.setStatus(solved.id, { status: 'solved' });
    await client.setStatus(closed.id, { status: 'closed' });
    const pending = await client.setStatus(open.id, { status: 'pending' });
    expect(await adapter.listWatchedTickets()).toEqual([{ id: open.id, updatedAt: pending.updatedAt }]);
  });

  it('describes a ticket as ticketTagged and its comments, leaving out the bot', async () => {
    const ticket = await newTicket();
    const first = await client.addComment(ticket.id, { as: 'requester', body: 'codes' });
    await adapter.applyUpdate(ticket.id, step, 'k');
    const note = await client.addComment(ticket.id, { as: 'agent', body: '#approve', public: false });
    const events = await adapter.eventsFromTicket(ticket.id, 99);
    expect(events).toMatchObject([
      { type: 'ticketTagged', id: `local:${ticket.id}:tagged`, at: 99, ticket: { system: 'local', id: ticket.id, tags: [WATCH, '2fa_bot_active'] } },
      { type: 'commentAdded', id: `local:${ticket.id}:comment:${first.id}`, authorRole: 'requester', public: true },
      { type: 'commentAdded', id: `local:${ticket.id}:comment:${note.id}`, authorRole: 'agent', public: false },
    ]);
    for (const e of events) expect(e).not.toHaveProperty('text');
  });
});

describe('LocalDeskAdapter: errors', () => {
  let fake: FastifyInstance | undefined;
  let hits = 0;

  async function fakeDesk(handler: (reply: FastifyReply, hit: number) => unknown): Promise<string> {
    hits = 0;
    fake = Fastify({ logger: false });
    fake.all('/desk/*', async (_req, reply) => handler(reply, ++hits));
    return `${await fake.listen({ port: 0, host: '127.0.0.1' })}/desk`;
  }

  function adapterAt(baseUrl: string, extra: { apiToken?: string } = {}): LocalDeskAdapter {
    return new LocalDeskAdapter({ baseUrl, webhookSecret: TEST_WEBHOOK_SECRET, watchTag: WATCH, retries: 2, retryBaseDelayMs: 5, ...extra });
  }

  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('maps a desk that does not answer to TicketSystemUnavailable after its retries', async () => {
    const url = await fakeDesk(() => undefined);
    await fake?.close();
    fake = undefined;
    const down = adapterAt(url);
    const started = Date.now();
    await expect(down.getTicket('1')).rejects.toBeInstanceOf(TicketSystemUnavailable);
    await expect(down.applyUpdate('1', step, 'k')).rejects.toMatchObject({ name: 'TicketSystemUnavailable', retryable: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * (2.5 + 5));
    await down.close();
  });

  it('retries a 5xx and then gives TicketSystemUnavailable', async () => {
    const flaky = adapterAt(await fakeDesk((reply) => reply.code(503).send({ error: 'internal', message: 'busy' })));
    await expect(flaky.listWatchedTickets()).rejects.toBeInstanceOf(TicketSystemUnavailable);
    expect(hits).toBe(3);
    await flaky.close();
  });

  it('recovers when a retry succeeds', async () => {
    const flaky = adapterAt(await fakeDesk((reply, hit) => (hit < 3 ? reply.code(502).send('bad gateway') : reply.send([]))));
    expect(await flaky.listWatchedTickets()).toEqual([]);
    expect(hits).toBe(3);
    await flaky.close();
  });

  it('waits out a short Retry-After and goes on', async () => {
    const limited = adapterAt(await fakeDesk((reply, hit) => (hit === 1 ? reply.code(429).header('retry-after', '0').send({}) : reply.send([]))));
    expect(await limited.listWatchedTickets()).toEqual([]);
    expect(hits).toBe(2);
    await limited.close();
  });

  it('hands a long Retry-After up as TicketSystemRateLimited', async () => {
    const limited = adapterAt(await fakeDesk((reply) => reply.code(429).header('retry-after', '120').send({})));
    const err = await limited.listWatchedTickets().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TicketSystemRateLimited);
    expect(err).toMatchObject({ retryAfterMs: 120_000 });
    expect(hits).toBe(1);
    await limited.close();
  });

  it('maps 401 and 403 to TicketingAuthFailed', async () => {
    const guarded = await startLocalDesk({ redis, prefix: `${prefix}:guarded`, apiToken: 'the-right-token-0123456789' });
    const wrong = adapterAt(guarded.url, { apiToken: 'a-wrong-token-0123456789' });
    const right = adapterAt(guarded.url, { apiToken: 'the-right-token-0123456789' });
    try {
      await expect(wrong.listWatchedTickets()).rejects.toBeInstanceOf(TicketingAuthFailed);
      expect(await right.listWatchedTickets()).toEqual([]);
      const forbidden = adapterAt(await fakeDesk((reply) => reply.code(403).send({ error: 'forbidden', message: 'no' })));
      await expect(forbidden.getTicket('1')).rejects.toBeInstanceOf(TicketingAuthFailed);
      await forbidden.close();
    } finally {
      await wrong.close();
      await right.close();
      await guarded.close();
    }
  });

  it('tells a wrong base URL from a missing ticket', async () => {
    const astray = adapterAt(await fakeDesk((reply) => reply.code(404).send({ message: 'Route not found', error: 'Not Found' })));
    await expect(astray.getTicket('1')).rejects.toBeInstanceOf(DeskRequestRefused);
    await astray.close();
  });

  it('maps an answer of the wrong shape to TicketSystemUnavailable naming the field', async () => {
    const odd = adapterAt(await fakeDesk((reply) => reply.send([{ id: 1 }])));
    await expect(odd.listWatchedTickets()).rejects.toThrow(/0\.id/);
    await odd.close();
  });

  it('does not repeat a comment POST that may have reached the desk', async () => {
    const odd = new DeskClient({ baseUrl: await fakeDesk((reply) => reply.code(500).send({ error: 'internal', message: 'x' })), retries: 3, retryBaseDelayMs: 1 });
    await expect(odd.addComment('1', { as: 'agent', body: 'x' })).rejects.toBeInstanceOf(TicketSystemUnavailable);
    expect(hits).toBe(1);
    odd.close();
  });
});
