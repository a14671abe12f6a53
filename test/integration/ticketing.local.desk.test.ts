import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BotUpdateResultSchema,
  DeskCommentSchema,
  DeskTicketSchema,
  TicketListSchema,
  TicketWithCommentsSchema,
  WebhookPayloadSchema,
  type DeskTicket,
  type CreateTicketInput,
  type DeskChange,
  type WebhookPayload,
} from '../../integrations/ticketing/local/schemas.js';
import { DeskStore } from '../../integrations/ticketing/local/desk-store.js';
import { signDeskWebhook } from '../../integrations/ticketing/local/webhook-signature.js';
import type { TicketUpdate } from '../../integrations/ticketing/ticket-system.js';
import { TEST_WEBHOOK_SECRET, deleteKeys, startLocalDesk, startWebhookReceiver, testPrefix, type LocalDesk, type WebhookReceiver } from '../support/local-desk.js';

let redis: Redis;
let prefix: string;
let desk: LocalDesk;
let receiver: WebhookReceiver;

beforeAll(() => {
  redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
});

afterAll(async () => {
  await redis.quit();
});

beforeEach(async () => {
  prefix = testPrefix('desk');
  receiver = await startWebhookReceiver();
  desk = await startLocalDesk({ redis, prefix, webhookUrl: receiver.url, escalationGroup: 'Service Desk L2' });
});

afterEach(async () => {
  await desk.close();
  await receiver.close();
  await deleteKeys(redis, prefix);
});

interface Answer {
  status: number;
  body: unknown;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${desk.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function newTicket(overrides: Record<string, unknown> = {}): Promise<DeskTicket> {
  const res = await call('POST', '/api/tickets', {
    subject: 'Cannot log in: token code rejected',
    description: 'My MobilePASS codes stopped working this morning.',
    requester: { email: 'Ada.Lovelace@example.com', name: 'Ada Lovelace' },
    tags: ['2FA_issue'],
    ...overrides,
  });
  expect(res.status).toBe(201);
  return DeskTicketSchema.parse(res.body);
}

async function ticketWithComments(id: string) {
  const res = await call('GET', `/api/tickets/${id}`);
  expect(res.status).toBe(200);
  return TicketWithCommentsSchema.parse(res.body);
}

function message(res: Answer): string {
  return (res.body as { message?: string }).message ?? '';
}

const step: TicketUpdate = {
  publicReply: 'Please send two consecutive codes from your token.',
  internalNote: 'twofa-desk: user found (ada), token MobilePASS, asked for codes.',
  status: 'pending',
  addTags: ['2fa_bot_active'],
  removeTags: [],
  escalate: false,
};

describe('local desk API: tickets', () => {
  it('creates a new ticket with lower-case tags and the requester as a desk user', async () => {
    const ticket = await newTicket();
    expect(ticket).toMatchObject({
      subject: 'Cannot log in: token code rejected',
      status: 'new',
      tags: ['2fa_issue'],
      requester: { email: 'ada.lovelace@example.com', name: 'Ada Lovelace' },
    });
    expect(ticket.requester.externalId).toBeUndefined();
    expect(ticket.id).toMatch(/^\d+$/);
    expect(ticket.requester.id).toMatch(/^user-\d+$/);
    expect(ticket.updatedAt).toBe(ticket.createdAt);
  });

  it('knows a requester again by email on their next ticket', async () => {
    const first = await newTicket();
    const second = await newTicket({ requester: { email: 'ada.lovelace@EXAMPLE.com', name: 'Ada L.' } });
    expect(second.id).not.toBe(first.id);
    expect(second.requester.id).toBe(first.requester.id);
  });

  it('reads a ticket with its comments in order', async () => {
    const ticket = await newTicket();
    await call('POST', `/api/tickets/${ticket.id}/comments`, { as: 'requester', body: 'first' });
    await call('POST', `/api/tickets/${ticket.id}/comments`, { as: 'agent', body: 'second' });
    const found = await ticketWithComments(ticket.id);
    expect(found.description).toBe('My MobilePASS codes stopped working this morning.');
    expect(found.comments.map((c) => c.body)).toEqual(['first', 'second']);
  });

  it('answers 404 for a ticket that does not exist, numeric or not', async () => {
    for (const id of ['999999', 'abc', '0']) {
      const res = await call('GET', `/api/tickets/${id}`);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ error: 'not_found' });
    }
    expect((await call('POST', '/api/tickets/999999/comments', { as: 'agent', body: 'hi' })).status).toBe(404);
    expect((await call('PUT', '/api/tickets/999999/tags', { add: ['x'] })).status).toBe(404);
    expect((await call('PUT', '/api/tickets/999999/status', { status: 'open' })).status).toBe(404);
    expect((await call('POST', '/api/tickets/999999/bot-update', { update: step, idempotencyKey: 'k' })).status).toBe(404);
  });

  it('lists tickets by tag, optionally only the unsolved ones', async () => {
    const watched = await newTicket();
    const solved = await newTicket();
    const other = await newTicket({ tags: ['billing'] });
    await call('PUT', `/api/tickets/${solved.id}/status`, { status: 'solved' });

    const byTag = TicketListSchema.parse((await call('GET', '/api/tickets?tag=2fa_issue')).body);
    expect(byTag.map((t) => t.id)).toEqual([watched.id, solved.id]);
    const unsolved = TicketListSchema.parse((await call('GET', '/api/tickets?tag=2fa_issue&unsolved=true')).body);
    expect(unsolved).toEqual([{ id: watched.id, updatedAt: watched.updatedAt }]);
    const all = TicketListSchema.parse((await call('GET', '/api/tickets')).body);
    expect(all.map((t) => t.id)).toEqual([watched.id, solved.id, other.id]);
  });
});

