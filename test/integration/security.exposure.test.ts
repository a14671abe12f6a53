import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../workers/app.js';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { DEV_LOCAL_DESK_SECRET, checkExposure, isLoopbackHost, loadConfig } from '../../workers/config.js';
import { capturedLogger } from '../support/log-capture.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';

const SECRET = 'a-desk-webhook-secret-of-our-own';
const TOKEN = 'a-desk-api-token-of-our-own';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The variable a start-up refusal names, or 'started'. */
function refusal(env: Record<string, string>): string {
  try {
    checkExposure(loadConfig(env).env);
    return 'started';
  } catch (err) {
    if (err instanceof ConfigError) return err.variable;
    throw err;
  }
}

/** Issue 16, item 2: what `npm start` opens to other machines, and when it refuses to start. */
describe('start-up exposure checks', () => {
  it('listens on loopback unless HOST is set', () => {
    expect(loadConfig({}).env.HOST).toBe('127.0.0.1');
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'twofa-desk.internal', '128.0.0.1']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('allows the built-in desk secret and no desk token on loopback (the demo and the tests)', () => {
    expect(refusal({})).toBe('started');
    expect(checkExposure(loadConfig({}).env)).toEqual([]);
  });

  it('refuses to listen beyond loopback with the built-in desk secret, or serving the desk without a token', () => {
    expect(refusal({ HOST: '0.0.0.0' })).toBe('LOCAL_DESK_WEBHOOK_SECRET');
    expect(refusal({ HOST: '0.0.0.0', LOCAL_DESK_WEBHOOK_SECRET: DEV_LOCAL_DESK_SECRET, LOCAL_DESK_API_TOKEN: TOKEN })).toBe('LOCAL_DESK_WEBHOOK_SECRET');
    expect(refusal({ HOST: '0.0.0.0', LOCAL_DESK_WEBHOOK_SECRET: SECRET })).toBe('LOCAL_DESK_API_TOKEN');
    expect(refusal({ HOST: '10.0.0.5', LOCAL_DESK_WEBHOOK_SECRET: SECRET, LOCAL_DESK_API_TOKEN: TOKEN })).toBe('started');
    // an intake that does not serve the desk still checks the desk's signatures with the secret
    expect(refusal({ HOST: '0.0.0.0', LOCAL_DESK_SERVE: 'false' })).toBe('LOCAL_DESK_WEBHOOK_SECRET');
    expect(refusal({ HOST: '0.0.0.0', LOCAL_DESK_SERVE: 'false', LOCAL_DESK_WEBHOOK_SECRET: SECRET })).toBe('started');
    // nothing of the desk is served or checked: a Zendesk intake, a workers-only process
    expect(refusal({ HOST: '0.0.0.0', TICKET_SYSTEM: 'zendesk' })).toBe('started');
    expect(refusal({ HOST: '0.0.0.0', ROLES: 'workers' })).toBe('started');
  });

  it('says what other machines can reach', () => {
    const exposed = checkExposure(loadConfig({ HOST: '0.0.0.0', LOCAL_DESK_WEBHOOK_SECRET: SECRET, LOCAL_DESK_API_TOKEN: TOKEN }).env);
    expect(exposed.join('\n')).toMatch(/\/webhooks\/local/);
    expect(exposed.join('\n')).toMatch(/\/desk\/api.*LOCAL_DESK_API_TOKEN/);
    expect(exposed.join('\n')).toMatch(/\/metrics \(no authentication\)/);
    expect(exposed.join('\n')).toMatch(/ADMIN_TOKEN is unset/);
    expect(checkExposure(loadConfig({ HOST: '0.0.0.0', ROLES: 'workers', METRICS_PORT: '9100' }).env)).toEqual(['/metrics (no authentication)']);
    expect(checkExposure(loadConfig({ HOST: '0.0.0.0', ROLES: 'workers' }).env)).toEqual([]);
  });

  it('createApp refuses too, whoever calls it', async () => {
    const err = await createApp(loadConfig({ REDIS_URL: testRedisUrl(), HOST: '0.0.0.0' }), { log: capturedLogger('silent').log }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('LOCAL_DESK_WEBHOOK_SECRET');
  });

  it('`npm start` exits 2 naming the variable, without echoing the secret', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', REDIS_URL: testRedisUrl(), HOST: '0.0.0.0', LOCAL_DESK_WEBHOOK_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    // a process that started after all must not outlive the test
    const started = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(started);
    expect(code).toBe(2);
    expect(stderr).toContain('bad configuration: LOCAL_DESK_API_TOKEN');
    expect(stderr).not.toContain(SECRET);
  });
});

describe('an intake listening beyond loopback with its own secret and token', () => {
  const prefix = freshPrefix('exposed');
  const { log, lines } = capturedLogger('info');
  let redis: Redis;
  let url: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    redis = newRedis();
    const app = await createApp(
      loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '0.0.0.0', ROLES: 'intake', LOCAL_DESK_WEBHOOK_SECRET: SECRET, LOCAL_DESK_API_TOKEN: TOKEN }),
      { log },
    );
    await app.start();
    url = app.url ?? '';
    stop = () => app.stop();
  });
  afterAll(async () => {
    await stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('logs one warning naming what is reachable, never the secret or the token', () => {
    const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string; exposed?: string[] }).find((l) => l.msg.startsWith('listening beyond loopback'));
    expect(warning?.level).toBe(40);
    expect(warning?.exposed?.join('\n')).toContain('/desk/api');
    expect(lines.join('\n')).not.toContain(SECRET);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('answers the desk API only with the token', async () => {
    expect((await fetch(`${url}/desk/api/tickets`)).status).toBe(401);
    expect((await fetch(`${url}/desk/api/tickets`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });
});
