import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AxiosInstance } from 'axios';
import type { App } from '../../workers/app.js';
import { run as ticket } from '../../workers/cli/ticket.js';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { loadConfig } from '../../workers/config.js';
import { runDemo, type DemoRun } from '../demo/run-demo.js';
import { SCENARIOS } from '../demo/scenarios.js';
import { ALL_AS_JOBS, startAppOn } from '../support/app-on.js';
import { writeGeneratedSeed } from '../support/generated-seed.js';
import { capturedLogger } from '../support/log-capture.js';
import { startRedisCluster, clientOn, type RedisClusterServers } from '../support/redis-servers.js';
import { HAPPY_PATH, playTicket, visitedStates } from '../support/system.js';

const PASSWORD = `cluster-${randomBytes(6).toString('hex')}`;

describe('Redis Cluster: three masters on loopback', () => {
  let cluster: RedisClusterServers;
  const { log } = capturedLogger('warn');
  const env = () => ({ REDIS_CLUSTER_NODES: cluster.nodes.join(','), REDIS_PASSWORD: PASSWORD });

  beforeAll(async () => {
    cluster = await startRedisCluster({ password: PASSWORD });
  }, 40_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  describe('configuration', () => {
    it('refuses a REDIS_PREFIX without a hash tag, naming the variable and the fix', () => {
      const attempt = () => loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_PREFIX: 'td' });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/^REDIS_PREFIX: .*hash tag, e\.g\. \{td\}/);
      // an empty tag hashes the whole key: no better
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_PREFIX: 'td{}x' })).toThrow(/^REDIS_PREFIX/);
      expect(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,[::1]:7001', REDIS_PREFIX: '{td}' }).env.REDIS_CLUSTER_NODES).toEqual([
        { host: '127.0.0.1', port: 7000 },
        { host: '::1', port: 7001 },
      ]);
    });

    it('refuses a database other than 0 and Sentinel with Cluster', () => {
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_PREFIX: '{td}', REDIS_URL: 'redis://x/2' })).toThrow(/^REDIS_URL: .*database 0/);
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_NAME: 'm', REDIS_PREFIX: '{td}' })).toThrow(/^REDIS_CLUSTER_NODES/);
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1' })).toThrow(/^REDIS_CLUSTER_NODES: must be host:port/);
    });
  });

  describe('every demo scenario, end to end', () => {
    const prefix = `{demo-${randomBytes(3).toString('hex')}}`;
    let run: DemoRun;

    beforeAll(async () => {
      // with REDIS_CLUSTER_NODES the URL's host is not used (only its scheme and credentials)
      run = await runDemo({ redisUrl: 'redis://127.0.0.1:6379', prefix, log, env: env(), keepRunning: true, deadlineMs: 50_000 });
    }, 90_000);

    afterAll(async () => {
      await run?.app.stop();
    });

    for (const scenario of SCENARIOS) {
      it(`${scenario.title}: ends ${scenario.expect.final} with ${scenario.expect.publicReplies} public replies`, () => {
        const result = run.results.find((r) => r.scenario.key === scenario.key);
        expect(result?.state?.status).toBe(scenario.expect.final);
        expect(result?.publicReplies).toBe(scenario.expect.publicReplies);
      });
    }

    it('keeps every key it wrote on the one slot of the prefix hash tag: workflow, desk, platform and queue keys', async () => {
      const tag = prefix.slice(1, -1);
      const perNode = await Promise.all(cluster.ports.map((port) => clientOn({ port, password: PASSWORD }, (c) => keysOn(c))));
      const all = perNode.flat();
      expect(all.length).toBeGreaterThan(50);
      // one master holds them all, and every key is ours
      expect(perNode.filter((keys) => keys.length > 0)).toHaveLength(1);
      expect(all.filter((k) => !k.startsWith(`${prefix}:`))).toEqual([]);
      const slot = await clientOn({ port: cluster.ports[0] as number, password: PASSWORD }, (c) => c.call('CLUSTER', 'KEYSLOT', tag));
      const slots = await clientOn({ port: cluster.ports[0] as number, password: PASSWORD }, (c) => Promise.all(all.map((k) => c.call('CLUSTER', 'KEYSLOT', k))));
      expect(new Set(slots)).toEqual(new Set([slot]));
      for (const part of [':wf:', ':seen:', ':delivery:', ':q:events:', ':q:maintenance:', ':desk:', ':tfa:', ':sla:']) {
        expect(all.some((k) => k.includes(part)), part).toBe(true);
      }
    });
  });

  describe('drains and effects as BullMQ jobs', () => {
    const prefix = `{jobs-${randomBytes(3).toString('hex')}}`;
    let app: App;
    let desk: AxiosInstance;
    let seed: Awaited<ReturnType<typeof writeGeneratedSeed>>;

    beforeAll(async () => {
      seed = await writeGeneratedSeed(4);
      ({ app, desk } = await startAppOn({ ...env(), REDIS_PREFIX: prefix, ...ALL_AS_JOBS }, seed.path, log));
    }, 30_000);

    afterAll(async () => {
      await app?.stop();
    });

    let ticketIds: string[] = [];

    it('resolves concurrent tickets through the queues of the cluster', async () => {
      const deadline = Date.now() + 40_000;
      const results = await Promise.all(seed.users.map((u) => playTicket(app, desk, u, new Set(), deadline)));
      ticketIds = results.map((r) => r.ticketId);
      expect(results.map((r) => r.state?.status)).toEqual(seed.users.map(() => 'resolved'));
      expect(results.map((r) => r.botPublic)).toEqual(seed.users.map(() => 3));
      for (const r of results) expect(visitedStates(r.state!)).toEqual(HAPPY_PATH);
      expect(await app.queues.effects.getJobCounts('failed')).toEqual({ failed: 0 });
    }, 50_000);

    it('lets an operator read a ticket through the cluster (twofa-desk ticket show)', async () => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await ticket({ args: ['show', 'local', ticketIds[0] ?? '', '--json'], env: { ...env(), REDIS_PREFIX: prefix }, out: (l) => out.push(l), err: (l) => err.push(l) });
      expect(err).toEqual([]);
      expect(code).toBe(0);
      expect(JSON.parse(out.join('\n'))).toMatchObject({ status: 'resolved', pendingEffects: [] });
    });
  });
});

/** Every key on one node (SCAN, never KEYS). */
async function keysOn(c: import('ioredis').Redis): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await c.scan(cursor, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}