describe('local desk API: who the requester is (external id)', () => {
  const alice = { email: 'alice.archer@example.com', externalId: 'alice' };

  it("ignores an externalId in a new ticket's body: whoever opens a ticket cannot say who they are on the platform", async () => {
    const ticket = await newTicket({ requester: { email: 'mallory@evil.example', name: 'Alice Archer', externalId: 'alice' } });
    expect(ticket.requester.externalId).toBeUndefined();
    expect((await ticketWithComments(ticket.id)).requester.externalId).toBeUndefined();
    const created = (await receiver.waitFor(1)).map((w) => WebhookPayloadSchema.parse(JSON.parse(w.rawBody.toString('utf8'))));
    expect(JSON.stringify(created)).not.toContain('"externalId"');
  });

  it("takes the requester's external id from the desk user an agent set, for tickets opened before and after", async () => {
    const before = await newTicket({ requester: { email: alice.email, name: 'Alice Archer' } });
    const set = await call('PUT', '/api/users', alice);
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ id: before.requester.id, email: alice.email, externalId: 'alice' });
    expect((await ticketWithComments(before.id)).requester.externalId).toBe('alice');
    const after = await newTicket({ requester: { email: 'Alice.Archer@example.com', name: 'Alice Archer' } });
    expect(after.requester).toMatchObject({ id: before.requester.id, externalId: 'alice' });
    const tagged = await call('PUT', `/api/tickets/${after.id}/tags`, { add: ['vip'] });
    expect(DeskTicketSchema.parse(tagged.body).requester.externalId).toBe('alice');
  });

  it('creates the desk user when it sets the external id of an email it does not know yet', async () => {
    const set = await call('PUT', '/api/users', { email: 'New.Hire@example.com', externalId: 'nhire' });
    expect(set.body).toMatchObject({ email: 'new.hire@example.com', externalId: 'nhire' });
    const ticket = await newTicket({ requester: { email: 'new.hire@example.com', name: 'New Hire' } });
    expect(ticket.requester).toMatchObject({ id: (set.body as { id: string }).id, externalId: 'nhire' });
  });

  it('keeps one external id to one desk user (409), and forgets it on null', async () => {
    expect((await call('PUT', '/api/users', alice)).status).toBe(200);
    const taken = await call('PUT', '/api/users', { email: 'mallory@evil.example', externalId: 'alice' });
    expect(taken.status).toBe(409);
    expect(message(taken)).toContain('externalId');
    expect((await call('PUT', '/api/users', { email: alice.email, externalId: null })).body).not.toHaveProperty('externalId');
    expect((await call('PUT', '/api/users', { email: 'mallory@evil.example', externalId: 'alice' })).status).toBe(200);
    expect((await newTicket({ requester: { email: alice.email, name: 'Alice Archer' } })).requester.externalId).toBeUndefined();
  });

  it('does not trust an external id a ticket saved by an earlier version holds (its creator claimed it)', async () => {
    const ticket = await newTicket({ requester: { email: 'mallory@evil.example', name: 'Alice Archer' } });
    const key = `${prefix}:ticket:${ticket.id}`;
    const saved = JSON.parse((await redis.hget(key, 'data')) ?? '{}') as DeskTicket;
    await redis.hset(key, 'data', JSON.stringify({ ...saved, requester: { ...saved.requester, externalId: 'alice' } }));
    expect((await ticketWithComments(ticket.id)).requester.externalId).toBeUndefined();
    await call('PUT', `/api/tickets/${ticket.id}/status`, { status: 'open' });
    expect(await redis.hget(key, 'data')).not.toContain('externalId');
  });

  it('refuses a bad user body with 400 and the field at fault', async () => {
    expect(message(await call('PUT', '/api/users', { email: 'not-an-email', externalId: 'x' }))).toContain('email');
    expect(message(await call('PUT', '/api/users', { email: alice.email }))).toContain('externalId');
  });
});

