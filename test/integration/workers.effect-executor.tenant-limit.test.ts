import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { EffectExecutor } from '../../workers/effects/effect-executor.js';
import { Keys } from '../../workers/store/keys.js';
import { tenantPolicy } from '../../workers/tenants/tenant-policy.js';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import type { TwoFactorPlatform } from '../../integrations/twofa/platform.js';
import { parsePolicy, type Policy } from '../../workflows/resync/policy.js';
import { codesReply, Desk, otpDesk } from '../unit/workflow.harness.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

/*
 * A tenant's maxResyncsPerUserPerDay is the limit its tickets' resyncs are held to, not the worker's global one: the
 * workflow puts the tenant's policy's limit on each resync, and the executor counts against it in Redis.
 */
describe('the daily resync limit of a tenant’s policy', () => {
  const prefix = freshPrefix('fx-tenant-limit');
  const GLOBAL_LIMIT = 3;
  let redis: Redis;
  let executor: EffectExecutor;
  let resyncs = 0;

  const platform = {
    name: 'local',
    capabilities: { resyncByAuthentication: false },
    resyncOtp: async () => {
      resyncs += 1;
      return { ok: true };
    },
  } as unknown as TwoFactorPlatform;
  const ticketing = { getComment: async (_t: string, id: string) => ({ id, body: codesReply() }) } as unknown as TicketSystem;

  beforeAll(() => {
    redis = newRedis();
    executor = new EffectExecutor({
      platform,
      ticketing: new Map([['local', ticketing]]),
      timers: { setTimer: async () => undefined },
      resyncLimit: { redis, keys: new Keys(prefix), perUserPerDay: GLOBAL_LIMIT },
    });
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  /** One ticket of the same platform user up to its resync, which the executor runs and the workflow takes. */
  async function resyncOn(ticket: string, policy: Policy): Promise<Desk> {
    const desk = otpDesk(new Desk(policy)).advance(60_000);
    desk.reply(codesReply());
    const effect = desk.effect('resyncOtp');
    const event = await executor.run(effect, { tk: `local:${ticket}`, key: `local:${ticket}|${effect.id}`, retryAfterUnknownOutcome: false });
    if (!event) throw new Error('the resync gave no event');
    desk.apply(event);
    return desk;
  }

  it('a tenant with limit 1 escalates the second resync of the same user the same day, while the global limit is 3', async () => {
    const { policy } = tenantPolicy(parsePolicy({ maxResyncsPerUserPerDay: GLOBAL_LIMIT }), { maxResyncsPerUserPerDay: 1 });
    if (!policy) throw new Error('the tenant policy was refused');
    expect((await resyncOn('acme-1', policy)).s.status).toBe('awaiting_retest');
    const second = await resyncOn('acme-2', policy);
    expect(resyncs).toBe(1);
    expect(second.s.status).toBe('escalated');
    expect(second.s.escalation?.reason).toBe('resync_limit');
    expect(second.update().internalNote).toContain('already had 1 successful resyncs today');
  });

  it('a resync without a limit of its own (sent before effects carried one) is held to the global limit', async () => {
    const desk = otpDesk(new Desk(parsePolicy())).advance(60_000);
    desk.reply(codesReply());
    const { maxResyncsPerUserPerDay: _limit, ...older } = desk.effect('resyncOtp');
    const run = (ticket: string) => executor.run({ ...older, userId: 'u-other' }, { tk: `local:${ticket}`, key: `local:${ticket}|${older.id}`, retryAfterUnknownOutcome: false });
    for (const ticket of ['old-1', 'old-2', 'old-3']) expect(await run(ticket)).toMatchObject({ type: 'resyncSucceeded' });
    expect(await run('old-4')).toMatchObject({ type: 'resyncRejected', reason: 'resync_limit' });
  });
});
