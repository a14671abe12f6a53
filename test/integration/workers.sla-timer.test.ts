import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../workers/app.js';
import { loadConfig } from '../../workers/config.js';
import { SlaStore } from '../../workers/observe/sla/store.js';
import { BadTimerJob, timerEvent } from '../../workers/store/timer-set.js';
import { TimerPoller } from '../../workers/intake/timer-poller.js';
import { WorkflowStore } from '../../workers/store/workflow-store.js';
import { parsePolicy } from '../../workflows/resync/policy.js';
import { capturedLogger } from '../support/log-capture.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';

describe('timer jobs become events', () => {
  it('maps each timer kind to its event, the SLA target read from the timer id', () => {
    expect(timerEvent({ tk: 'local:1', timerId: '1.4.reminder', kind: 'reminder' }, 5)).toEqual({ type: 'reminderDue', id: 'timer:local:1:1.4.reminder', at: 5, timerId: '1.4.reminder' });
    expect(timerEvent({ tk: 'local:1', timerId: '1.9.timeout', kind: 'timeout' }, 5)).toMatchObject({ type: 'timeoutDue' });
    expect(timerEvent({ tk: 'local:1', timerId: '1.sla.resolution', kind: 'sla_risk' }, 5)).toEqual({ type: 'slaRiskDue', id: 'timer:local:1:1.sla.resolution', at: 5, timerId: '1.sla.resolution', target: 'resolution' });
    expect(() => timerEvent({ tk: 'local:1', timerId: '1.sla.lunch', kind: 'sla_risk' }, 5)).toThrow(BadTimerJob);
  });
});