describe('local desk API: comments', () => {
  it('posts the requester reply as public, under the requester id', async () => {
    const ticket = await newTicket();
    const res = await call('POST', `/api/tickets/${ticket.id}/comments`, { as: 'requester', body: '287082 and 359152' });
    expect(res.status).toBe(201);
    const comment = DeskCommentSchema.parse(res.body);
    expect(comment).toMatchObject({ ticketId: ticket.id, authorId: ticket.requester.id, authorRole: 'requester', public: true, body: '287082 and 359152' });
    const read = await call('GET', `/api/tickets/${ticket.id}/comments/${comment.id}`);
    expect(DeskCommentSchema.parse(read.body)).toEqual(comment);
  });

  it('lets agents write public replies by default and private notes on request', async () => {
    const ticket = await newTicket();
    const reply = DeskCommentSchema.parse((await call('POST', `/api/tickets/${ticket.id}/comments`, { as: 'agent', body: 'Looking into it' })).body);
    const note = DeskCommentSchema.parse(
      (await call('POST', `/api/tickets/${ticket.id}/comments`, { as: 'agent', authorId: 'agent-grace', body: '#approve', public: false })).body,
    );
    expect(reply).toMatchObject({ authorId: 'agent-desk', authorRole: 'agent', public: true });
    expect(note).toMatchObject({ authorId: 'agent-grace', authorRole: 'agent', public: false });
  });

  it('takes CC end-user comments with their own id, always public', async () => {
    const ticket = await newTicket();
    const res = await call('POST', `/api/tickets/${ticket.id}/comments`, { as: 'end-user', authorId: 'user-cc-1', body: 'same problem here' });
    expect(DeskCommentSchema.parse(res.body)).toMatchObject({ authorId: 'user-cc-1', authorRole: 'end-user', public: true });
  });

  it('refuses comments that misstate who wrote them, with the reason', async () => {
    const ticket = await newTicket();
    const cases: [Record<string, unknown>, string][] = [
      [{ as: 'end-user', body: 'x' }, 'authorId: required'],
      [{ as: 'requester', body: 'x', public: false }, 'public: end users cannot write internal notes'],
      [{ as: 'requester', authorId: 'user-someone-else', body: 'x' }, "is not this ticket's requester"],
      [{ as: 'agent', authorId: 'grace', body: 'x' }, "agent ids start with 'agent-'"],
      [{ as: 'agent', authorId: 'twofa-desk', body: 'x' }, 'is the bot'],
      [{ as: 'bot', body: 'x' }, 'as:'],
      [{ as: 'agent', body: '   ' }, 'body: body must not be blank'],
    ];
    for (const [body, reason] of cases) {
      const res = await call('POST', `/api/tickets/${ticket.id}/comments`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(message(res)).toContain(reason);
    }
    expect((await ticketWithComments(ticket.id)).comments).toEqual([]);
  });

  it('answers 404 for a comment of another ticket', async () => {
    const a = await newTicket();
    const b = await newTicket();
    const comment = DeskCommentSchema.parse((await call('POST', `/api/tickets/${a.id}/comments`, { as: 'agent', body: 'x' })).body);
    expect((await call('GET', `/api/tickets/${b.id}/comments/${comment.id}`)).status).toBe(404);
    expect((await call('GET', `/api/tickets/${a.id}/comments/424242`)).status).toBe(404);
  });
});

describe('local desk API: reopen rule', () => {
  it('reopens a solved ticket when the requester replies in public', async () => {
    const ticket = await newTicket();
    await call('PUT', `/api/tickets/${ticket.id}/status`, { status: 'solved' });
    await call('POST', `/api/tickets/${ticket.id}/comments`, { as: 'requester', body: 'still failing' });
    expect((await ticketWithComments(ticket.id)).status).toBe('open');
  });

  it('sets a pending ticket back to open when the requester answers', async () => {
    const ticket = await newTicket();
    await call('PUT', `/api/tickets/${ticket.id}/status`, { status: 'pending' });
    await call('POST', `/api/tickets/${ticket.id}/comments`, { as: 'requester', body: '123456 654321' });
    expect((await ticketWithComments(ticket.id)).status).toBe('open');
  });

  it('leaves a solved ticket solved when an agent or a CC comments', async () => {
    const ticket = await newTicket();
    await call('PUT', `/api/tickets/${ticket.id}/status`, { status: 'solved' });
    await call('POST', `/api/tickets/${ticket.id}/comments`, { as: 'agent', body: 'closing note', public: false });
    await call('POST', `/api/tickets/${ticket.id}/comments`, { as: 'end-user', authorId: 'user-cc', body: 'thanks' });
    expect((await ticketWithComments(ticket.id)).status).toBe('solved');
  });

  it('does not reopen a closed ticket', async () => {
    const ticket = await newTicket();
    await call('PUT', `/api/tickets/${ticket.id}/status`, { status: 'closed' });
    await call('POST', `/api/tickets/${ticket.id}/comments`, { as: 'requester', body: 'hello?' });
    expect((await ticketWithComments(ticket.id)).status).toBe('closed');
  });
});

describe('local desk API: tags and status', () => {
  it('adds and removes tags without overwriting the others', async () => {
    const ticket = await newTicket({ tags: ['2fa_issue', 'vip'] });
    const res = await call('PUT', `/api/tickets/${ticket.id}/tags`, { add: ['2FA_approved', 'vip'], remove: ['2fa_issue'] });
    expect(res.status).toBe(200);
    expect(DeskTicketSchema.parse(res.body).tags).toEqual(['vip', '2fa_approved']);
  });

  it('changes status and moves updatedAt forward', async () => {
    const ticket = await newTicket();
    const res = await call('PUT', `/api/tickets/${ticket.id}/status`, { status: 'hold' });
    const updated = DeskTicketSchema.parse(res.body);
    expect(updated.status).toBe('hold');
    expect(updated.updatedAt).toBeGreaterThan(ticket.updatedAt);
  });

  it('refuses bad bodies with 400 and the field at fault', async () => {
    const ticket = await newTicket();
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/tickets', { description: 'x', requester: { email: 'a@example.com', name: 'A' } }, 'subject'],
      ['POST', '/api/tickets', { subject: 's', description: 'x', requester: { email: 'not-an-email', name: 'A' } }, 'requester.email'],
      ['POST', '/api/tickets', { subject: 's', description: 'x', requester: { email: 'a@example.com', name: 'A' }, tags: ['two words'] }, 'tags.0'],
      ['POST', '/api/tickets', '{"subject": ', ''],
      ['PUT', `/api/tickets/${ticket.id}/status`, { status: 'done' }, 'status'],
      ['PUT', `/api/tickets/${ticket.id}/tags`, { add: 'vip' }, 'add'],
      ['POST', `/api/tickets/${ticket.id}/bot-update`, { update: step }, 'idempotencyKey'],
      ['POST', `/api/tickets/${ticket.id}/bot-update`, { update: { ...step, status: 'finished' }, idempotencyKey: 'k' }, 'update.status'],
      ['GET', '/api/tickets?unsolved=yes', undefined, 'unsolved'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body).toMatchObject({ error: 'bad_request' });
      expect(message(res)).toContain(field);
    }
  });
});

