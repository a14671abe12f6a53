import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ConnectWiseAdapter } from '../../integrations/ticketing/connectwise/adapter.js';
import { checkConnectWise } from '../../integrations/ticketing/connectwise/check.js';
import { loadConnectWiseConfig, type ConnectWiseConfig } from '../../integrations/ticketing/connectwise/config.js';
import { ConnectWiseBudgetSpent, ConnectWiseResponseInvalid, ConnectWiseStatusMissing } from '../../integrations/ticketing/connectwise/connectwise-errors.js';
import { InvalidWebhook, TicketingAuthFailed } from '../../integrations/ticketing/errors.js';
import type { EventOf } from '../../workflows/resync/events.js';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { asCallback, CALLBACK_SECRET, connectWiseConfigFor } from '../support/contract-desk-connectwise.js';
import { startFakeConnectWise, type FakeConnectWise } from '../support/fake-connectwise.js';
import { deletePrefix, freshPrefix, testRedisUrl } from '../support/redis.js';

const step = (over: Record<string, unknown> = {}) => ({ addTags: [], removeTags: [], escalate: false, ...over });
const who = (n: string) => ({ name: `${n} Tester`, email: `${n.toLowerCase()}@contoso.example` });

describe('ConnectWise adapter (fake PSA)', () => {
  let fake: FakeConnectWise;
  let redis: Redis;
  let prefix: string;
  let adapters: ConnectWiseAdapter[];

  const adapter = (over: Partial<ConnectWiseConfig> = {}, opts: { maxRateWaitMs?: number; rateWindowMs?: number } = {}) => {
    const a = new ConnectWiseAdapter({ config: connectWiseConfigFor(fake, over), redis, prefix, retryBaseDelayMs: 5, ...opts });
    adapters.push(a);
    return a;
  };

  beforeEach(async () => {
    fake = await startFakeConnectWise({ callbackUrl: 'http://127.0.0.1:9/webhooks/connectwise' });
    redis = new Redis(testRedisUrl());
    prefix = freshPrefix('cw-adapter');
    adapters = [];
  });

  afterEach(async () => {
    for (const a of adapters) await a.close();
    await fake.close();
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  describe('identity and the customer', () => {
    it("carries the ticket's company as the snapshot's organization, on getTicket and on the poller's ticketTagged", async () => {
      const t = fake.createTicket({ contact: { ...who('Olga'), company: 'Northwind Traders' }, summary: 'MFA codes rejected' });
      const company = fake.companies.get(t.companyId);
      const a = adapter();
      const snap = await a.getTicket(String(t.id));
      expect(snap.organization).toEqual({ id: String(company?.id), name: 'Northwind Traders' });
      const tagged = (await a.eventsFromTicket(String(t.id), 1)).find((e): e is EventOf<'ticketTagged'> => e.type === 'ticketTagged');
      expect(tagged?.ticket.organization).toEqual({ id: String(company?.id), name: 'Northwind Traders' });
    });

    it("takes the requester's email from the contact record, never from the ticket's typed contactEmailAddress", async () => {
      const t = fake.createTicket({ contact: who('Grace'), summary: 'codes refused' });
      t.contactEmailAddress = 'ceo@contoso.example';
      const snap = await adapter().getTicket(String(t.id));
      expect(snap.requester).toEqual({ id: String(t.contactId), name: 'Grace Tester', email: 'grace@contoso.example' });
      expect(fake.requests.some((r) => r.path === `/company/contacts/${t.contactId}`)).toBe(true);
    });

    it("tells the bot's notes by its API member and marker: a person quoting a marker, or the API member without one, is an agent", async () => {
      const t = fake.createTicket({ contact: who('Pia'), summary: 'codes refused' });
      const a = adapter();
      await a.applyUpdate(String(t.id), step({ internalNote: 'Located the user.' }), 'cw:1|r1.e1');
      const marker = fake.notesOf(t.id).at(-1)?.text.match(/\[twofa-desk ref [0-9a-f]{16}[^\]]*\]/)?.[0] ?? '';
      expect(marker).not.toBe('');
      const agnes = fake.addMember('agnes', 'Agnes');
      fake.addNote(t.id, { byMember: agnes.id, internal: true, text: `copied: ${marker}` });
      fake.addNote(t.id, { byMember: fake.bot.id, internal: true, text: 'typed by someone with the API keys, no marker' });
      const roles = (await a.listComments(String(t.id))).map((c) => [c.authorRole, c.authorId]);
      expect(roles).toEqual([
        ['requester', String(t.contactId)],
        ['bot', `member:${fake.bot.identifier}`],
        ['agent', 'member:agnes'],
        ['agent', `member:${fake.bot.identifier}`],
      ]);
    });
  });

  describe('writing', () => {
    it('writes statuses by the ids the board lists, by name, and says which variable to fix when a name is missing', async () => {
      const t = fake.createTicket({ contact: who('Sol'), summary: 'codes refused' });
      await adapter().applyUpdate(String(t.id), step({ status: 'pending' }), 'cw:2|r1.e1');
      expect(t.statusId).toBe(fake.statusByName(fake.board.id, 'Waiting Customer').id);
      const patch = fake.requests.find((r) => r.method === 'PATCH');
      expect(patch?.body).toEqual([{ op: 'replace', path: 'status', value: { id: 703 } }]);
      // a board that calls it differently: the configured name is taken, an inactive status never
      await adapter({ statusNames: { open: ['In Progress'], pending: ['Customer Updated'], solved: ['Completed'] } }).applyUpdate(String(t.id), step({ status: 'pending' }), 'cw:2|r1.e2');
      expect(fake.statusName(t)).toBe('Customer Updated');
      const err = await adapter({ statusNames: { open: ['In Progress'], pending: ['Waiting Customer (old)'], solved: ['Completed'] } }).applyUpdate(String(t.id), step({ status: 'pending' }), 'cw:2|r1.e3').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectWiseStatusMissing);
      expect((err as ConnectWiseStatusMissing).reason).toContain('CONNECTWISE_STATUS_PENDING');
    });

    it('escalates to another board with a status of that board, and to an owner looked up by Member ID', async () => {
      const t = fake.createTicket({ contact: who('Una'), summary: 'codes refused' });
      const lead = fake.addMember('jsmith', 'J Smith');
      await adapter({ escalation: { boardId: fake.escalationBoard.id, member: 'jsmith' } }).applyUpdate(String(t.id), step({ internalNote: 'Escalated.', status: 'open', escalate: true }), 'cw:3|r1.e1');
      expect(t.boardId).toBe(fake.escalationBoard.id);
      expect(t.statusId).toBe(fake.statusByName(fake.escalationBoard.id, 'In Progress').id);
      expect(t.ownerId).toBe(lead.id);
      expect(fake.requests.filter((r) => r.path === '/system/members')).toHaveLength(1);
    });

    it('marks the solving reply as the Resolution and breaks Markdown links in what the bot writes', async () => {
      const t = fake.createTicket({ contact: who('Vera'), summary: 'codes refused' });
      await adapter().applyUpdate(String(t.id), step({ publicReply: 'Solved for [click me](https://evil.example) <https://evil.example>', status: 'solved' }), 'cw:4|r1.e1');
      const reply = fake.notesOf(t.id).at(-1);
      expect(reply).toMatchObject({ detailDescriptionFlag: true, resolutionFlag: true, internalAnalysisFlag: false });
      expect(reply?.text).not.toContain('](');
      expect(reply?.text).not.toContain('<https:');
      expect(reply?.text).toContain('click me');
    });
  });

  describe('callbacks', () => {
    it('refuses a callback without the secret in its URL, or with another, before any call', async () => {
      const t = fake.createTicket({ contact: who('Rita'), summary: 'codes refused' });
      await fake.settle();
      const d = fake.deliveries.at(-1);
      if (!d) throw new Error('no callback');
      const a = adapter();
      const before = fake.requests.length;
      const missing = (() => {
        try {
          a.verifyWebhook({ headers: d.headers, rawBody: Buffer.from(d.body), url: '/webhooks/connectwise' });
        } catch (e) {
          return e;
        }
      })();
      expect(missing).toMatchObject({ slug: 'missing_signature', statusCode: 401 });
      expect(() => a.verifyWebhook(asCallback(d, `${CALLBACK_SECRET}x`))).toThrow(InvalidWebhook);
      expect(() => a.verifyWebhook(asCallback(d))).not.toThrow();
      expect(fake.requests.length).toBe(before);
      expect(t.id).toBeGreaterThan(0);
    });

    it('reads nothing for another record type or a deletion', async () => {
      const a = adapter();
      const body = (o: object) => ({ ...asCallback({ body: JSON.stringify({ MessageId: 'm1', Action: 'updated', Type: 'ticket', ID: 1, ...o }), headers: {} }) });
      expect(await a.eventsFromWebhook(body({ Type: 'contact' }), 1)).toEqual([]);
      expect(await a.eventsFromWebhook(body({ Action: 'deleted' }), 1)).toEqual([]);
      expect(a.webhookDeliveryId(body({ MemberId: fake.bot.identifier }))).toBe('m1');
      expect(fake.requests).toEqual([]);
      await expect(a.eventsFromWebhook(body({ ID: 'x' }), 1)).rejects.toMatchObject({ slug: 'bad_shape' });
    });

    it("reads back a callback whatever its MemberId: the bot's own save makes no event of its note, a customer's note named as the API member's still does", async () => {
      const t = fake.createTicket({ contact: who('Uma'), summary: 'codes refused' });
      const a = adapter();
      await a.applyUpdate(String(t.id), step({ internalNote: 'Located the user.' }), 'cw:1|r1.e1');
      await fake.settle();
      const own = fake.deliveries.at(-1);
      if (!own) throw new Error('no callback');
      expect((JSON.parse(own.body) as { MemberId: string }).MemberId).toBe(fake.bot.identifier);
      const readsBefore = fake.requests.filter((r) => r.path === `/service/tickets/${t.id}`).length;
      const ownEvents = (await a.eventsFromWebhook(asCallback(own), 5)).flatMap((b) => b.events);
      expect(fake.requests.filter((r) => r.path === `/service/tickets/${t.id}`).length).toBe(readsBefore + 1);
      expect(ownEvents.filter((e) => e.type === 'commentAdded' && e.authorRole === 'bot')).toEqual([]);
      fake.addNote(t.id, { byContact: t.contactId, text: 'here are my two codes' });
      await fake.settle();
      const customer = fake.deliveries.at(-1);
      if (!customer) throw new Error('no callback');
      const named = { ...customer, body: JSON.stringify({ ...(JSON.parse(customer.body) as object), MemberId: fake.bot.identifier }) };
      const events = (await a.eventsFromWebhook(asCallback(named), 6)).flatMap((b) => b.events);
      expect(events).toContainEqual(expect.objectContaining({ type: 'commentAdded', authorRole: 'requester' }));
    });

    it('a ticket an agent moved off the watched board: the watch tag removed, by an agent (a hand-off)', async () => {
      const t = fake.createTicket({ contact: who('Wes'), summary: 'codes refused' });
      const agnes = fake.addMember('agnes', 'Agnes');
      fake.changeTicket(t.id, { by: agnes, boardId: fake.escalationBoard.id, statusId: 801 });
      await fake.settle();
      const d = fake.deliveries.at(-1);
      if (!d) throw new Error('no callback');
      const events = (await adapter().eventsFromWebhook(asCallback(d), 5)).flatMap((b) => b.events);
      expect(events).toEqual([expect.objectContaining({ type: 'tagsChanged', removed: ['2fa_issue'], byRole: 'agent' })]);
      expect(fake.requests.some((r) => r.path.endsWith('/notes'))).toBe(false);
    });

    it("gives an agent's hashtag in an internal note as a tag, and an agent's status change as statusChanged", async () => {
      const t = fake.createTicket({ contact: who('Xena'), summary: 'codes refused' });
      const agnes = fake.addMember('agnes', 'Agnes');
      fake.addNote(t.id, { byMember: agnes.id, internal: true, text: 'leave this one to me #2fa_bot_off' });
      fake.changeTicket(t.id, { by: agnes, statusId: fake.statusByName(fake.board.id, 'Completed').id });
      await fake.settle();
      const d = fake.deliveries.at(-1);
      if (!d) throw new Error('no callback');
      const events = (await adapter().eventsFromWebhook(asCallback(d), 5)).flatMap((b) => b.events);
      expect(events.find((e) => e.type === 'tagsChanged')).toMatchObject({ added: ['2fa_bot_off'], byRole: 'agent' });
      expect(events.find((e) => e.type === 'statusChanged')).toMatchObject({ status: 'solved', byRole: 'agent' });
    });
  });

  describe('the API', () => {
    it('lists watched tickets by conditions on board and type, every page of 1,000', async () => {
      for (let i = 0; i < 1003; i++) fake.createTicket({ contact: who(`P${i}`), summary: `t${i}` });
      fake.createTicket({ contact: who('Other'), summary: 'printer', watched: false });
      const listed = await adapter().listWatchedTickets();
      expect(listed).toHaveLength(1003);
      const lists = fake.requests.filter((r) => r.path === '/service/tickets');
      expect(lists.map((r) => r.query.page)).toEqual(['1', '2']);
      expect(lists[0]?.query).toMatchObject({ pageSize: '1000', fields: 'id,_info/lastUpdated', conditions: 'board/id=31 and type/name="2FA" and closedFlag=false and status/id!=705' });
    });

    it('waits out a 429 with Retry-After, and every worker of the account pauses with it (Redis)', async () => {
      const t = fake.createTicket({ contact: who('Yan'), summary: 'codes refused' });
      const a = adapter({}, { maxRateWaitMs: 5_000 });
      fake.startStorm(1);
      const snap = await a.getTicket(String(t.id));
      expect(snap.id).toBe(String(t.id));
      expect(fake.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
      expect(fake.requests.find((r) => r.status === 429)?.retryAfterS).toBe(1);
      const keys = await redis.keys(`${prefix}:connectwise-limit:*paused-until`);
      expect(keys).toHaveLength(1);
    });

    it("sends no more than CONNECTWISE_RATE_LIMIT_PER_MIN: past the bot's own budget, a typed error naming the variable, and nothing sent", async () => {
      const t = fake.createTicket({ contact: who('Kim'), summary: 'codes refused' });
      const a = adapter({ rateLimitPerMin: 2 }, { maxRateWaitMs: 0, rateWindowMs: 600_000 });
      const before = fake.requests.length;
      const err = await a.getTicket(String(t.id)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectWiseBudgetSpent);
      expect((err as ConnectWiseBudgetSpent).retryAfterMs).toBeGreaterThan(0);
      expect((err as ConnectWiseBudgetSpent).reason).toContain('CONNECTWISE_RATE_LIMIT_PER_MIN');
      expect(fake.requests.length - before).toBe(2);
    });

    it('names the field of an answer that is not the documented shape, and refuses wrong keys or a missing clientId as auth', async () => {
      const t = fake.createTicket({ contact: who('Zoe'), summary: 'codes refused' });
      fake.injectAnswer({ path: `/service/tickets/${t.id}?`, times: 1, status: 200, body: { id: t.id, summary: 's', status: { id: 1, name: 'New' }, closedFlag: false, _info: { lastUpdated: '2026-01-01T00:00:00Z' } } });
      const err = await adapter().getTicket(String(t.id)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectWiseResponseInvalid);
      expect((err as ConnectWiseResponseInvalid).field).toBe('board');
      await expect(adapter({ privateKey: 'wrong' }).getTicket(String(t.id))).rejects.toBeInstanceOf(TicketingAuthFailed);
      await expect(adapter({ clientId: 'not-registered' }).getTicket(String(t.id))).rejects.toBeInstanceOf(TicketingAuthFailed);
    });
  });
});

describe('CONNECTWISE_* configuration', () => {
  const base = {
    CONNECTWISE_SITE: 'https://api-na.myconnectwise.net/v4_6_release/apis/3.0/',
    CONNECTWISE_COMPANY_ID: 'acme',
    CONNECTWISE_PUBLIC_KEY: 'pub',
    CONNECTWISE_PRIVATE_KEY: 'priv',
    CONNECTWISE_CLIENT_ID: 'client',
    CONNECTWISE_API_MEMBER: 'TwofaApi',
    CONNECTWISE_BOARD_ID: '31',
    CONNECTWISE_CALLBACK_SECRET: 'a'.repeat(40),
  };
  const failsOn = (env: Record<string, string>) => {
    try {
      loadConnectWiseConfig(env);
    } catch (e) {
      return e instanceof ConfigError ? e.variable : 'not a ConfigError';
    }
    return undefined;
  };

  it('reads the fixed names, with defaults, a type by name or id', () => {
    const c = loadConnectWiseConfig({ ...base, CONNECTWISE_WATCH_TYPE: '212', CONNECTWISE_WATCH_SUBTYPE: 'MFA', CONNECTWISE_ESCALATION_BOARD_ID: '47' });
    expect(c).toMatchObject({ site: 'https://api-na.myconnectwise.net/v4_6_release/apis/3.0', boardId: 31, watchType: { id: 212 }, watchSubtype: { name: 'MFA' }, escalation: { boardId: 47 }, pollIntervalS: 60, rateLimitPerMin: 120 });
  });

  it('names the variable that is missing or wrong, never echoing a value', () => {
    const { CONNECTWISE_PRIVATE_KEY: _p, ...noKey } = base;
    expect(failsOn(noKey)).toBe('CONNECTWISE_PRIVATE_KEY');
    expect(failsOn({ ...base, CONNECTWISE_CALLBACK_SECRET: 'short' })).toBe('CONNECTWISE_CALLBACK_SECRET');
    expect(failsOn({ ...base, CONNECTWISE_CALLBACK_SECRET: `${'a'.repeat(40)}&x=1` })).toBe('CONNECTWISE_CALLBACK_SECRET');
    expect(failsOn({ ...base, CONNECTWISE_BOARD_ID: 'Service' })).toBe('CONNECTWISE_BOARD_ID');
    expect(failsOn({ ...base, CONNECTWISE_WATCH_TYPE: 'x"y' })).toBe('CONNECTWISE_WATCH_TYPE');
    expect(failsOn({ ...base, CONNECTWISE_WATCH_SUBTYPE: 'MFA' })).toBe('CONNECTWISE_WATCH_TYPE');
  });
});

describe('twofa-desk connectwise check', () => {
  let fake: FakeConnectWise;
  beforeEach(async () => {
    fake = await startFakeConnectWise();
  });
  afterEach(async () => {
    await fake.close();
  });
  const env = (over: Record<string, string> = {}) => ({
    CONNECTWISE_SITE: fake.url,
    CONNECTWISE_COMPANY_ID: fake.companyId,
    CONNECTWISE_PUBLIC_KEY: fake.publicKey,
    CONNECTWISE_PRIVATE_KEY: fake.privateKey,
    CONNECTWISE_CLIENT_ID: fake.clientId,
    CONNECTWISE_API_MEMBER: fake.bot.identifier,
    CONNECTWISE_BOARD_ID: String(fake.board.id),
    CONNECTWISE_WATCH_TYPE: '2FA',
    CONNECTWISE_CALLBACK_SECRET: CALLBACK_SECRET,
    CONNECTWISE_ESCALATION_TEAM_ID: '25',
    ...over,
  });

  it('says ready with each status it writes, and never prints a key or the secret', async () => {
    fake.createTicket({ contact: who('Ada'), summary: 'codes refused' });
    const { ok, lines } = await checkConnectWise(env());
    expect(ok).toBe(true);
    const text = lines.join('\n');
    expect(text).toContain('pending → "Waiting Customer" (id 703)');
    expect(text).toContain('budget 120 requests/min');
    expect(text).toContain('1 open watched ticket(s)');
    expect(text).toContain('escalation team 25 "Tier 2"');
    for (const secret of [fake.privateKey, fake.publicKey, CALLBACK_SECRET]) expect(text).not.toContain(secret);
  });

  it('says what is wrong: the keys, a status name the board lacks, an unknown escalation owner', async () => {
    const bad = await checkConnectWise(env({ CONNECTWISE_PRIVATE_KEY: 'wrong' }));
    expect(bad.ok).toBe(false);
    expect(bad.lines.at(-1)).toMatch(/^✗ board 31: .*API member/);
    const names = await checkConnectWise(env({ CONNECTWISE_STATUS_SOLVED: 'Resolved', CONNECTWISE_ESCALATION_MEMBER: 'nobody' }));
    expect(names.ok).toBe(false);
    expect(names.lines.join('\n')).toContain('CONNECTWISE_STATUS_SOLVED');
    expect(names.lines.join('\n')).toContain('CONNECTWISE_ESCALATION_MEMBER=nobody');
  });
});
