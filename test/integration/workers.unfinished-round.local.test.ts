import axios, { type AxiosInstance } from 'axios';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../workers/app.js';
import { loadConfig } from '../../workers/config.js';
import { SimulatedUser } from '../demo/simulated-user.js';
import type { Scenario } from '../demo/scenarios.js';
import { ticketKey } from '../../workers/store/keys.js';
import { freePort } from '../../workers/redis/private-redis.js';
import type { OpenTickets } from '../../workers/observe/sla/open-tickets.js';
import type { SlaSummary } from '../../workers/observe/sla/summary.js';
import { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { botUpdateOf, FaultProxy } from '../chaos/fault-proxy.js';
import { writeGeneratedSeed, type GeneratedUser } from '../support/generated-seed.js';
import { capturedLogger } from '../support/log-capture.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { requesterView } from '../support/requester-view.js';

interface DeskTicket {
  status: string;
  tags: string[];
  assigneeGroup?: string;
  comments: Array<{ authorRole: string; public: boolean; body: string }>;
}

/**
 * The embedded desk behind a proxy whose rules refuse chosen bot updates with a 422, as a desk's configuration would
 * (the desk itself has no such rule): the workers see the typed DeskRequestRefused, no retry can help.
 */
describe('a round whose last update the embedded desk refuses', () => {
  const prefix = freshPrefix('unfin-local');
  const { log, lines } = capturedLogger('info');
  const sent = new Set<string>();
  /** ticket id → which of the bot's updates the desk refuses */
  const rules = new Map<string, 'solve' | 'escalate' | 'everything'>();
  let redis: Redis;
  let app: App;
  let proxy: FaultProxy;
  let desk: AxiosInstance;
  let users: GeneratedUser[];
  const ids = { solve: '', escalate: '', everything: '', fine: '' };
  const refusedKeys: string[] = [];

  async function play(requester: { email: string; name: string }, user: GeneratedUser | undefined, rule?: 'solve' | 'escalate' | 'everything'): Promise<string> {
    const { data } = await desk.post<{ id: string }>('/api/tickets', { subject: '2FA code rejected', description: 'help', requester, tags: ['2fa_issue'] });
    const ticketId = String(data.id);
    if (rule) rules.set(ticketId, rule);
    const scenario: Scenario = { key: ticketId, title: ticketId, requester, userName: user?.userName ?? '', script: { codes: () => 'right', retest: () => 'works' }, expect: { final: 'resolved', publicReplies: 3 } };
    const token = user ? new VirtualToken({ secret: user.secret, counter: user.deviceCounter, kind: 'mobilepass', digits: 6 }) : undefined;
    await new SimulatedUser({ desk, ticketId, scenario, token, sent, pollMs: 100, app: requesterView(app) }).run(Date.now() + 30_000);
    return ticketId;
  }
  const state = async (id: string): Promise<WorkflowState | undefined> => (await app.store.getState(ticketKey('local', id))).state;
  const ticket = async (id: string): Promise<DeskTicket> => (await desk.get<DeskTicket>(`/api/tickets/${id}`)).data;
  const notes = (t: DeskTicket) => t.comments.filter((c) => c.authorRole === 'bot' && !c.public).map((c) => c.body);
  const replies = (t: DeskTicket) => t.comments.filter((c) => c.authorRole === 'bot' && c.public).map((c) => c.body);

  beforeAll(async () => {
    redis = newRedis();
    const seed = await writeGeneratedSeed(2);
    users = seed.users;
    const port = await freePort();
    proxy = new FaultProxy({
      target: `http://127.0.0.1:${port}`,
      rate: 0,
      clientTimeoutMs: 1000,
      refuse: (req) => {
        const bot = botUpdateOf(req);
        const rule = bot ? rules.get(bot.ticketId) : undefined;
        if (!bot || !rule) return undefined;
        const refused =
          (rule === 'solve' && bot.update.status === 'solved') || (rule === 'escalate' && bot.update.escalate === true) || rule === 'everything' ? bot : undefined;
        if (refused) refusedKeys.push(refused.idempotencyKey);
        if (!refused) return undefined;
        return rule === 'solve' ? 'solving needs an assignee' : rule === 'escalate' ? 'the escalation group was deleted' : 'the ticket is locked';
      },
    });
    const proxyUrl = await proxy.start();
    const config = loadConfig({
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PORT: String(port),
      HOST: '127.0.0.1',
      TWOFA_LOCAL_SEED: seed.path,
      LOCAL_DESK_URL: `${proxyUrl}/desk`,
      EFFECT_BACKOFF_MS: '50',
    });
    app = await createApp(config, { log });
    await app.start();
    desk = axios.create({ baseURL: `${app.url}/desk`, timeout: 10_000 });
    const stranger = (n: number) => ({ email: `nobody${n}@nowhere.example`, name: `Nobody Stranger${n}` });
    [ids.solve, ids.escalate, ids.everything, ids.fine] = await Promise.all([
      play({ email: users[0]!.email, name: users[0]!.name }, users[0], 'solve'),
      play(stranger(1), undefined, 'escalate'),
      play(stranger(2), undefined, 'everything'),
      play({ email: users[1]!.email, name: users[1]!.name }, users[1]),
    ]);
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await proxy?.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('refused solve: the ticket ends open with a note for an agent and the escalated tag, no group, no "solved" reply', async () => {
    expect((await state(ids.solve))?.status).toBe('update_failed');
    const t = await ticket(ids.solve);
    expect(t.status).toBe('open');
    expect(t.tags).toContain('2fa_bot_escalated');
    expect(t.tags).not.toContain('2fa_bot_resolved');
    expect(t.assigneeGroup).toBeUndefined();
    expect(notes(t).at(-1)).toMatch(/^\[twofa-desk\] Not finished: [\s\S]*The bot meant to solve the ticket[\s\S]*solving needs an assignee/);
    expect(replies(t).some((r) => r.includes('marking this as solved'))).toBe(false);
  });

  it('refused escalation (deleted group): the ticket ends open with the note and the tag, no group, no public word', async () => {
    expect((await state(ids.escalate))?.status).toBe('update_failed');
    const t = await ticket(ids.escalate);
    expect(t).toMatchObject({ status: 'open' });
    expect(t.tags).toContain('2fa_bot_escalated');
    expect(t.assigneeGroup).toBeUndefined();
    expect(replies(t)).toEqual([]);
    expect(notes(t)).toHaveLength(1);
    expect(notes(t)[0]).toMatch(/The bot meant to escalate the ticket[\s\S]*the escalation group was deleted[\s\S]*user_not_found/);
  });

  it('asks the desk once for each refused update: a 422 is not retried', () => {
    expect(refusedKeys.length).toBe(new Set(refusedKeys).size);
  });

  it('a desk that refuses everything leaves the ticket stuck after the closing update, the note with status and tag, and the note alone', async () => {
    const s = await state(ids.everything);
    expect(s?.status).toBe('stuck');
    expect(s?.timer).toBeUndefined();
    expect(refusedKeys.filter((k) => k.startsWith(`local:${ids.everything}|`))).toHaveLength(3);
    expect(notes(await ticket(ids.everything))).toEqual([]);
  });

  it('lists both kinds in /sla/open, waiting on an agent or on an operator', async () => {
    const { data } = await axios.get<OpenTickets>(`${app.url}/sla/open`);
    const open = (id: string) => data.tickets.find((t) => t.ticketId === id);
    expect(open(ids.solve)).toMatchObject({ status: 'update_failed', waitingOn: 'agent', unfinished: { outcome: 'resolved', reason: expect.stringContaining('solving needs an assignee') as unknown } });
    expect(open(ids.escalate)).toMatchObject({ status: 'update_failed', waitingOn: 'agent', unfinished: { outcome: 'escalated' } });
    expect(open(ids.everything)).toMatchObject({ status: 'stuck', waitingOn: 'operator' });
    expect(open(ids.fine)).toBeUndefined();
  });

  it('counts none of them resolved or escalated in /sla/summary', async () => {
    const { data } = await axios.get<SlaSummary>(`${app.url}/sla/summary?since=1h`);
    expect(data.outcomes).toEqual({ resolved: 1, escalated: 0, handed_off: 0, timed_out: 0, unfinished: 3 });
    expect(data.escalations).toBe(0);
  });

  it('shows them in the metrics and one error line each, with the reason', async () => {
    const text = (await axios.get<string>(`${app.url}/metrics`, { responseType: 'text' })).data;
    expect(text).toContain('twofa_desk_tickets_stuck{state="update_failed"} 2');
    expect(text).toContain('twofa_desk_tickets_stuck{state="stuck"} 1');
    expect(text).toMatch(/twofa_desk_final_update_failures_total\{outcome="resolved",system="local",platform="local"\} 1/);
    expect(text).toMatch(/twofa_desk_final_update_failures_total\{outcome="escalated",system="local",platform="local"\} 2/);
    const errors = lines.map((l) => JSON.parse(l) as { level: number; tk?: string; msg: string; reason?: string }).filter((l) => l.level === 50);
    const of = (id: string) => errors.filter((l) => l.tk === `local:${id}`);
    expect(of(ids.solve)).toEqual([expect.objectContaining({ msg: expect.stringMatching(/^ticket not finished/) as unknown, reason: expect.stringContaining('solving needs an assignee') as unknown })]);
    expect(of(ids.escalate)).toHaveLength(1);
    expect(of(ids.everything).map((l) => l.msg.split(':')[0])).toEqual(['ticket not finished', 'ticket stuck']);
    expect(of(ids.fine)).toEqual([]);
  });

  it('the ticket the desk took ends resolved and solved, as before', async () => {
    expect((await state(ids.fine))?.status).toBe('resolved');
    expect((await ticket(ids.fine)).status).toBe('solved');
  });
});