describe('local desk API: bot updates', () => {
  it('writes reply, note, status, tags and escalation in one step, as the bot', async () => {
    const ticket = await newTicket();
    const res = await call('POST', `/api/tickets/${ticket.id}/bot-update`, { update: { ...step, escalate: true, removeTags: ['2fa_issue'] }, idempotencyKey: 't1:1.0.0' });
    expect(res.status).toBe(200);
    const result = BotUpdateResultSchema.parse(res.body);
    expect(result).toMatchObject({ ticketId: ticket.id, status: 'pending', tags: ['2fa_bot_active'], assigneeGroup: 'Service Desk L2' });
    const found = await ticketWithComments(ticket.id);
    expect(found).toMatchObject({ status: 'pending', tags: ['2fa_bot_active'], assigneeGroup: 'Service Desk L2' });
    expect(found.comments).toMatchObject([
      { id: result.publicCommentId, authorId: 'twofa-desk', authorRole: 'bot', public: true, body: step.publicReply, idempotencyKey: 't1:1.0.0' },
      { id: result.noteCommentId, authorId: 'twofa-desk', authorRole: 'bot', public: false, body: step.internalNote, idempotencyKey: 't1:1.0.0' },
    ]);
  });

  it('applies the same idempotency key once and answers the same result again', async () => {
    const ticket = await newTicket();
    const body = { update: step, idempotencyKey: 'tk:1.2.0' };
    const first = await call('POST', `/api/tickets/${ticket.id}/bot-update`, body);
    const afterFirst = await ticketWithComments(ticket.id);
    const second = await call('POST', `/api/tickets/${ticket.id}/bot-update`, body);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await ticketWithComments(ticket.id)).toEqual(afterFirst);
    expect(afterFirst.comments).toHaveLength(2);
  });

  it('applies a key once even when the same update races itself', async () => {
    const ticket = await newTicket();
    const body = { update: { ...step, internalNote: undefined }, idempotencyKey: 'race:1' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => call('POST', `/api/tickets/${ticket.id}/bot-update`, body)));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect((await ticketWithComments(ticket.id)).comments).toHaveLength(1);
  });

  it('does not let a replayed key undo a later change', async () => {
    const ticket = await newTicket();
    const body = { update: step, idempotencyKey: 'k:1' };
    await call('POST', `/api/tickets/${ticket.id}/bot-update`, body);
    await call('PUT', `/api/tickets/${ticket.id}/status`, { status: 'open' });
    await call('POST', `/api/tickets/${ticket.id}/bot-update`, body);
    expect((await ticketWithComments(ticket.id)).status).toBe('open');
  });
});

