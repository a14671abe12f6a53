import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseSeed } from '../../integrations/twofa/local/seed.js';
import type { StateName } from '../../workflows/resync/state.js';
import { DEFAULT_SEED } from '../../workers/config.js';
import { runDemo, type DemoResult, type DemoRun } from '../demo/run-demo.js';
import { SCENARIOS } from '../demo/scenarios.js';
import type { Logger } from '../../workers/logger.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from './redis.js';

/** The demo's scenarios run through the whole app against a fake platform server: shared by the e2e suites. */

export type Expected = { final: StateName; publicReplies: number; reason?: string };

export const seed = async () => parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
export const byKey = (run: DemoRun, key: string): DemoResult | undefined => run.results.find((r) => r.scenario.key === key);
export const botNotes = (r: DemoResult | undefined): string => (r?.comments ?? []).filter((c) => c.authorRole === 'bot' && !c.public).map((c) => c.body).join('\n');
export const botReplies = (r: DemoResult | undefined): string => (r?.comments ?? []).filter((c) => c.authorRole === 'bot' && c.public).map((c) => c.body).join('\n');

export function expectOutcomes(run: () => DemoRun, expected: (key: string) => Expected): void {
  for (const scenario of SCENARIOS) {
    const want = expected(scenario.key);
    it(`${scenario.title}: ends ${want.final}${want.reason ? ` (${want.reason})` : ''} with ${want.publicReplies} public replies`, () => {
      const result = byKey(run(), scenario.key);
      expect(result?.state?.status).toBe(want.final);
      if (want.reason) expect(result?.state?.escalation?.reason).toBe(want.reason);
      expect(result?.publicReplies).toBe(want.publicReplies);
      expect(result?.internalNotes).toBeGreaterThan(0);
    });
  }
}

/**
 * Registers the setup of one describe: the fake platform server, then the whole demo against it; both stopped and
 * the prefix deleted after. Returns getters for the run and the server, and the Redis key prefix of the run.
 */
export function demoOnFake<S extends { close(): Promise<void> }>(
  name: string,
  log: Logger,
  start: () => Promise<S>,
  wire: (server: S) => { env: Record<string, string>; login: (userName: string, code: string) => Promise<unknown> },
): { run: () => DemoRun; server: () => S; prefix: string } {
  let run: DemoRun | undefined;
  let server: S | undefined;
  let redis: Redis | undefined;
  const prefix = freshPrefix(name);
  beforeAll(async () => {
    redis = newRedis();
    server = await start();
    run = await runDemo({ redisUrl: testRedisUrl(), prefix, log, keepRunning: true, deadlineMs: 50_000, ...wire(server) });
  }, 90_000);
  afterAll(async () => {
    await run?.app.stop();
    await server?.close();
    if (redis) {
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  });
  return { run: () => run as DemoRun, server: () => server as S, prefix };
}

