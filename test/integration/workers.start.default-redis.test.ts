import { existsSync } from 'node:fs';
import axios from 'axios';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { loadConfig } from '../../workers/config.js';
import { usesPrivateRedis } from '../../workers/redis/default-redis.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

/** The variable a start-up refusal names, or whether `npm start` runs on a private Redis. */
function choice(env: Record<string, string>): 'private' | 'configured' | string {
  try {
    return usesPrivateRedis(env, loadConfig(env).env) ? 'private' : 'configured';
  } catch (err) {
    if (err instanceof ConfigError) return err.variable;
    throw err;
  }
}

/** The fields of the first JSON log line with this message. */
function logLine(w: WorkerProcess, message: RegExp): Record<string, unknown> | undefined {
  for (const line of w.output.join('').split('\n')) {
    if (!line.startsWith('{')) continue;
    const fields = JSON.parse(line) as Record<string, unknown>;
    if (typeof fields.msg === 'string' && message.test(fields.msg)) return fields;
  }
  return undefined;
}

async function exitOf(w: WorkerProcess): Promise<number | null> {
  if (w.child.exitCode !== null) return w.child.exitCode;
  return new Promise((resolve) => w.child.once('exit', (code) => resolve(code)));
}

/** Issue 19, item 5: `npm start` with no Redis configured. */
describe('`npm start` without REDIS_URL', () => {
  it('runs on a private Redis only with the embedded desk and platform in one process', () => {
    expect(choice({})).toBe('private');
    expect(choice({ REDIS_PREFIX: 'mine', PORT: '0' })).toBe('private');
    expect(choice({ REDIS_URL: 'redis://127.0.0.1:6379' })).toBe('configured');
    expect(choice({ REDIS_SENTINELS: '10.0.0.1:26379', REDIS_SENTINEL_NAME: 'td' })).toBe('configured');
    expect(choice({ REDIS_PASSWORD: 'a-password' })).toBe('configured');
    expect(choice({ REDIS_URL: 'redis://redis.internal:6379', TICKET_SYSTEM: 'zendesk', TWOFA_PLATFORM: 'privacyidea' })).toBe('configured');
    expect(choice({ TICKET_SYSTEM: 'zendesk' })).toBe('REDIS_URL');
    expect(choice({ TWOFA_PLATFORM: 'safenet-sta' })).toBe('REDIS_URL');
    expect(choice({ TWOFA_PLATFORM: 'privacyidea' })).toBe('REDIS_URL');
    // two processes on two private servers would never see each other's work
    expect(choice({ ROLES: 'intake' })).toBe('REDIS_URL');
    expect(choice({ ROLES: 'workers' })).toBe('REDIS_URL');
  });

  it('starts a private redis-server, says so and where its data is, answers /healthz, and removes it all on SIGTERM', async () => {
    const w = startWorkerProcess({ PORT: '0' });
    try {
      await w.ready;
      const said = logLine(w, /^REDIS_URL is not set: started a private redis-server.*Not for production/);
      expect(said).toMatchObject({ level: 40, redisUrl: expect.stringMatching(/^redis:\/\/127\.0\.0\.1:\d+$/), dataDir: expect.any(String) });
      const url = logLine(w, /^intake listening$/)?.url as string;
      expect((await axios.get(`${url}/healthz`)).data).toEqual({ ok: true });
      // the workers' keys are on that server, kept in its append-only file
      const redis = new Redis(said?.redisUrl as string, { maxRetriesPerRequest: 1 });
      try {
        expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
        expect((await redis.scan('0', 'MATCH', 'td:*', 'COUNT', 1000))[1].length).toBeGreaterThan(0);
      } finally {
        redis.disconnect();
      }
      expect(existsSync(said?.dataDir as string)).toBe(true);
      expect(await w.kill('SIGTERM')).toBe(0);
      expect(existsSync(said?.dataDir as string)).toBe(false);
      const gone = new Redis(said?.redisUrl as string, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      gone.on('error', () => undefined);
      await expect(gone.connect()).rejects.toThrow();
    } finally {
      await w.kill('SIGKILL');
    }
  });

  for (const env of [{ TICKET_SYSTEM: 'zendesk' }, { TWOFA_PLATFORM: 'privacyidea' }] as Array<Record<string, string>>) {
    it(`refuses to start with ${Object.entries(env)[0]?.join('=')}, naming REDIS_URL`, async () => {
      const w = startWorkerProcess({ PORT: '0', ...env });
      w.ready.catch(() => undefined);
      expect(await exitOf(w)).toBe(2);
      const output = w.output.join('');
      expect(output).toMatch(/^twofa-desk: bad configuration: REDIS_URL: not set with (TICKET_SYSTEM=zendesk|TWOFA_PLATFORM=privacyidea)/);
      expect(output).not.toMatch(/private redis-server/);
    });
  }
});
