import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../workers/app.js';
import { loadConfig } from '../../workers/config.js';
import { capturedLogger } from '../support/log-capture.js';
import { freshPrefix, testRedisUrl, testResources } from '../support/redis.js';

const ADMIN_TOKEN = 'admin-token-for-the-test-0123456789';
const QUEUES = ['events', 'effects', 'timers', 'maintenance'];

interface BoardQueues {
  queues: Array<{ name: string; readOnlyMode: boolean; allowRetries: boolean }>;
}

async function intake(prefix: string, extra: Record<string, string>): Promise<App> {
  const { log } = capturedLogger('warn');
  const app = await createApp(loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', ROLES: 'intake', ...extra }), { log });
  await app.start();
  return app;
}

const http = axios.create({ validateStatus: () => true, timeout: 10_000 });

describe('/admin/queues (Bull Board)', () => {
  const resources = testResources();
  const { prefixes, apps } = resources;
  afterAll(() => resources.cleanup());

  describe('with ADMIN_TOKEN set', () => {
    let app: App;
    beforeAll(async () => {
      prefixes.push(freshPrefix('adm'));
      app = await intake(prefixes.at(-1) as string, { ADMIN_TOKEN });
      apps.push(app);
    });

    it('answers 401 without the token, and with a wrong one', async () => {
      expect((await http.get(`${app.url}/admin/queues`)).status).toBe(401);
      const wrong = await http.get(`${app.url}/admin/queues/api/queues`, { headers: { authorization: 'Bearer not-the-admin-token-at-all' } });
      expect(wrong.status).toBe(401);
      expect(wrong.headers['www-authenticate']).toContain('Basic');
    });

    it('serves the board and its API to the bearer of the token, listing our four queues with actions allowed', async () => {
      const page = await http.get<string>(`${app.url}/admin/queues`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, responseType: 'text' });
      expect(page.status).toBe(200);
      expect(page.data).toContain('/admin/queues');
      const api = await http.get<BoardQueues>(`${app.url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(api.status).toBe(200);
      expect(api.data.queues.map((q) => q.name).sort()).toEqual([...QUEUES].sort());
      expect(api.data.queues.every((q) => !q.readOnlyMode && q.allowRetries)).toBe(true);
    });

    it('takes the token as the password of HTTP Basic too (browsers)', async () => {
      const basic = Buffer.from(`ops:${ADMIN_TOKEN}`).toString('base64');
      expect((await http.get(`${app.url}/admin/queues/api/queues`, { headers: { authorization: `Basic ${basic}` } })).status).toBe(200);
    });
  });

  describe('without ADMIN_TOKEN', () => {
    let app: App;
    beforeAll(async () => {
      prefixes.push(freshPrefix('adm'));
      app = await intake(prefixes.at(-1) as string, {});
      apps.push(app);
    });

    it('lets loopback callers look, read-only', async () => {
      const api = await http.get<BoardQueues>(`${app.url}/admin/queues/api/queues`);
      expect(api.status).toBe(200);
      expect(api.data.queues.map((q) => q.name).sort()).toEqual([...QUEUES].sort());
      expect(api.data.queues.every((q) => q.readOnlyMode && !q.allowRetries)).toBe(true);
    });

    it('refuses every action (retry, clean, pause)', async () => {
      expect((await http.put(`${app.url}/admin/queues/api/queues/effects/retry/failed`)).status).toBe(403);
      expect((await http.put(`${app.url}/admin/queues/api/queues/events/pause`)).status).toBe(403);
      expect(await app.queues.events.isPaused()).toBe(false);
    });
  });
});