describe('an SLA timer through the real queues', () => {
  const redis = newRedis();
  const prefix = freshPrefix('slat');
  let app: App;

  beforeAll(async () => {
    // A margin as long as the target makes the first-reply timer due at once: no test waits on a clock.
    const policy = parsePolicy({ firstReplyTargetMs: 60_000, slaWarnBeforeMs: 60_000, identityRule: 'approval' });
    const config = loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', SWEEP_INTERVAL_S: '1', EFFECT_BACKOFF_MS: '100' }, { policy });
    app = await createApp(config, { log: capturedLogger('warn').log });
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('escalates a ticket that got no first reply with reason sla_risk, and records it', async () => {
    // Found by last name with another email: the bot waits for an agent's approval and posts nothing public.
    const res = await fetch(`${app.url}/desk/api/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'token', description: 'codes fail', requester: { email: 'a.archer@elsewhere.example', name: 'Alice Archer' }, tags: ['2fa_issue'] }),
    });
    const id = String(((await res.json()) as { id: string | number }).id);
    const tk = `local:${id}`;
    const deadline = Date.now() + 30_000;
    let status: string | undefined;
    while (Date.now() < deadline) {
      status = (await app.store.getState(tk)).state?.status;
      if (status === 'escalated') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { state } = await app.store.getState(tk);
    expect(state?.escalation).toMatchObject({ reason: 'sla_risk', detail: expect.stringContaining('the first-reply target (1 min') });
    // The note is the escalation's ticket update, an effect that runs after the commit: look until it is there.
    let noted = false;
    while (!noted && Date.now() < deadline + 10_000) {
      const ticket = (await (await fetch(`${app.url}/desk/api/tickets/${id}`)).json()) as { comments: Array<{ public: boolean; body: string }> };
      noted = ticket.comments.some((c) => !c.public && c.body.includes('an SLA target is about to be breached (sla_risk)'));
      if (!noted) await new Promise((r) => setTimeout(r, 100));
    }
    expect(noted).toBe(true);
    // The record is saved just after the commit: look until it is there.
    const sla = new SlaStore(app.redis, prefix);
    let record;
    while (!record && Date.now() < deadline + 10_000) {
      record = (await sla.range(0, Date.now() + 1000)).find((r) => r.ticketId === id);
      if (!record) await new Promise((r) => setTimeout(r, 100));
    }
    expect(record).toMatchObject({ outcome: 'escalated', escalationReason: 'sla_risk', firstReplyTargetMs: 60_000 });
  });
});

describe('the timers set and its poller, on real Redis', () => {
  const redis = newRedis();
  const prefix = freshPrefix('tset');
  const store = new WorkflowStore(redis, prefix);
  const { log } = capturedLogger('warn');
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('fires a due timer once as its event in the inbox and wakes the drain; one not yet due waits', async () => {
    const woken: string[] = [];
    let now = 10_000;
    const poller = new TimerPoller({ store, wake: async (tk) => void woken.push(tk), log, now: () => now });
    await store.setTimer('local:1', { type: 'setTimer', id: '1.3.1', timerId: '1.3.reminder', kind: 'reminder', dueAt: 9_000 });
    await store.setTimer('local:2', { type: 'setTimer', id: '1.3.1', timerId: '1.3.reminder', kind: 'reminder', dueAt: 20_000 });
    expect(await poller.fireDue()).toEqual({ fired: 1, nextDueAt: 20_000 });
    expect(woken).toEqual(['local:1']);
    const inbox = (await redis.lrange(store.keys.inbox('local:1'), 0, -1)).map((e) => JSON.parse(e) as unknown);
    expect(inbox).toEqual([{ type: 'reminderDue', id: 'timer:local:1:1.3.reminder', at: 10_000, timerId: '1.3.reminder' }]);
    expect(await store.timerDueAt('local:1', { timerId: '1.3.reminder', kind: 'reminder' })).toBeUndefined();
    // set again (a retry of the commit that set it): the event is not appended twice
    await store.setTimer('local:1', { type: 'setTimer', id: '1.3.1', timerId: '1.3.reminder', kind: 'reminder', dueAt: 9_000 });
    await poller.fireDue();
    expect(await redis.llen(store.keys.inbox('local:1'))).toBe(1);
    now = 20_000;
    expect((await poller.fireDue()).fired).toBe(1);
    expect(woken).toEqual(['local:1', 'local:1', 'local:2']);
  });

  it('fires again, after its lease, a timer taken by a process that died before its event was in the inbox', async () => {
    await store.setTimer('local:3', { type: 'setTimer', id: '1.1.2', timerId: '1.sla.resolution', kind: 'sla_risk', dueAt: 1_000 });
    const taken = await store.takeDueTimers(2_000, 10, 60_000);
    expect(taken.members).toHaveLength(1);
    // ...and the taker dies here
    const woken: string[] = [];
    const poller = (at: number) => new TimerPoller({ store, wake: async (tk) => void woken.push(tk), log, now: () => at });
    expect((await poller(30_000).fireDue()).fired).toBe(0);
    expect((await poller(62_000).fireDue()).fired).toBe(1);
    expect(woken).toEqual(['local:3']);
    const [event] = (await redis.lrange(store.keys.inbox('local:3'), 0, -1)).map((e) => JSON.parse(e) as unknown);
    expect(event).toEqual({ type: 'slaRiskDue', id: 'timer:local:3:1.sla.resolution', at: 62_000, timerId: '1.sla.resolution', target: 'resolution' });
  });

  it('drops a member it cannot read, saying so, and goes on', async () => {
    const { log: quiet, lines } = capturedLogger('error');
    await redis.zadd(store.keys.timers, 5, '{"type":"lunchDue"}');
    await store.setTimer('local:4', { type: 'setTimer', id: '1.3.1', timerId: '1.3.timeout', kind: 'timeout', dueAt: 5 });
    const poller = new TimerPoller({ store, wake: async () => undefined, log: quiet, now: () => 100 });
    expect((await poller.fireDue()).fired).toBe(1);
    expect(await redis.zcard(store.keys.timers)).toBe(0);
    expect(lines.join('\n')).toContain('unreadable timer dropped');
  });
});
