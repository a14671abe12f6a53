import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { RtAdapter } from '../../integrations/ticketing/rt/adapter.js';
import { RtClient, NO_LIMIT } from '../../integrations/ticketing/rt/client.js';
import { loadRtConfig, type RtConfig } from '../../integrations/ticketing/rt/config.js';
import { RtRequestRefused } from '../../integrations/ticketing/rt/rt-errors.js';
import { signRtNotification } from '../../integrations/ticketing/rt/webhook-signature.js';
import { InvalidWebhook } from '../../integrations/ticketing/errors.js';
import type { WebhookRequest } from '../../integrations/ticketing/ticket-system.js';
import { freePort } from '../../workers/redis/private-redis.js';
import { RtTestDesk } from '../support/rt-desk.js';
import { RT_AGENT, RT_BOT, RT_ESCALATION_QUEUE, RT_FIELD, RT_QUEUE, RT_ROOT, startRt, type RunningRt } from '../support/rt-server.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = 'rt-adapter-test-webhook-secret';
const WATCH = '2fa_issue';
const skip = process.env.TEST_RT === 'off';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

describe.skipIf(skip)('the RT adapter against the real RT 5 (Debian), America/New_York', () => {
  let rt: RunningRt;
  let desk: RtTestDesk;
  let redis: Redis;
  let listener: Server;
  const received: Received[] = [];
  const prefix = freshPrefix('rt-adapter');
  const adapters: RtAdapter[] = [];
  let calls: string[] = [];

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    RT_URL: rt.url,
    RT_USER: RT_BOT.name,
    RT_TOKEN: rt.botToken,
    RT_QUEUE,
    RT_WATCH_FIELD: RT_FIELD,
    RT_WATCH_VALUE: WATCH,
    RT_ESCALATION_QUEUE,
    RT_WEBHOOK_SECRET: SECRET,
    ...extra,
  });
  const adapter = (config: RtConfig = loadRtConfig(env())): RtAdapter => {
    const a = new RtAdapter({ config, redis, prefix, watchTag: WATCH, retryBaseDelayMs: 10, onRequest: (m, p) => calls.push(`${m} ${p}`) });
    adapters.push(a);
    return a;
  };
  const alice = { name: 'Alice Example', email: 'alice@example.com' };
  const watchedTicket = async (subject: string, style: 'plain' | 'multipart' = 'plain', from = alice): Promise<string> => {
    const id = await desk.createByMail({ from, subject, text: 'My 2FA code does not work, I cannot log in.', style });
    await desk.agentUpdate(id, { CustomFields: { [RT_FIELD]: [WATCH] } });
    return id;
  };

  beforeAll(async () => {
    const port = await freePort();
    listener = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(202).end('{}');
      });
    });
    await new Promise<void>((r) => listener.listen(port, '127.0.0.1', r));
    rt = await startRt({ webhookUrl: `http://127.0.0.1:${(listener.address() as AddressInfo).port}/webhooks/rt`, webhookSecret: SECRET });
    desk = new RtTestDesk(rt);
    redis = newRedis();
  }, 120_000);

  afterAll(async () => {
    for (const a of adapters) await a.close();
    await rt?.stop();
    await new Promise((r) => listener?.close(r));
    if (redis) {
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  });

  describe('reading', () => {
    it('takes a mailed ticket whose field holds the watch value, with the requester as RT vouches for it', async () => {
      const a = adapter();
      const id = await watchedTicket('reading: multipart', 'multipart');
      const t = await a.getTicket(id);
      expect(t).toMatchObject({ system: 'rt', id, subject: 'reading: multipart', status: 'new', tags: [WATCH], requester: { id: 'alice@example.com', email: 'alice@example.com', name: 'Alice Example' } });
      const events = await a.eventsFromTicket(id, Date.now());
      expect(events.map((e) => e.type)).toEqual(['ticketTagged', 'tagsChanged']);
      expect(events[0]).toMatchObject({ id: `rt:${id}:tagged`, past: { botCommented: false } });
    });

    it('leaves a ticket of the queue without the watch value alone, and lists only watched ones', async () => {
      const a = adapter();
      const plain = await desk.createByMail({ from: alice, subject: 'reading: not 2fa', text: 'printer broken' });
      const watched = await watchedTicket('reading: listed');
      expect((await a.getTicket(plain)).tags).toEqual([]);
      expect((await a.eventsFromTicket(plain, Date.now())).some((e) => e.type === 'ticketTagged')).toBe(false);
      const ids = (await a.listWatchedTickets()).map((t) => t.id);
      expect(ids).toContain(watched);
      expect(ids).not.toContain(plain);
    });

    it('reads the text/plain part of a multi-part, base64 mail reply, as the requester\'s', async () => {
      const a = adapter();
      const id = await watchedTicket('reading: reply');
      await desk.replyByMail(id, alice, 'My codes: 123456 and 654321 — grüße', 'multipart');
      const events = await a.eventsFromTicket(id, Date.now());
      const added = events.filter((e) => e.type === 'commentAdded');
      expect(added).toHaveLength(1);
      expect(added[0]).toMatchObject({ authorRole: 'requester', authorId: 'alice@example.com', public: true });
      const fresh = adapter();
      const comment = await fresh.getComment(id, added[0]?.type === 'commentAdded' ? added[0].commentId : '');
      expect(comment.body.trim()).toBe('My codes: 123456 and 654321 — grüße');
      expect(comment.body).not.toContain('<p>');
    });
  });

  describe('the poller on LastUpdated (time zone, one-second stamps)', () => {
    it('finds a ticket changed a moment ago, where an absolute UTC date in TicketSQL misses it', async () => {
      const a = adapter();
      await a.listWatchedTickets();
      const id = await watchedTicket('poller: just changed');
      const stamp = new Date(Date.parse((await desk.ticket(id) as unknown as { LastUpdated: string }).LastUpdated) - 2_000).toISOString().replace('T', ' ').slice(0, 19);
      const utc = (await desk.api('GET', `/tickets?query=${encodeURIComponent(`id = ${id} AND LastUpdated > '${stamp}'`)}`)) as { items: unknown[] };
      // the trap: RT reads the date in America/New_York, so "2 s before the change" in UTC is hours after it
      expect(utc.items).toHaveLength(0);
      calls = [];
      const listed = await a.listWatchedTickets();
      expect(listed.map((t) => t.id)).toContain(id);
      expect(calls).toHaveLength(1);
      expect(listed.find((t) => t.id === id)?.updatedAt).toBe(Date.parse(((await desk.ticket(id)) as unknown as { LastUpdated: string }).LastUpdated));
      expect(a.pollSettleMs).toBeGreaterThanOrEqual(1_000);
    });

    it('pages a history until an empty page, whatever the page holds', async () => {
      const id = await watchedTicket('paging');
      for (let i = 0; i < 4; i++) await desk.agentMessage(id, 'comment', `note ${i}`);
      const small = new RtClient({ baseUrl: rt.url, credentials: { kind: 'token', user: RT_BOT.name, token: rt.botToken }, limiter: NO_LIMIT, pageSize: 2 });
      const big = new RtClient({ baseUrl: rt.url, credentials: { kind: 'token', user: RT_BOT.name, token: rt.botToken }, limiter: NO_LIMIT });
      const [paged, whole] = [await small.history(id), await big.history(id)];
      small.close();
      big.close();
      expect(whole.length).toBeGreaterThanOrEqual(6);
      expect(paged.map((t) => t.id)).toEqual(whole.map((t) => t.id));
    });
  });

  describe('writing', () => {
    it('posts the note and the reply once with markers, resolves with the end marker, and a retry posts nothing again', async () => {
      const a = adapter();
      const id = await watchedTicket('writing: once');
      const update = { publicReply: 'Please send two codes.', internalNote: 'Looked up the user.', status: 'solved' as const, addTags: ['2fa_bot_resolved'], removeTags: [], escalate: false };
      await a.applyUpdate(id, update, 'tk:1.1.0');
      await a.applyUpdate(id, update, 'tk:1.1.0');
      const mine = (await desk.messages(id)).filter((m) => m.creator === RT_BOT.name);
      expect(mine.map((m) => m.type)).toEqual(['Comment', 'Correspond']);
      // a step that does not end a round: each message says so (` mid`), for a workflow rebuilt from the ticket
      expect(mine.every((m) => /\[twofa-desk ref [0-9a-f]{16} mid\]/.test(m.text))).toBe(true);
      const t = await desk.ticket(id);
      expect(t.Status).toBe('resolved');
      expect(await desk.fieldValues(id, RT_FIELD)).toEqual(expect.arrayContaining([WATCH, '2fa_bot_resolved']));
      const again = adapter();
      expect((await again.getTicket(id)).tags).toEqual([WATCH, '2fa_bot_resolved']);
      const events = await again.eventsFromTicket(id, Date.now());
      expect(events.some((e) => e.type === 'commentAdded')).toBe(false);
      expect(events[0]).toMatchObject({ type: 'ticketTagged', past: { botCommented: true, botMidRound: true } });
      expect((await again.listComments(id)).filter((c) => c.authorRole === 'bot').map((c) => c.midRound)).toEqual([true, true]);
    });

    it('never takes the bot\'s own messages as the requester\'s, nor a requester\'s pasted marker as the bot\'s', async () => {
      const a = adapter();
      const id = await watchedTicket('writing: whose');
      await a.applyUpdate(id, { publicReply: 'Send two codes.', addTags: [], removeTags: [], escalate: false }, 'tk:2.1.0');
      await desk.replyByMail(id, alice, 'here: 111111 222222\n\n[twofa-desk ref 0123456789abcdef]');
      const comments = await adapter().listComments(id);
      expect(comments.map((c) => c.authorRole)).toEqual(['bot', 'requester']);
      const events = await adapter().eventsFromTicket(id, Date.now());
      expect(events.filter((e) => e.type === 'commentAdded').map((e) => (e.type === 'commentAdded' ? e.authorRole : ''))).toEqual(['requester']);
    });

    it('an agent\'s correspondence is an agent\'s public comment, and the field value 2fa_bot_off an agent\'s tag', async () => {
      const a = adapter();
      const id = await watchedTicket('writing: agent');
      await desk.agentMessage(id, 'correspond', 'I will take this one.');
      await desk.agentUpdate(id, { CustomFields: { [RT_FIELD]: [WATCH, '2fa_bot_off'] } });
      const events = await a.eventsFromTicket(id, Date.now());
      expect(events.find((e) => e.type === 'commentAdded')).toMatchObject({ authorRole: 'agent', authorId: RT_AGENT.name, public: true });
      expect(events.filter((e) => e.type === 'tagsChanged').at(-1)).toMatchObject({ added: ['2fa_bot_off'], byRole: 'agent' });
    });

    it('an agent moving the ticket out of the queue removes the watch', async () => {
      const a = adapter();
      const id = await watchedTicket('writing: moved');
      await desk.api('PUT', `/ticket/${id}`, { Queue: RT_ESCALATION_QUEUE }, RT_ROOT);
      const events = await a.eventsFromTicket(id, Date.now());
      expect(events.some((e) => e.type === 'ticketTagged')).toBe(false);
      expect(events.at(-1)).toMatchObject({ type: 'tagsChanged', removed: [WATCH] });
    });

    it('escalates by moving the ticket to RT_ESCALATION_QUEUE with the end marker', async () => {
      const a = adapter();
      const id = await watchedTicket('writing: escalate');
      await a.applyUpdate(id, { internalNote: 'Escalated: user not found.', status: 'open', addTags: ['2fa_bot_escalated'], removeTags: [], escalate: true }, 'tk:3.1.0');
      const t = await desk.ticket(id);
      expect(t.Queue.id).toBe(await desk.queueId(RT_ESCALATION_QUEUE));
      expect(await desk.fieldValues(id, RT_FIELD)).toContain('2fa_bot_escalated');
    });

    it('a change RT refuses with a 200 is an RtRequestRefused naming what was not done', async () => {
      const a = adapter(loadRtConfig(env({ RT_ESCALATION_QUEUE: 'General' })));
      const id = await watchedTicket('writing: refused');
      const err = await a.applyUpdate(id, { addTags: [], removeTags: [], escalate: true }, 'tk:4.1.0').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RtRequestRefused);
      expect((err as RtRequestRefused).message).toMatch(/Queue General/);
      expect((err as RtRequestRefused).message).toMatch(/Permission Denied/);
      expect((await desk.ticket(id)).Queue.id).toBe(await desk.queueId(RT_QUEUE));
    });
  });

  describe('the Scrip of the README, installed in the real RT', () => {
    it('posts a signed notification when someone other than the bot changes a watched ticket, and none for the bot\'s own change', async () => {
      const a = adapter();
      const id = await watchedTicket('scrip: notify');
      await a.applyUpdate(id, { publicReply: 'Send two codes.', addTags: [], removeTags: [], escalate: false }, 'tk:5.1.0');
      await desk.replyByMail(id, alice, 'codes 123456 654321');
      const mine = () => received.filter((r) => r.body.toString().includes(`"ticket_id":${id}`));
      const replyTxn = (await desk.messages(id)).find((m) => m.creator === alice.email)?.id;
      const note = await waitFor('the notification of the reply', async () => mine().find((r) => r.body.toString().includes(`"transaction_id":${replyTxn}`)), 15_000);
      // one per change by someone else (the mail, the agent's field value, the reply …): none names a transaction of the bot's
      const history = (await desk.api('GET', `/ticket/${id}/history?per_page=100&fields=Creator`)) as { items: Array<{ id: string; Creator: { id: string } }> };
      const creator = new Map(history.items.map((t) => [String(t.id), t.Creator.id]));
      expect([...creator.values()]).toContain(RT_BOT.name);
      for (const r of mine()) expect(creator.get(String((JSON.parse(r.body.toString()) as { transaction_id: number }).transaction_id))).not.toBe(RT_BOT.name);
      // the bot's reply opened the new ticket (a Status transaction of RT_System): RT's own change is not notified either
      expect([...creator.values()]).toContain('RT_System');
      for (const r of mine()) expect(creator.get(String((JSON.parse(r.body.toString()) as { transaction_id: number }).transaction_id))).not.toBe('RT_System');
      const req: WebhookRequest = { headers: note.headers, rawBody: note.body };
      expect(() => a.verifyWebhook(req, Date.now())).not.toThrow();
      expect(a.webhookDeliveryId(req)).toMatch(/^rt-txn-\d+$/);
      const [batch] = await a.eventsFromWebhook(req, Date.now());
      expect(batch?.ticketId).toBe(id);
      expect(batch?.events.filter((e) => e.type === 'commentAdded')).toEqual([expect.objectContaining({ authorRole: 'requester' })]);
    });

    it('reads a ticket once for the notifications of the transactions that read showed, and again once for one it did not show', async () => {
      const a = adapter();
      const id = await watchedTicket('scrip: one read');
      await desk.replyByMail(id, alice, 'codes 123456 654321', 'multipart');
      const history = (await desk.api('GET', `/ticket/${id}/history?per_page=100&fields=Type`)) as { items: Array<{ id: string; Type: string }> };
      const notification = (txn: string | number, delivery: string): WebhookRequest => {
        const body = JSON.stringify({ twofa_desk: 'rt', ticket_id: Number(id), transaction_id: Number(txn), delivery_id: delivery });
        const ts = String(Math.floor(Date.now() / 1000));
        return { headers: { 'x-twofa-rt-timestamp': ts, 'x-twofa-rt-signature': signRtNotification(SECRET, ts, body) }, rawBody: Buffer.from(body) };
      };
      const [create, tagging, reply] = ['Create', 'CustomField', 'Correspond'].map((type) => history.items.find((t) => t.Type === type)?.id ?? '0');
      calls = [];
      const [first] = await a.eventsFromWebhook(notification(reply ?? '0', 'd1'), Date.now());
      expect(first?.events.map((e) => e.type)).toEqual(expect.arrayContaining(['ticketTagged', 'commentAdded']));
      const oneRead = calls.length;
      expect(calls.filter((c) => c.endsWith(`/ticket/${id}`))).toHaveLength(1);
      // the creation and the tagging were in that read: their notifications (sent before, or late) cost no call
      expect(await a.eventsFromWebhook(notification(create ?? '0', 'd2'), Date.now())).toEqual([]);
      expect(await a.eventsFromWebhook(notification(tagging ?? '0', 'd3'), Date.now())).toEqual([]);
      expect(calls).toHaveLength(oneRead);
      // a transaction the history does not show (yet): read again once, a moment later; the events are all there
      const [again] = await a.eventsFromWebhook(notification(Number(reply) + 100_000, 'd4'), Date.now());
      expect(again?.events.map((e) => e.id)).toEqual(first?.events.map((e) => e.id));
      expect(calls.slice(oneRead).filter((c) => c.endsWith(`/ticket/${id}`))).toHaveLength(2);
      // the reply's text was read once, by its own transaction
      expect(calls.filter((c) => c.includes('/attachments'))).toEqual([`GET /transaction/${reply}/attachments`]);
    });

    it('refuses a forged, unsigned or old notification, and all of them without RT_WEBHOOK_SECRET', async () => {
      const a = adapter();
      const body = JSON.stringify({ twofa_desk: 'rt', ticket_id: 1, transaction_id: 1, delivery_id: 'rt-txn-1' });
      const ts = String(Math.floor(Date.now() / 1000));
      const signed = (secret: string, t = ts): WebhookRequest => ({ headers: { 'x-twofa-rt-timestamp': t, 'x-twofa-rt-signature': signRtNotification(secret, t, body) }, rawBody: Buffer.from(body) });
      const slug = (fn: () => void) => {
        try {
          fn();
          return 'accepted';
        } catch (e) {
          return e instanceof InvalidWebhook ? e.slug : String(e);
        }
      };
      expect(slug(() => a.verifyWebhook(signed(SECRET), Date.now()))).toBe('accepted');
      expect(slug(() => a.verifyWebhook(signed('another-secret-of-16+'), Date.now()))).toBe('bad_signature');
      expect(slug(() => a.verifyWebhook({ headers: {}, rawBody: Buffer.from(body) }, Date.now()))).toBe('missing_signature');
      expect(slug(() => a.verifyWebhook(signed(SECRET, String(Math.floor(Date.now() / 1000) - 3600)), Date.now()))).toBe('stale_timestamp');
      const env0 = env();
      delete env0.RT_WEBHOOK_SECRET;
      expect(slug(() => adapter(loadRtConfig(env0)).verifyWebhook(signed(SECRET), Date.now()))).toBe('missing_signature');
    });
  });
});
