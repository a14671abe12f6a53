import { readFile } from 'node:fs/promises';
import axios from 'axios';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../workers/app.js';
import { DEFAULT_SEED, loadConfig } from '../../workers/config.js';
import { DEMO_POLICY } from '../demo/run-demo.js';
import { SCENARIOS, type Scenario } from '../demo/scenarios.js';
import { ticketKey } from '../../workers/store/keys.js';
import { freePort } from '../../workers/redis/private-redis.js';
import type { OpenTickets } from '../../workers/observe/sla/open-tickets.js';
import type { SlaSummary } from '../../workers/observe/sla/summary.js';
import { DEMO_DEVICE_COUNTERS } from '../../integrations/twofa/local/demo-devices.js';
import { parseSeed } from '../../integrations/twofa/local/seed.js';
import { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { hasMarker } from '../../integrations/ticketing/zendesk/comment-marker.js';
import { startFakeZendesk, type FakeZendesk, zendeskAppEnv } from '../support/fake-zendesk.js';
import { capturedLogger } from '../support/log-capture.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { requesterView } from '../support/requester-view.js';
import { ZendeskSimulatedUser } from '../support/zendesk-simulated-user.js';

const SECRET = 'zendesk-unfinished-webhook-secret';
const TOKEN = 'zendesk-unfinished-api-token';
const EMAIL = 'twofa-bot@acme.example';

/**
 * Zendesk refuses a round's last update: the escalation group was deleted (422 RecordInvalid "Group: is invalid"), and
 * a rule refuses to solve (422, as "Auto-assign tickets upon solve" off does for a ticket without assignee; here the
 * fake refuses every solve outright, whatever the adapter sends). The ticket must end visible to agents in Zendesk.
 */
describe('a round whose last update Zendesk refuses', () => {
  const prefix = freshPrefix('unfin-zd');
  const { log, lines } = capturedLogger('info');
  const sent = new Set<string>();
  let redis: Redis;
  let fake: FakeZendesk;
  let app: App;
  let groupId: number;
  const ids = { solve: 0, escalate: 0 };

  const bot = (ticketId: number) => (fake.comments.get(ticketId) ?? []).filter((c) => c.author_id === fake.botId && hasMarker(c.body));

  beforeAll(async () => {
    redis = newRedis();
    const seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
    const port = await freePort();
    fake = await startFakeZendesk({ apiToken: TOKEN, agentEmail: EMAIL, webhookSecret: SECRET, webhookUrl: `http://127.0.0.1:${port}/webhooks/zendesk` });
    groupId = fake.addGroup('Service Desk L2').id;
    fake.deleteGroup(groupId);
    fake.refuseStatuses.add('solved');
    const source = {
      ...zendeskAppEnv({ redisUrl: testRedisUrl(), prefix: prefix, port: port, zendeskUrl: fake.url, credentials: { email: EMAIL, apiToken: TOKEN, webhookSecret: SECRET }, escalationGroupId: groupId, pollIntervalS: 2 }),
    };
    app = await createApp(loadConfig(source, { policy: DEMO_POLICY }), { log, source });
    await app.start();

    const play = async (scenario: Scenario): Promise<number> => {
      const user = scenario.userName ? seed.users.find((u) => u.userName === scenario.userName) : undefined;
      const t = user ? seed.tokens.find((x) => x.userId === user.id) : undefined;
      const token = t ? new VirtualToken({ secret: t.secret, kind: t.kind, counter: DEMO_DEVICE_COUNTERS[t.serial] ?? t.counter, digits: t.digits ?? 6 }) : undefined;
      const ticket = await fake.createTicket({ subject: `2FA (${scenario.title})`, description: 'My 2FA code does not work.', requester: scenario.requester, tags: ['2fa_issue'] });
      await new ZendeskSimulatedUser({ fake, ticketId: ticket.id, scenario, token, app: requesterView(app), sent }).run(Date.now() + 40_000);
      return ticket.id;
    };
    const scenario = (key: string): Scenario => SCENARIOS.find((s) => s.key === key) ?? (() => { throw new Error(`no scenario ${key}`); })();
    [ids.solve, ids.escalate] = await Promise.all([play(scenario('mobilepass-drift')), play(scenario('unknown-requester'))]);
    await fake.settle();
  }, 90_000);

  afterAll(async () => {
    await app?.stop();
    await fake?.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  const state = async (id: number) => (await app.store.getState(ticketKey('zendesk', String(id)))).state;

  it('refused solve: open in Zendesk, tagged escalated, with the note for an agent; the "solved" reply never went out', async () => {
    expect((await state(ids.solve))?.status).toBe('update_failed');
    const t = fake.tickets.get(ids.solve);
    expect(t?.status).toBe('open');
    expect(t?.tags).toContain('2fa_bot_escalated');
    expect(t?.tags).not.toContain('2fa_bot_resolved');
    const comments = bot(ids.solve);
    expect(comments.filter((c) => c.public)).toHaveLength(2); // asked for codes, asked to re-test; no "solved"
    expect(comments.at(-1)).toMatchObject({ public: false });
    expect(comments.at(-1)?.body).toMatch(/Not finished[\s\S]*The bot meant to solve the ticket[\s\S]*zendesk answered 422/);
  });

  it('deleted escalation group: open in Zendesk with no group, tagged escalated, with the note; no public word', async () => {
    expect((await state(ids.escalate))?.status).toBe('update_failed');
    const t = fake.tickets.get(ids.escalate);
    expect(t).toMatchObject({ status: 'open', group_id: null });
    expect(t?.tags).toContain('2fa_bot_escalated');
    const comments = bot(ids.escalate);
    expect(comments.filter((c) => c.public)).toEqual([]);
    expect(comments.at(-1)?.body).toMatch(/Not finished[\s\S]*The bot meant to escalate the ticket[\s\S]*Group: is invalid/);
  });

  it('sent each refused update once: a 422 is not retried', () => {
    const refused = fake.requests.filter((r) => r.method === 'PUT' && r.status === 422);
    expect(refused).toHaveLength(2);
  });

  it('lists both in /sla/open and counts neither resolved nor escalated in /sla/summary', async () => {
    const open = (await axios.get<OpenTickets>(`${app.url}/sla/open`)).data;
    expect(open.tickets.map((t) => [t.ticketId, t.status, t.waitingOn]).sort()).toEqual(
      [
        [String(ids.escalate), 'update_failed', 'agent'],
        [String(ids.solve), 'update_failed', 'agent'],
      ].sort(),
    );
    const summary = (await axios.get<SlaSummary>(`${app.url}/sla/summary?since=1h`)).data;
    expect(summary.outcomes).toEqual({ resolved: 0, escalated: 0, handed_off: 0, timed_out: 0, unfinished: 2 });
    expect(summary.firstReply.count).toBe(1); // the unknown requester was never answered
  });

  it('logs one error line per ticket, with Zendesk\'s answer', () => {
    const errors = lines.map((l) => JSON.parse(l) as { level: number; tk?: string; reason?: string }).filter((l) => l.level === 50);
    expect(errors.map((l) => l.tk).sort()).toEqual([`zendesk:${ids.escalate}`, `zendesk:${ids.solve}`].sort());
    for (const e of errors) expect(e.reason).toMatch(/ZendeskRequestRefused: zendesk answered 422/);
  });

  it('lets an agent finish it: a public reply hands the ticket off, and the SLA record says so', async () => {
    const agent = fake.addUser({ name: 'Agent Smith', email: 'agent@acme.example', role: 'agent' });
    await fake.addComment(ids.solve, { authorId: agent.id, body: 'Glad it works, solving this now.', public: true });
    const until = Date.now() + 15_000;
    while ((await state(ids.solve))?.status !== 'handed_off' && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect((await state(ids.solve))?.status).toBe('handed_off');
    const open = (await axios.get<OpenTickets>(`${app.url}/sla/open`)).data;
    expect(open.tickets.map((t) => t.ticketId)).toEqual([String(ids.escalate)]);
  });
});
