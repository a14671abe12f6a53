import { describe, expect, it } from 'vitest';
import axios from 'axios';
import type { App } from '../../workers/app.js';
import type { Queues } from '../../workers/store/queues.js';
import { intakeOnlyPerSuite } from '../support/intake-only.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { startWorkerProcess } from '../support/worker-process.js';
import { waitFor } from '../support/wait-for.js';

describe('work a crash left behind', () => {
  const { sys } = intakeOnlyPerSuite('rec');

  it('finds effects saved with a state change whose jobs were never queued, and events whose drain job was lost', async () => {
    const { intake } = sys();
    const { id, tk } = await sys().newTaggedTicket();

    // A worker applies the first event and dies before it queues the effects it saved.
    const crashing = sys().processor({
      queues: { addEffects: async () => undefined } as unknown as Queues,
    });
    await crashing.drain(tk);
    expect((await intake.store.getState(tk)).state?.status).toBe('locating_user');
    // locateUser in the outbox; the two SLA timers of the ticket's start were set by the commit itself
    expect(await intake.store.pendingEffects(tk)).toHaveLength(1);
    expect(await intake.redis.zcard(intake.store.keys.timers)).toBe(2);
    // ...and every drain asked for so far is lost too (a request taken by a worker that died, a lost drain job).
    await intake.queues.events.obliterate({ force: true });
    await intake.store.append(tk, [{ type: 'tagsChanged', id: 'lost-drain', at: Date.now(), tags: ['2fa_issue', 'vip'], added: ['vip'], removed: [], byRole: 'agent' }]);
    await intake.queues.events.obliterate({ force: true });
    await intake.redis.del(intake.store.keys.drainRequests);

    const workers = await sys().startWorkers();
    await workers.sweeper.sweep(Date.now() + 60_000);

    const state = await waitFor('the ticket to wait for codes', async () => {
      const s = (await workers.store.getState(tk)).state;
      return s?.status === 'awaiting_codes' && (await workers.store.pendingEffects(tk)).length === 0 ? s : undefined;
    });
    expect(state.appliedEventIds).toContain('lost-drain');
    await expectOnePublicReply(intake, id);
  });
});

describe('an effect run in the drain (EFFECTS_INLINE) whose worker died', () => {
  const { sys } = intakeOnlyPerSuite('recinl');

  it('is left to its worker for the lease, then queued as a job by the sweeper', async () => {
    const { intake } = sys();
    const { id, tk } = await sys().newTaggedTicket();

    // The drain commits the effects leased to itself for 60 s, and its worker dies before running them.
    const started: string[] = [];
    const dying = sys().processor({
      inline: {
        leaseMs: 60_000,
        run: async (_tk, effect) => {
          started.push(effect.type);
          throw new Error('worker killed');
        },
      },
    });
    await expect(dying.drain(tk)).rejects.toThrow('worker killed');
    // the timers are the commit's: only the effect to run is leased
    expect(started).toEqual(['locateUser']);
    expect(await intake.store.pendingEffects(tk)).toHaveLength(1);
    expect(await intake.queues.effects.count()).toBe(0);

    const workers = await sys().startWorkers();
    // Within the lease (well past the sweeper's 5 s grace) it is an effect in flight; after it, one left behind.
    expect((await workers.sweeper.sweep(Date.now() + 30_000)).effects).toBe(0);
    expect(await intake.store.pendingEffects(tk)).toHaveLength(1);
    expect((await workers.sweeper.sweep(Date.now() + 66_000)).effects).toBe(1);

    await waitFor('the ticket to wait for codes', async () => {
      const s = (await workers.store.getState(tk)).state;
      return s?.status === 'awaiting_codes' && (await workers.store.pendingEffects(tk)).length === 0 ? s : undefined;
    });
    await expectOnePublicReply(intake, id);
  });
});

async function expectOnePublicReply(intake: App, ticketId: string): Promise<void> {
  const ticket = await axios.get<{ comments: Array<{ authorRole: string; public: boolean }> }>(`${intake.url}/desk/api/tickets/${ticketId}`);
  expect(ticket.data.comments.filter((c) => c.authorRole === 'bot' && c.public)).toHaveLength(1);
}

describe('a worker process', () => {
  it('exits 0 on SIGTERM after finishing its jobs', async () => {
    const prefix = freshPrefix('term');
    const w = startWorkerProcess({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, ROLES: 'workers', LOG_LEVEL: 'info' });
    await w.ready;
    expect(await w.kill('SIGTERM')).toBe(0);
    expect(w.output.join('')).toContain('shutting down');
    const redis = newRedis();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('refuses to start on a bad value, naming the variable', async () => {
    const w = startWorkerProcess({ REDIS_URL: testRedisUrl(), PORT: 'eighty' });
    await expect(w.ready).rejects.toThrow(/PORT/);
    expect(w.child.exitCode).toBe(2);
  });
});
