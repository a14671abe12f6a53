import axios, { type AxiosInstance } from 'axios';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../workers/app.js';
import { run as replayDead } from '../../workers/cli/replay-dead.js';
import { run as ticket } from '../../workers/cli/ticket.js';
import { UsageError, type CliContext } from '../../workers/cli/command.js';
import { loadConfig } from '../../workers/config.js';
import { ticketKey } from '../../workers/store/keys.js';
import { timerMember } from '../../workers/store/timer-set.js';
import { bullPrefix, effectJobId, QUEUE } from '../../workers/store/queues.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { writeGeneratedSeed, type GeneratedUser } from '../support/generated-seed.js';
import { capturedLogger } from '../support/log-capture.js';
import { freshPrefix, newRedis, testRedisUrl, testResources } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

/** Runs a command the way `twofa-desk` does, with its output kept. */
async function cli(command: (ctx: CliContext) => Promise<number>, prefix: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await command({ args, env: { REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix }, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const resources = testResources();
const { redis, prefixes, apps } = resources;
afterAll(() => resources.cleanup());

async function openTicket(desk: AxiosInstance, user: GeneratedUser): Promise<string> {
  const { data } = await desk.post<{ id: string }>('/api/tickets', { subject: 'code rejected', description: 'help', requester: { email: user.email, name: user.name }, tags: ['2fa_issue'] });
  return String(data.id);
}

describe('twofa-desk ticket, against running workers', () => {
  const prefix = freshPrefix('cli');
  prefixes.push(prefix);
  let app: App;
  let desk: AxiosInstance;
  let users: GeneratedUser[];

  const settled = (id: string, status: string) =>
    waitFor(`ticket ${id} to be ${status}`, async () => {
      const tk = ticketKey('local', id);
      const { state } = await app.store.getState(tk);
      return state?.status === status && (await app.store.pendingEffects(tk)).length === 0 ? state : undefined;
    });

  beforeAll(async () => {
    const seed = await writeGeneratedSeed(2);
    users = seed.users;
    const { log } = capturedLogger('warn');
    app = await createApp(loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', TWOFA_LOCAL_SEED: seed.path }), { log });
    apps.push(app);
    await app.start();
    desk = axios.create({ baseURL: `${app.url}/desk`, timeout: 10_000 });
  });

  describe('ticket show', () => {
    it('prints the state, the state changes, the activity, pending effects and timers, as JSON', async () => {
      const id = await openTicket(desk, users[0] as GeneratedUser);
      await settled(id, 'awaiting_codes');
      const { code, out } = await cli(ticket, prefix, ['show', 'local', id, '--json']);
      expect(code).toBe(0);
      const shown = JSON.parse(out) as {
        tk: string;
        status: string;
        history: Array<{ to: string }>;
        activity: Array<{ kind: string; event?: string; effect?: string; outcome?: string }>;
        pendingEffects: unknown[];
        timers: Array<{ kind: string; status: string }>;
        inbox: number;
      };
      expect(shown).toMatchObject({ tk: ticketKey('local', id), status: 'awaiting_codes', pendingEffects: [], inbox: 0 });
      expect(shown.history.map((h) => h.to)).toEqual(['locating_user', 'checking_group', 'inspecting_tokens', 'awaiting_codes']);
      expect(shown.activity[0]).toMatchObject({ kind: 'event', event: 'ticketTagged' });
      expect(shown.activity.filter((a) => a.kind === 'effect' && a.outcome === 'ok').map((a) => a.effect)).toEqual(
        expect.arrayContaining(['locateUser', 'readGroups', 'readTokens', 'updateTicket']),
      );
      expect(shown.timers).toEqual([expect.objectContaining({ kind: 'reminder', status: 'scheduled' })]);
    });

    it('prints readable tables without --json', async () => {
      const id = await openTicket(desk, users[1] as GeneratedUser);
      await settled(id, 'awaiting_codes');
      const { code, out } = await cli(ticket, prefix, ['show', 'local', id]);
      expect(code).toBe(0);
      expect(out).toContain('awaiting_codes');
      expect(out).toMatch(/state changes \(4\)/);
      expect(out).toContain('effect locateUser');
      expect(out).toMatch(/timers \(1\)/);
    });

    it('sets a waiting ticket\'s timer again when it is missing from the timers set (ticket retry)', async () => {
      const id = await openTicket(desk, users[1] as GeneratedUser);
      const state = await settled(id, 'awaiting_codes');
      const tk = ticketKey('local', id);
      const timer = { timerId: state.timer?.id ?? '', kind: 'reminder' as const };
      expect(await app.store.timerDueAt(tk, timer)).toBe(state.timer?.dueAt);
      await app.redis.zrem(app.store.keys.timers, timerMember(tk, timer));
      const shown = await cli(ticket, prefix, ['show', 'local', id, '--json']);
      expect((JSON.parse(shown.out) as { timers: Array<{ status: string }> }).timers).toEqual([expect.objectContaining({ status: 'missing' })]);
      const { code, out } = await cli(ticket, prefix, ['retry', 'local', id, '--json']);
      expect(code).toBe(0);
      expect((JSON.parse(out) as { actions: unknown[] }).actions).toEqual([{ what: 'timer', key: timer.timerId, action: 'set again (was missing)' }]);
      expect(await app.store.timerDueAt(tk, timer)).toBe(state.timer?.dueAt);
    });

    it('says so, exit 1, for a ticket the bot never saw', async () => {
      const { code, err } = await cli(ticket, prefix, ['show', 'local', 'no-such-ticket']);
      expect(code).toBe(1);
      expect(err).toContain('no workflow for local:no-such-ticket');
    });
  });

  describe('ticket escalate and handoff', () => {
    it('escalate: the workflow escalates the ticket with the operator reason in the agents note', async () => {
      const id = await openTicket(desk, users[0] as GeneratedUser);
      await settled(id, 'awaiting_codes');
      const { code, out } = await cli(ticket, prefix, ['escalate', 'local', id, '--reason', 'VIP: the CFO called the hotline']);
      expect(code).toBe(0);
      expect(out).toContain('escalate queued');
      const state: WorkflowState = await settled(id, 'escalated');
      expect(state.escalation).toEqual({ reason: 'operator_request', detail: 'VIP: the CFO called the hotline' });
      const { data } = await desk.get<{ comments: Array<{ authorRole: string; public: boolean; body: string }> }>(`/api/tickets/${id}`);
      expect(data.comments.some((c) => c.authorRole === 'bot' && !c.public && c.body.includes('VIP: the CFO called the hotline'))).toBe(true);
    });

    it('handoff: the bot goes silent on the ticket', async () => {
      const id = await openTicket(desk, users[1] as GeneratedUser);
      await settled(id, 'awaiting_codes');
      expect((await cli(ticket, prefix, ['handoff', 'local', id, '--json'])).code).toBe(0);
      await settled(id, 'handed_off');
    });

    it('refuses to act on a ticket that has ended (exit 1), and escalate without --reason (usage)', async () => {
      const id = await openTicket(desk, users[1] as GeneratedUser);
      await settled(id, 'awaiting_codes');
      await expect(cli(ticket, prefix, ['escalate', 'local', id])).rejects.toThrow(UsageError);
      await expect(cli(ticket, prefix, ['explode', 'local', id])).rejects.toThrow(UsageError);
      await cli(ticket, prefix, ['handoff', 'local', id]);
      await settled(id, 'handed_off');
      const again = await cli(ticket, prefix, ['escalate', 'local', id, '--reason', 'too late']);
      expect(again.code).toBe(1);
      expect(again.err).toContain('handed_off already');
    });
  });
});

describe('twofa-desk ticket retry, with no worker running', () => {
  it('queues again an effect whose job was lost, and a drain for events waiting in the inbox', async () => {
    const prefix = freshPrefix('cliretry');
    prefixes.push(prefix);
    const { log } = capturedLogger('warn');
    // effects as jobs (EFFECTS_INLINE=false): the drain below only queues them, and the test loses those jobs
    const app = await createApp(loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', ROLES: 'intake', EFFECTS_INLINE: 'false' }), { log });
    apps.push(app);
    await app.start();
    const desk = axios.create({ baseURL: `${app.url}/desk`, timeout: 10_000 });
    const { data } = await desk.post<{ id: string }>('/api/tickets', { subject: 'code rejected', description: 'help', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] });
    const tk = ticketKey('local', String(data.id));
    await waitFor('the webhook', async () => ((await redis.llen(`${prefix}:inbox:${tk}`)) > 0 ? true : undefined));
    // Apply the first event here (no worker runs), then lose the effect job it queued and every drain job.
    await app.processor.drain(tk);
    // locate the user (the SLA timers are set by the commit, not effects)
    const pendings = await app.store.pendingEffects(tk);
    expect(pendings).toHaveLength(1);
    const pending = pendings[0];
    await app.store.append(tk, [{ type: 'tagsChanged', id: 'tags-1', at: Date.now(), tags: ['2fa_issue', 'vip'], added: ['vip'], removed: [], byRole: 'agent' }]);
    await app.queues.effects.obliterate({ force: true });
    await app.queues.events.obliterate({ force: true });

    const { code, out } = await cli(ticket, prefix, ['retry', 'local', String(data.id), '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(out) as { actions: Array<{ what: string; key: string; action: string }> };
    expect(result.actions).toEqual([
      ...pendings.map((key) => ({ what: 'effect', key, action: 'queued again (job was missing)' })),
      { what: 'inbox', key: tk, action: 'drain queued (1 events waiting)' },
    ]);
    expect(await (await app.queues.effects.getJob(effectJobId(pending as string)))?.getState()).toBe('waiting');
    expect(await app.queues.events.getWaitingCount()).toBe(1);
  });
});

describe('twofa-desk replay-dead', () => {
  it('puts failed jobs back into their queue, for one queue or all', async () => {
    const prefix = freshPrefix('clidead');
    prefixes.push(prefix);
    const connection = newRedis();
    const opts = { connection, prefix: bullPrefix(prefix) };
    const timers = new Queue(QUEUE.timers, opts);
    const effects = new Queue(QUEUE.effects, opts);
    await timers.add('reminder', { tk: 'local:1', timerId: '1.3.reminder', kind: 'reminder' }, { attempts: 1 });
    await timers.add('reminder', { tk: 'local:2', timerId: '1.3.reminder', kind: 'reminder' }, { attempts: 1 });
    await effects.add('readGroups', { key: 'local:3|1.2.0', tk: 'local:3' }, { attempts: 1 });
    // Workers that fail every job once, then stop.
    for (const q of [QUEUE.timers, QUEUE.effects]) {
      const w = new Worker(q, async () => { throw new UnrecoverableError('injected'); }, { ...opts, connection: newRedis() });
      await waitFor(`failed ${q} jobs`, async () => ((await (q === QUEUE.timers ? timers : effects).getFailedCount()) === (q === QUEUE.timers ? 2 : 1) ? true : undefined));
      await w.close();
      (w.opts.connection as Redis).disconnect();
    }

    const one = await cli(replayDead, prefix, ['--queue', 'timers', '--limit', '1', '--json']);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.out)).toEqual({ queues: [{ queue: 'timers', replayed: 1, stillFailed: 1 }], unreadableEvents: 0 });

    const all = await cli(replayDead, prefix, []);
    expect(all.code).toBe(0);
    expect(all.out).toMatch(/timers\s*│\s*1\s*│\s*0/);
    expect(all.out).toMatch(/effects\s*│\s*1\s*│\s*0/);
    expect(await timers.getWaitingCount()).toBe(2);
    expect(await effects.getWaitingCount()).toBe(1);

    await expect(cli(replayDead, prefix, ['--queue', 'maintenance'])).rejects.toThrow(UsageError);
    await expect(cli(replayDead, prefix, ['--limit', '0'])).rejects.toThrow(UsageError);
    await timers.close();
    await effects.close();
    connection.disconnect();
  });
});