describe('local desk API: concurrent writers', () => {
  it('loses no comment and no tag when many writes hit one ticket at once', async () => {
    const ticket = await newTicket();
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => call('POST', `/api/tickets/${ticket.id}/comments`, { as: 'agent', body: `note ${i}`, public: false })),
      ...Array.from({ length: 10 }, (_, i) => call('PUT', `/api/tickets/${ticket.id}/tags`, { add: [`t${i}`] })),
    ]);
    const found = await ticketWithComments(ticket.id);
    expect(found.comments).toHaveLength(10);
    expect(found.tags).toHaveLength(11);
  });
});

describe('local desk API: bearer token', () => {
  it('asks every route for the token when one is configured', async () => {
    const guarded = await startLocalDesk({ redis, prefix: `${prefix}:guarded`, apiToken: 'desk-api-token-0123456789' });
    try {
      const get = (headers: Record<string, string>) => fetch(`${guarded.url}/api/tickets`, { headers });
      expect((await get({})).status).toBe(401);
      expect((await get({ authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await get({ authorization: 'Bearer desk-api-token-0123456789' })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});

describe('local desk webhooks', () => {
  function payloads(): WebhookPayload[] {
    return receiver.received.map((w) => WebhookPayloadSchema.parse(JSON.parse(w.rawBody.toString('utf8'))));
  }
  /** every change announced so far, in order, whichever webhook carried it */
  function changes(): DeskChange[] {
    return payloads().flatMap((p) => p.changes);
  }

  it('signs every notification over timestamp and raw body', async () => {
    const ticket = await newTicket();
    await call('POST', `/api/tickets/${ticket.id}/comments`, { as: 'requester', body: 'hi' });
    const hooks = await receiver.waitFor(2);
    for (const hook of hooks) {
      const timestamp = String(hook.headers['x-desk-webhook-timestamp']);
      expect(Math.abs(Date.now() - Number(timestamp))).toBeLessThan(10_000);
      expect(hook.headers['x-desk-webhook-signature']).toBe(signDeskWebhook(TEST_WEBHOOK_SECRET, timestamp, hook.rawBody));
      expect(hook.headers['content-type']).toContain('application/json');
      const body = WebhookPayloadSchema.parse(JSON.parse(hook.rawBody.toString('utf8')));
      expect(hook.headers['x-desk-delivery-id']).toBe(body.deliveryId);
    }
    expect(new Set(hooks.map((h) => h.headers['x-desk-delivery-id'])).size).toBe(2);
  });

  it('announces each kind of change, in order, without comment bodies or the description', async () => {
    const ticket = await newTicket();
    await call('POST', `/api/tickets/${ticket.id}/comments`, { as: 'requester', body: 'codes 287082 359152' });
    await call('PUT', `/api/tickets/${ticket.id}/tags`, { add: ['2fa_approved'], remove: ['2fa_issue'] });
    await call('PUT', `/api/tickets/${ticket.id}/status`, { status: 'solved', as: 'agent' });
    await call('POST', `/api/tickets/${ticket.id}/comments`, { as: 'requester', body: 'broken again' });
    await receiver.waitFor(5);
    // one webhook per write: the reply that reopens the solved ticket announces both its changes together
    expect(payloads().map((p) => p.changes.length)).toEqual([1, 1, 1, 1, 2]);
    const sent = changes();
    expect(sent.map((p) => p.type)).toEqual(['ticket.created', 'comment.created', 'ticket.tags_changed', 'ticket.status_changed', 'comment.created', 'ticket.status_changed']);
    expect(sent[0]).toMatchObject({ ticketId: ticket.id, ticket: { id: ticket.id, tags: ['2fa_issue'], requester: { email: 'ada.lovelace@example.com' } } });
    expect(sent[1]).toMatchObject({ ticketId: ticket.id, authorId: ticket.requester.id, authorRole: 'requester', public: true });
    expect(sent[2]).toMatchObject({ tags: ['2fa_approved'], added: ['2fa_approved'], removed: ['2fa_issue'], byRole: 'agent' });
    expect(sent[3]).toMatchObject({ status: 'solved', byRole: 'agent' });
    expect(sent[5]).toMatchObject({ status: 'open', byRole: 'requester' });
    const raw = receiver.received.map((w) => w.rawBody.toString('utf8')).join('\n');
    expect(raw).not.toContain('287082');
    expect(raw).not.toContain('MobilePASS codes stopped');
  });

  it('announces a bot update as the bot', async () => {
    const ticket = await newTicket();
    await receiver.waitFor(1);
    await call('POST', `/api/tickets/${ticket.id}/bot-update`, { update: { ...step, escalate: true }, idempotencyKey: 'k' });
    await call('POST', `/api/tickets/${ticket.id}/bot-update`, { update: { ...step, escalate: true }, idempotencyKey: 'k' });
    await receiver.waitFor(2);
    await desk.notifier?.idle();
    // the update in one webhook; its repeat with the same key changed nothing and announced nothing
    expect(payloads()).toHaveLength(2);
    const sent = payloads()[1]?.changes ?? [];
    expect(sent.map((p) => p.type)).toEqual(['comment.created', 'comment.created', 'ticket.tags_changed', 'ticket.status_changed', 'ticket.assigned']);
    expect(sent[0]).toMatchObject({ authorId: 'twofa-desk', authorRole: 'bot', public: true });
    expect(sent[1]).toMatchObject({ authorRole: 'bot', public: false });
    expect(sent[4]).toMatchObject({ group: 'Service Desk L2', byRole: 'bot' });
  });

  it('leaves the bot\'s own changes out when told to, as the app runs it (a trigger saying "not the bot")', async () => {
    const quiet = await startLocalDesk({ redis, prefix: `${prefix}:quiet`, webhookUrl: receiver.url, notifyBotChanges: false });
    try {
      const post = (path: string, body: unknown) => fetch(`${quiet.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const created = (await (await post('/api/tickets', { subject: 's', description: 'd', requester: { email: 'a@example.com', name: 'A' }, tags: ['2fa_issue'] })).json()) as DeskTicket;
      await receiver.waitFor(1);
      expect((await post(`/api/tickets/${created.id}/bot-update`, { update: { ...step, escalate: true }, idempotencyKey: 'q' })).status).toBe(200);
      await post(`/api/tickets/${created.id}/comments`, { as: 'agent', authorId: 'agent-7', body: 'taking over' });
      await receiver.waitFor(2);
      await quiet.notifier?.idle();
      expect(changes().map((p) => p.type)).toEqual(['ticket.created', 'comment.created']);
      expect(changes()[1]).toMatchObject({ authorRole: 'agent' });
      // the bot's reply, note, tags, status and group were saved all the same
      const saved = (await (await fetch(`${quiet.url}/api/tickets/${created.id}`)).json()) as { comments: unknown[]; assigneeGroup?: string };
      expect(saved.comments).toHaveLength(3);
      expect(saved.assigneeGroup).toBe('Service Desk L2');
    } finally {
      await quiet.close();
    }
  });

  it('retries a failed delivery with the same delivery id', async () => {
    receiver.respondWith((attempt) => (attempt < 3 ? 503 : 202));
    await newTicket();
    const [hook] = await receiver.waitFor(1);
    expect(payloads()[0]?.deliveryId).toBe(hook?.headers['x-desk-delivery-id']);
  });

  it('gives up after its retries and keeps the write', async () => {
    receiver.respondWith(500);
    const ticket = await newTicket();
    await desk.notifier?.idle();
    expect(receiver.received).toHaveLength(0);
    expect((await ticketWithComments(ticket.id)).id).toBe(ticket.id);
  });

  it('sends nothing when no webhook URL is configured', async () => {
    const silent = await startLocalDesk({ redis, prefix: `${prefix}:silent` });
    try {
      const res = await fetch(`${silent.url}/api/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ subject: 's', description: 'd', requester: { email: 'a@example.com', name: 'A' } }),
      });
      expect(res.status).toBe(201);
      expect(silent.notifier).toBeUndefined();
      await new Promise((r) => setTimeout(r, 50));
      expect(receiver.received).toHaveLength(0);
    } finally {
      await silent.close();
    }
  });
});

/**
 * The commands a connection sends from now on, grouped into round trips: commands issued in one tick leave together
 * (on an auto-pipelined connection, in one write) and a later command waited for a reply, so a group ends at the
 * first microtask boundary. Real Redis still answers every command.
 */
function recordRoundTrips(conn: Redis): string[][] {
  const trips: string[][] = [];
  let open: string[] | undefined;
  const send = conn.sendCommand.bind(conn);
  conn.sendCommand = (...args: Parameters<Redis['sendCommand']>) => {
    if (!open) {
      const trip: string[] = [];
      trips.push(trip);
      open = trip;
      queueMicrotask(() => {
        open = undefined;
      });
    }
    open.push(args[0].name);
    return send(...args);
  };
  return trips;
}

describe('local desk store: Redis round trips per write', () => {
  let conn: Redis;
  let store: DeskStore;

  const input = (email: string): CreateTicketInput => ({ subject: 'Token code rejected', description: 'd', requester: { email, name: 'Grace Hopper' }, tags: ['2fa_issue'] });
  const agentNote = { authorId: 'agent-desk', authorRole: 'agent', public: false, body: 'looking' } as const;

  beforeEach(async () => {
    // as the app runs the desk: commands issued in one tick leave in one write
    conn = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true });
    store = new DeskStore({ redis: conn, prefix });
    // loads both scripts, so that no NOSCRIPT fallback is counted below
    await store.createTicket(input('warm-up@example.com'));
  });

  afterEach(async () => {
    await conn.quit();
  });

  it("creates a new requester's ticket in two round trips: ticket id with requester id, then the write", async () => {
    const trips = recordRoundTrips(conn);
    const ticket = await store.createTicket(input('grace@example.com'));
    expect(trips).toEqual([['incr', 'evalsha'], ['evalsha']]);
    const again = await store.createTicket(input('grace@example.com'));
    expect(again.requester.id).toBe(ticket.requester.id);
    expect(trips).toHaveLength(4);
  });

  it('gives two first tickets of one person, created at once, one requester id, spending one user id', async () => {
    const [a, b] = await Promise.all([store.createTicket(input('ada@example.com')), store.createTicket(input('ada@example.com'))]);
    expect(b.requester.id).toBe(a.requester.id);
    expect(a.requester.id).toBe(`user-${await redis.get(`${prefix}:seq:user`)}`);
  });

  it('reads the ticket and takes the comment id in one round trip when adding a comment', async () => {
    const ticket = await store.createTicket(input('grace@example.com'));
    const trips = recordRoundTrips(conn);
    const comment = await store.addComment(ticket.id, agentNote);
    expect(trips).toEqual([['hmget', 'incrby'], ['evalsha']]);
    expect(comment.id).toBe(await redis.get(`${prefix}:seq:comment`));
  });

  it('takes no comment id for a write without comments', async () => {
    const ticket = await store.createTicket(input('grace@example.com'));
    const trips = recordRoundTrips(conn);
    await store.setStatus(ticket.id, 'open', 'agent');
    // then the requester's external id, organization and locale from the user record (one round trip), for the ticket the write answers with
    expect(trips).toEqual([['hmget'], ['evalsha'], ['hget', 'hget', 'hget']]);
  });

  it('applies a bot reply and note in two round trips, their ids consecutive in the order reply, note', async () => {
    const ticket = await store.createTicket(input('grace@example.com'));
    await store.addComment(ticket.id, agentNote);
    const trips = recordRoundTrips(conn);
    const result = await store.applyBotUpdate(ticket.id, step, 'k:1');
    expect(trips).toEqual([['hmget', 'hget', 'incrby'], ['evalsha']]);
    expect(Number(result.noteCommentId)).toBe(Number(result.publicCommentId) + 1);
    const comments = await store.listComments(ticket.id);
    expect(comments.map((c) => [c.id, c.public])).toEqual([
      [expect.any(String), false],
      [result.publicCommentId, true],
      [result.noteCommentId, false],
    ]);
    expect(Number(comments[0]?.id)).toBeLessThan(Number(result.publicCommentId));
  });

  it('answers a replayed key with the first result in one round trip and adds no comment', async () => {
    const ticket = await store.createTicket(input('grace@example.com'));
    const first = await store.applyBotUpdate(ticket.id, step, 'k:1');
    const before = await store.getTicketWithComments(ticket.id);
    const trips = recordRoundTrips(conn);
    expect(await store.applyBotUpdate(ticket.id, step, 'k:1')).toEqual(first);
    // the ids taken with the read go unused: a gap in the comment sequence
    expect(trips).toEqual([['hmget', 'hget', 'incrby']]);
    expect(await store.getTicketWithComments(ticket.id)).toEqual(before);
  });

  it('keeps its comment id when a concurrent write makes it try again', async () => {
    const ticket = await store.createTicket(input('grace@example.com'));
    const trips = recordRoundTrips(conn);
    const comments = await Promise.all(Array.from({ length: 10 }, (_, i) => store.addComment(ticket.id, { ...agentNote, body: `note ${i}` })));
    // all ten read the same version: nine of the first commits lost and were tried again
    expect(trips.flat().filter((c) => c === 'evalsha').length).toBeGreaterThan(10);
    expect(trips.flat().filter((c) => c === 'incrby')).toHaveLength(10);
    expect(await redis.get(`${prefix}:seq:comment`)).toBe('10');
    expect(comments.map((c) => Number(c.id)).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });
});
