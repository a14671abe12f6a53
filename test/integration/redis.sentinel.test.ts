import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AxiosInstance } from 'axios';
import type { App } from '../../workers/app.js';
import { connect, RedisUnreachable } from '../../workers/cli/connect.js';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { loadConfig } from '../../workers/config.js';
import { ticketKey } from '../../workers/store/keys.js';
import { freePort } from '../../workers/redis/private-redis.js';
import { ALL_AS_JOBS, startAppOn } from '../support/app-on.js';
import { writeGeneratedSeed, type GeneratedUser } from '../support/generated-seed.js';
import { capturedLogger } from '../support/log-capture.js';
import { startSentinelGroup, type SentinelGroup } from '../support/redis-servers.js';
import { HAPPY_PATH, playTicket, visitedStates } from '../support/system.js';

const PASSWORD = `data-${randomBytes(6).toString('hex')}`;
const SENTINEL_PASSWORD = `sentinel-${randomBytes(6).toString('hex')}`;

describe('Redis Sentinel: a master, a replica and three sentinels on loopback', () => {
  let group: SentinelGroup;
  let deadSentinel: string;
  const env = (sentinels = group.sentinels) => ({
    REDIS_SENTINELS: sentinels.join(','),
    REDIS_SENTINEL_NAME: group.name,
    REDIS_SENTINEL_PASSWORD: SENTINEL_PASSWORD,
    REDIS_PASSWORD: PASSWORD,
  });

  beforeAll(async () => {
    deadSentinel = `127.0.0.1:${await freePort()}`;
    group = await startSentinelGroup({ password: PASSWORD, sentinelPassword: SENTINEL_PASSWORD });
  }, 40_000);

  afterAll(async () => {
    await group?.stop();
  });

  describe('configuration', () => {
    it('needs the master group name with the sentinels, and the sentinels with any REDIS_SENTINEL_* variable', () => {
      expect(() => loadConfig({ REDIS_SENTINELS: '127.0.0.1:26379' })).toThrow(ConfigError);
      expect(() => loadConfig({ REDIS_SENTINELS: '127.0.0.1:26379' })).toThrow(/^REDIS_SENTINEL_NAME: required/);
      expect(() => loadConfig({ REDIS_SENTINEL_PASSWORD: 'x' })).toThrow(/^REDIS_SENTINEL_PASSWORD: only used with REDIS_SENTINELS/);
      expect(() => loadConfig({ REDIS_SENTINELS: '127.0.0.1:26379,sentinel-b' , REDIS_SENTINEL_NAME: 'm' })).toThrow(/^REDIS_SENTINELS: must be host:port/);
    });
  });

  describe('an operator command (fails fast)', () => {
    it('reaches the master through the sentinels by name, with both passwords, past a sentinel that is down', async () => {
      const conn = await connect({ ...env([deadSentinel, ...group.sentinels]), REDIS_PREFIX: 'probe' });
      try {
        const role = (await conn.redis.call('ROLE')) as unknown[];
        expect(role[0]).toBe('master');
        expect(group.dataPorts[0]).toBe(await group.masterPort());
      } finally {
        await conn.close();
      }
    });

    it('gives up with RedisUnreachable when the sentinels refuse the password', async () => {
      const started = Date.now();
      await expect(connect({ ...env(), REDIS_SENTINEL_PASSWORD: 'not-the-password' })).rejects.toThrow(RedisUnreachable);
      expect(Date.now() - started).toBeLessThan(10_000);
    }, 15_000);

    it('gives up with RedisUnreachable when the master refuses the password', async () => {
      await expect(connect({ ...env(), REDIS_PASSWORD: 'not-the-password' })).rejects.toThrow(/WRONGPASS/);
    }, 15_000);
  });

  describe('the app through Sentinel, drains and effects as BullMQ jobs', () => {
    const { log, lines } = capturedLogger('info');
    const prefix = `sent-${randomBytes(3).toString('hex')}`;
    let app: App;
    let desk: AxiosInstance;
    let users: GeneratedUser[];
    let before: Awaited<ReturnType<typeof playTicket>>;

    beforeAll(async () => {
      const seed = await writeGeneratedSeed(3);
      users = seed.users;
      ({ app, desk } = await startAppOn({ ...env(), REDIS_PREFIX: prefix, ...ALL_AS_JOBS }, seed.path, log));
    }, 30_000);

    afterAll(async () => {
      await app?.stop();
    });

    it('runs a ticket end to end', async () => {
      before = await playTicket(app, desk, users[0] as GeneratedUser, new Set(), Date.now() + 30_000);
      expect(before.state?.status).toBe('resolved');
      expect(visitedStates(before.state!)).toEqual(HAPPY_PATH);
      expect(before.botPublic).toBe(3);
    }, 40_000);

    it('goes on after SENTINEL FAILOVER: the same app, its queues and workers, on the new master', async () => {
      const { from, to } = await group.failover();
      expect(to).not.toBe(from);
      const deadline = Date.now() + 45_000;
      const after = await Promise.all(users.slice(1).map((u) => playTicket(app, desk, u, new Set(), deadline)));
      expect(after.map((r) => r.state?.status)).toEqual(['resolved', 'resolved']);
      expect(after.map((r) => r.botPublic)).toEqual([3, 3]);
      // what was written before the failover was replicated, and every connection now talks to the new master
      expect((await app.store.getState(ticketKey('local', before.ticketId))).state?.status).toBe('resolved');
      const info = String(await app.redis.call('INFO', 'server'));
      expect(info).toContain(`tcp_port:${to}`);
      expect(((await app.redis.call('ROLE')) as unknown[])[0]).toBe('master');
      expect(await app.queues.effects.getJobCounts('failed')).toEqual({ failed: 0 });
      expect(await app.queues.events.getJobCounts('failed')).toEqual({ failed: 0 });
      // A repeatable maintenance job (the sweep) that held its lock on the old master at the switch cannot finish
      // there: BullMQ reports "Missing lock" and runs it again at its next interval; it changes no ticket. Any other
      // error line is a failure.
      const errors = lines.filter((l) => l.includes('"level":50'));
      const sweepLockLost = (l: string) => l.includes('"queue":"maintenance"') && /Missing lock for job repeat:/.test(l);
      expect(errors.filter((l) => !sweepLockLost(l))).toEqual([]);
    }, 60_000);
  });
});
