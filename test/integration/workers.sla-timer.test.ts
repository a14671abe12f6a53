import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../workers/app.js';
import { loadConfig } from '../../workers/config.js';
import { SlaStore } from '../../workers/sla/store.js';
import { BadTimerJob, timerEvent } from '../../workers/timer-handler.js';
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
