import { readFile } from 'node:fs/promises';
import axios, { type AxiosInstance } from 'axios';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../workers/app.js';
import { DEFAULT_SEED, loadConfig } from '../../workers/config.js';
import { run as report } from '../../workers/cli/report.js';
import { SCENARIOS } from '../demo/scenarios.js';
import { ticketKey } from '../../workers/store/keys.js';
import { freePort } from '../../workers/redis/private-redis.js';
import { ModeAuditStore } from '../../workers/observe/sla/mode-audit-store.js';
import type { ModeAudit } from '../../workers/observe/sla/mode-audit.js';
import type { LocalPlatform } from '../../integrations/twofa/local/adapter.js';
import { generate } from '../../integrations/twofa/local/hotp.js';
import { LocalPlatformStore } from '../../integrations/twofa/local/store.js';
import { parseSeed, type Seed } from '../../integrations/twofa/local/seed.js';
import { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { DEMO_DEVICE_COUNTERS } from '../../integrations/twofa/local/demo-devices.js';
import { parsePolicy } from '../../workflows/resync/policy.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { PI_ADMIN_PASSWORD, PI_ALICE_SECRET, PI_REALM, piSeed, startFakePrivacyIdea, type FakePrivacyIdea } from '../support/fake-privacyidea.js';
import { startFakeZendesk, zendeskAppEnv, type FakeZendesk } from '../support/fake-zendesk.js';
import { capturedLogger } from '../support/log-capture.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

/*
 * Shadow and approve-changes modes through the whole app (docs/modes.md): on the embedded desk and the embedded
 * platform, on Zendesk's fake, whose request log shows every write the bot made to the ticket, and on privacyIDEA's
 * fake, whose request log shows every call the bot made to the platform. Timers are long enough that nothing times
 * out during a test: every step here is an agent's or the requester's.
 */

const POLICY = parsePolicy({ groupMapping: { byDomain: { 'example.com': 'VPN Users' } }, reminderAfterMs: 120_000, maxReminders: 1, timeoutAfterMs: 300_000 });
const AGENT = 'agent-mode-test';
const TERMINAL = new Set(['resolved', 'timed_out', 'escalated', 'handed_off']);

interface DeskComment {
  authorRole: string;
  public: boolean;
  body: string;
}

let seed: Seed;
function tokenOf(userName: string): { serial: string; device: VirtualToken } {
  const user = seed.users.find((u) => u.userName === userName);
  const t = seed.tokens.find((x) => x.userId === user?.id);
  if (!t) throw new Error(`no seeded token for ${userName}`);
  return { serial: t.serial, device: new VirtualToken({ secret: t.secret, kind: t.kind, counter: DEMO_DEVICE_COUNTERS[t.serial] ?? t.counter, digits: t.digits ?? (t.kind === 'kt4' ? 8 : 6) }) };
}

/**
 * What the embedded platform (keys under `prefix`) shows of the writes a shadow bot must not make unasked: carol's
 * groups (she has none; the mapped group waits for her resync) and a challenge on bob's KT-4 (starting one is a write).
 */
async function untouchedAccounts(redis: Redis, prefix: string): Promise<{ carolGroups: string[]; bobChallenge: string | undefined }> {
  const store = new LocalPlatformStore(redis, prefix);
  return { carolGroups: await store.getGroups('u-1003'), bobChallenge: (await store.getToken(tokenOf('bob').serial))?.challenge };
}
const UNTOUCHED = { carolGroups: [], bobChallenge: undefined };

/** Waiting on someone: a proposal for an agent, the identity approval, or the end of the round. */
function settled(s: WorkflowState | undefined): boolean {
  return !!s && (s.proposal !== undefined || TERMINAL.has(s.status) || s.status === 'awaiting_approval');
}

async function localApp(prefix: string, env: Record<string, string>, policy = POLICY): Promise<App> {
  const log = capturedLogger('warn').log;
  const source = { REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', POLL_INTERVAL_S: '5', SWEEP_INTERVAL_S: '2', EFFECT_BACKOFF_MS: '200', ...env };
  const app = await createApp(loadConfig(source, { policy }), { log, source });
  await app.start();
  return app;
}

/** The embedded desk as its users see it, over its HTTP API. */
class Desk {
  readonly http: AxiosInstance;
  constructor(readonly app: App) {
    this.http = axios.create({ baseURL: `${app.url}/desk`, timeout: 5_000 });
  }

  async open(requester: { email: string; name: string }): Promise<string> {
    const { data } = await this.http.post<{ id: string }>('/api/tickets', { subject: '2FA code not working', description: 'My 2FA code does not work, I cannot log in.', requester, tags: [POLICY.watchTag] });
    return String(data.id);
  }

  async comments(id: string): Promise<DeskComment[]> {
    return (await this.http.get<{ comments: DeskComment[] }>(`/api/tickets/${id}`)).data.comments;
  }

  async tags(id: string): Promise<string[]> {
    return (await this.http.get<{ tags: string[] }>(`/api/tickets/${id}`)).data.tags;
  }

  async bot(id: string, kind: 'public' | 'note'): Promise<string[]> {
    return (await this.comments(id)).filter((c) => c.authorRole === 'bot' && c.public === (kind === 'public')).map((c) => c.body);
  }

  state(id: string): Promise<WorkflowState | undefined> {
    return this.app.store.getState(ticketKey('local', id)).then((r) => r.state);
  }

  until(id: string, what: string, ok: (s: WorkflowState) => boolean): Promise<WorkflowState> {
    return waitFor(what, async () => {
      const s = await this.state(id);
      return s && ok(s) && (await this.app.store.pendingEffects(ticketKey('local', id))).length === 0 ? s : undefined;
    });
  }

  write(id: string, as: 'requester' | 'agent', body: string, isPublic = true): Promise<unknown> {
    return this.http.post(`/api/tickets/${id}/comments`, { as, ...(as === 'agent' ? { authorId: AGENT } : {}), body, public: isPublic });
  }

  tag(id: string, as: 'requester' | 'agent', add: string[]): Promise<unknown> {
    return this.http.put(`/api/tickets/${id}/tags`, { add, remove: [], as });
  }
}

beforeAll(async () => {
  seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
});

describe('shadow mode on the embedded desk (TWOFA_MODE=shadow)', () => {
  let app: App;
  let desk: Desk;
  let redis: Redis;
  const prefix = freshPrefix('e2e-shadow');
  const tickets = new Map<string, string>();
  const platform = () => app.platform as LocalPlatform;

  beforeAll(async () => {
    redis = newRedis();
    app = await localApp(prefix, { TWOFA_MODE: 'shadow' });
    desk = new Desk(app);
    for (const s of SCENARIOS) tickets.set(s.key, await desk.open(s.requester));
    await Promise.all([...tickets.values()].map((id) => desk.until(id, 'a proposal or an end', settled)));
  }, 90_000);

  afterAll(async () => {
    await app?.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('every demo scenario: the bot read the platform and wrote internal notes only, and changed no account', async () => {
    for (const [key, id] of tickets) {
      expect({ key, public: await desk.bot(id, 'public') }).toEqual({ key, public: [] });
      expect((await desk.state(id))?.mode).toBe('shadow');
    }
    const proposing = await Promise.all([...tickets.values()].map((id) => desk.state(id)));
    expect(proposing.filter((s) => s?.proposal).length).toBeGreaterThanOrEqual(5);
    for (const token of seed.tokens) expect({ serial: token.serial, changes: await platform().changeLog(token.serial) }).toEqual({ serial: token.serial, changes: [] });
    expect(await untouchedAccounts(redis, prefix)).toEqual(UNTOUCHED);
  });

  it('the note shows the reply it would send, quoted, with the one action that applies it', async () => {
    const [note] = await desk.bot(tickets.get('mobilepass-drift') ?? '', 'note');
    expect(note).toMatch(/Shadow mode: the bot changed nothing/);
    expect(note).toContain('    │ Hello Alice,');
    expect(note).toContain('2fa_apply');
  });

  it("the requester's apply tag and #apply reply are ignored", async () => {
    const id = tickets.get('kt4-out-of-sync') ?? '';
    const before = await desk.state(id);
    expect(before?.proposal?.steps).toEqual(['challenge']);
    await desk.tag(id, 'requester', [POLICY.applyTag]);
    await desk.write(id, 'requester', '#apply');
    const after = await desk.until(id, 'the requester’s reply held back', (s) => (s.held?.length ?? 0) === 1);
    expect(after.proposal?.id).toBe(before?.proposal?.id);
    expect(await desk.bot(id, 'public')).toEqual([]);
    expect(await platform().changeLog(tokenOf('bob').serial)).toEqual([]);
    expect(await untouchedAccounts(redis, prefix)).toEqual(UNTOUCHED);
  });

  it("an agent applies each step with one action, and the bot carries it out and proposes the next", async () => {
    const id = tickets.get('mobilepass-drift') ?? '';
    const { serial, device } = tokenOf('alice');
    await desk.tag(id, 'agent', [POLICY.applyTag]);
    await desk.until(id, 'the ask for codes sent', (s) => s.status === 'awaiting_codes' && !s.proposal);
    const [ask] = await desk.bot(id, 'public');
    expect(ask).toMatch(/^Hello Alice,/);
    // the bot took its apply tag off, so the same tag applies the next step
    expect(await desk.tags(id)).not.toContain(POLICY.applyTag);

    await desk.write(id, 'requester', `${device.nextCode()} ${device.nextCode()}`);
    await desk.until(id, 'the resync proposed', (s) => s.proposal?.steps.includes('resync') === true);
    expect(await platform().changeLog(serial)).toEqual([]);
    await desk.write(id, 'agent', '#apply codes look fine', false);
    await desk.until(id, 'the retest ask proposed', (s) => s.status === 'awaiting_retest' && s.proposal !== undefined);
    expect(await platform().changeLog(serial)).toHaveLength(1);
    expect(await desk.bot(id, 'public')).toHaveLength(1);

    await desk.tag(id, 'agent', [POLICY.applyTag]);
    await desk.until(id, 'the retest ask sent', (s) => !s.proposal);
    await desk.write(id, 'requester', 'works now, thanks');
    const end = await desk.until(id, 'the bot left the ticket', (s) => s.status === 'handed_off');
    expect(end.sla.resolvedAt).toBeUndefined();
    expect(await desk.bot(id, 'public')).toHaveLength(2);
    expect((await desk.bot(id, 'note')).at(-1)).toMatch(/In live mode it would have solved the ticket/);
    expect(end.proposals?.map((p) => `${p.steps.join('+')}:${p.outcome}`)).toEqual(['reply:applied', 'resync:applied', 'reply:applied']);
  });

  it('report --mode-audit counts what the agents applied, and what they did by hand, per step', async () => {
    const grace = tickets.get('never-replies') ?? '';
    expect((await desk.state(grace))?.proposal?.steps).toEqual(['reply']);
    await desk.write(grace, 'agent', 'Hi Grace, please send me two codes from your token.');
    await desk.until(grace, 'the bot left the ticket to the agent', (s) => s.status === 'handed_off');
    const records = await waitFor('the audit records', async () => {
      const r = await new ModeAuditStore(redis, prefix).range(0, Date.now() + 1000);
      return [tickets.get('mobilepass-drift'), grace].every((id) => r.some((x) => x.ticketId === id)) ? r : undefined;
    });
    expect(records.every((r) => r.mode === 'shadow')).toBe(true);
    const out: string[] = [];
    const code = await report({ args: ['--mode-audit', '--since', '1d', '--format', 'json'], env: { REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix }, out: (l) => out.push(l), err: () => undefined });
    expect(code).toBe(0);
    const audit = JSON.parse(out.join('\n')) as ModeAudit;
    const row = (step: string) => audit.rows.find((r) => r.mode === 'shadow' && r.step === step);
    expect(row('reply')?.outcomes.applied).toBe(2);
    expect(row('reply')?.actions).toMatchObject({ applied: 2, by_hand: 1 });
    expect(row('resync')).toMatchObject({ proposed: 1, agreement: 1, actions: { applied: 1, unseen: 0 } });
    expect(audit.tickets).toBe(records.length);
  });
});

describe('shadow mode against a privacyIDEA fake (its request log)', () => {
  let app: App;
  let desk: Desk;
  let pi: FakePrivacyIdea;
  let redis: Redis;
  const prefix = freshPrefix('e2e-shadow-pi');

  /** What the bot asked of the platform that is not a read: anything but a GET, or its own log-in. */
  const writes = () => pi.requests.filter((r) => !r.startsWith('GET ') && r !== 'POST /auth');

  beforeAll(async () => {
    redis = newRedis();
    pi = await startFakePrivacyIdea(piSeed());
    app = await localApp(prefix, {
      TWOFA_MODE: 'shadow',
      TWOFA_PLATFORM: 'privacyidea',
      PRIVACYIDEA_URL: pi.url,
      PRIVACYIDEA_REALM: PI_REALM,
      PRIVACYIDEA_ADMIN_USER: 'helpdesk',
      PRIVACYIDEA_ADMIN_PASSWORD: PI_ADMIN_PASSWORD,
      PRIVACYIDEA_GROUP_ATTRIBUTE: 'groups',
    });
    desk = new Desk(app);
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await pi?.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('the platform sees reads only until an agent applies the resync, then exactly that resync', async () => {
    const id = await desk.open({ email: 'alice.archer@example.com', name: 'Alice Archer' });
    await desk.until(id, 'the ask for codes proposed', (s) => s.proposal?.steps.includes('reply') === true);
    expect(pi.requests.some((r) => r.startsWith('GET /token/'))).toBe(true);
    await desk.tag(id, 'agent', [POLICY.applyTag]);
    await desk.until(id, 'the ask for codes sent', (s) => s.status === 'awaiting_codes' && !s.proposal);
    // alice's phone is two presses ahead of the server's counter (10)
    await desk.write(id, 'requester', `${generate(PI_ALICE_SECRET, 12, 6)} ${generate(PI_ALICE_SECRET, 13, 6)}`);
    await desk.until(id, 'the resync proposed', (s) => s.proposal?.steps.includes('resync') === true);
    expect(writes()).toEqual([]);
    expect(pi.tokens.get('OATH0001')?.count).toBe(10);

    await desk.write(id, 'agent', '#apply', false);
    await desk.until(id, 'the retest ask proposed', (s) => s.status === 'awaiting_retest' && s.proposal !== undefined);
    expect(writes()).toEqual(['POST /token/resync']);
    expect(pi.tokens.get('OATH0001')?.count).toBe(14);
  });
});

describe('approve-changes mode on the embedded desk (policy mode)', () => {
  let app: App;
  let desk: Desk;
  let redis: Redis;
  const prefix = freshPrefix('e2e-approve');

  beforeAll(async () => {
    redis = newRedis();
    app = await localApp(prefix, {}, { ...POLICY, mode: 'approve-changes' });
    desk = new Desk(app);
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('talks to the requester, waits for an agent before the resync, and ignores approvals from anyone else', async () => {
    const platform = app.platform as LocalPlatform;
    const { serial, device } = tokenOf('alice');
    const id = await desk.open({ email: 'alice.archer@example.com', name: 'Alice Archer' });
    await desk.until(id, 'the ask for codes', (s) => s.status === 'awaiting_codes');
    expect(await desk.bot(id, 'public')).toHaveLength(1);
    await desk.write(id, 'requester', `${device.nextCode()} ${device.nextCode()}`);
    const waiting = await desk.until(id, 'the approval asked', (s) => s.proposal?.steps.includes('resync') === true);
    expect((await desk.bot(id, 'public')).at(-1)).toMatch(/A colleague is confirming the change to your account/);
    expect((await desk.bot(id, 'note')).at(-1)).toMatch(/Approval needed for an account change/);

    await desk.tag(id, 'requester', [POLICY.approveChangeTag]);
    await desk.write(id, 'agent', '#apply', false);
    await desk.write(id, 'requester', '#approve-change');
    await desk.until(id, 'the requester’s reply held back', (s) => (s.held?.length ?? 0) === 1);
    expect((await desk.state(id))?.proposal?.id).toBe(waiting.proposal?.id);
    expect(await platform.changeLog(serial)).toEqual([]);

    await desk.write(id, 'agent', '#approve-change checked with Alice by phone', false);
    await desk.until(id, 'the resync made and the retest asked', (s) => s.status === 'awaiting_retest' && s.held === undefined);
    expect(await platform.changeLog(serial)).toHaveLength(1);
    await desk.write(id, 'requester', 'works now');
    const end = await desk.until(id, 'resolved', (s) => s.status === 'resolved');
    expect(end.proposals?.map((p) => p.outcome)).toEqual(['applied']);
  });
});

describe('shadow and approve-changes modes against a fake Zendesk (its request log)', () => {
  let redis: Redis;
  const stops: Array<() => Promise<void>> = [];

  async function zendesk(mode: 'shadow' | 'approve-changes'): Promise<{ fake: FakeZendesk; app: App; agentId: number; prefix: string }> {
    const prefix = freshPrefix(`e2e-zd-${mode}`);
    const port = await freePort();
    const secret = 'zendesk-modes-webhook-signing-secret';
    const fake = await startFakeZendesk({ apiToken: 'zd-modes-token', agentEmail: 'twofa-bot@acme.example', webhookSecret: secret, webhookUrl: `http://127.0.0.1:${port}/webhooks/zendesk` });
    const groupId = fake.addGroup('Service Desk L2').id;
    const agentId = fake.addUser({ name: 'Dana Agent', email: 'dana@acme.example', role: 'agent' }).id;
    const source = zendeskAppEnv({ redisUrl: testRedisUrl(), prefix, port, zendeskUrl: fake.url, credentials: { email: 'twofa-bot@acme.example', apiToken: 'zd-modes-token', webhookSecret: secret }, escalationGroupId: groupId, pollIntervalS: 2 });
    const app = await createApp(loadConfig({ ...source, TWOFA_MODE: mode }, { policy: POLICY }), { log: capturedLogger('warn').log, source });
    await app.start();
    stops.push(async () => {
      await app.stop();
      await fake.close();
      await deletePrefix(redis, prefix);
    });
    return { fake, app, agentId, prefix };
  }

  /** The bot's writes that a requester would see: a public comment, or a status. */
  function visibleWrites(fake: FakeZendesk): unknown[] {
    return fake.requests
      .filter((r) => (r.method === 'PUT' || r.method === 'POST') && r.path.startsWith('/api/v2/tickets'))
      .map((r) => (r.body as { ticket?: { comment?: { public?: boolean }; status?: string } } | undefined)?.ticket)
      .filter((t) => t?.comment?.public === true || t?.status !== undefined);
  }

  const stateOf = (app: App, id: number) => app.store.getState(ticketKey('zendesk', String(id))).then((r) => r.state);
  const until = (app: App, id: number, what: string, ok: (s: WorkflowState) => boolean) =>
    waitFor(what, async () => {
      const s = await stateOf(app, id);
      return s && ok(s) && (await app.store.pendingEffects(ticketKey('zendesk', String(id)))).length === 0 ? s : undefined;
    });

  beforeAll(() => {
    redis = newRedis();
  });

  afterAll(async () => {
    for (const stop of stops) await stop();
    redis.disconnect();
  });

  it('shadow: no public comment, no status and no platform write until an agent applies; the requester cannot apply', async () => {
    const { fake, app, agentId, prefix } = await zendesk('shadow');
    const platform = app.platform as LocalPlatform;
    const alice = await fake.createTicket({ subject: '2FA code not working', description: 'My 2FA code does not work.', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] });
    const carol = await fake.createTicket({ subject: '2FA code not working', description: 'My 2FA code does not work.', requester: { email: 'carol.clark@example.com', name: 'Carol Clark' }, tags: ['2fa_issue'] });
    const bob = await fake.createTicket({ subject: '2FA token out of sync', description: 'My KT-4 token does not work.', requester: { email: 'bob.baker@example.com', name: 'Bob Baker' }, tags: ['2fa_issue'] });
    await until(app, alice.id, 'a proposal', (s) => s.proposal !== undefined);
    await until(app, carol.id, 'a proposal', (s) => s.proposal !== undefined);
    expect((await until(app, bob.id, 'a proposal', (s) => s.proposal !== undefined)).proposal?.steps).toEqual(['challenge']);
    expect(visibleWrites(fake)).toEqual([]);
    expect(await untouchedAccounts(redis, prefix)).toEqual(UNTOUCHED);
    expect((fake.comments.get(alice.id) ?? []).filter((c) => c.author_id === fake.botId).map((c) => c.public)).toEqual([false]);

    const requesterId = alice.requester_id;
    await fake.changeTicket(alice.id, { actorId: requesterId, addTags: [POLICY.applyTag] });
    await fake.addComment(alice.id, { authorId: requesterId, body: '#apply' });
    await until(app, alice.id, 'the requester’s reply held back', (s) => (s.held?.length ?? 0) === 1);
    expect(visibleWrites(fake)).toEqual([]);

    await fake.changeTicket(alice.id, { actorId: agentId, addTags: [POLICY.applyTag] });
    await until(app, alice.id, 'the ask for codes applied', (s) => s.proposals?.[0]?.outcome === 'applied');
    await fake.settle();
    const shown = visibleWrites(fake);
    expect(shown).toHaveLength(1);
    expect(JSON.stringify(shown[0])).toContain('Hello Alice');
    expect(fake.tickets.get(alice.id)?.tags).not.toContain(POLICY.applyTag);
    for (const serial of [tokenOf('alice').serial, tokenOf('carol').serial, tokenOf('bob').serial]) expect(await platform.changeLog(serial)).toEqual([]);
    expect(await untouchedAccounts(redis, prefix)).toEqual(UNTOUCHED);
  });

  it('approve-changes: the resync waits for an agent’s #approve-change note; the requester’s tag does nothing', async () => {
    const { fake, app, agentId } = await zendesk('approve-changes');
    const platform = app.platform as LocalPlatform;
    const { serial, device } = tokenOf('alice');
    const t = await fake.createTicket({ subject: '2FA code not working', description: 'My 2FA code does not work.', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] });
    await until(app, t.id, 'the ask for codes', (s) => s.status === 'awaiting_codes');
    await fake.addComment(t.id, { authorId: t.requester_id, body: `${device.nextCode()} ${device.nextCode()}` });
    await until(app, t.id, 'the approval asked', (s) => s.proposal !== undefined);
    await fake.changeTicket(t.id, { actorId: t.requester_id, addTags: [POLICY.approveChangeTag] });
    await fake.settle();
    const seen = await until(app, t.id, 'the requester’s tag applied', (s) => s.appliedEventIds.some((e) => e.includes(':tags:')));
    expect(seen.proposal?.steps).toEqual(['resync']);
    expect(await platform.changeLog(serial)).toEqual([]);
    const publicBodies = (fake.comments.get(t.id) ?? []).filter((c) => c.author_id === fake.botId && c.public).map((c) => c.body);
    expect(publicBodies.at(-1)).toMatch(/A colleague is confirming the change/);

    await fake.addComment(t.id, { authorId: agentId, body: '#approve-change', public: false });
    await until(app, t.id, 'the retest asked', (s) => s.status === 'awaiting_retest');
    expect(await platform.changeLog(serial)).toHaveLength(1);
  });
});
