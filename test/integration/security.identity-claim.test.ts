import axios, { type AxiosInstance } from 'axios';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../workers/app.js';
import { loadConfig } from '../../workers/config.js';
import { ticketKey } from '../../workers/store/keys.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { capturedLogger } from '../support/log-capture.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 16, item 3(a): "external id = platform user name" counts as proof of identity, so an external id may only
 * come from what the ticket system vouches for (the embedded desk's user records, set by an agent), never from the
 * body of whoever opens the ticket. The whole app: embedded desk, embedded platform (alice is alice.archer@example.com).
 */
describe('identity claims on the embedded desk', () => {
  const prefix = freshPrefix('idclaim');
  const { log } = capturedLogger('warn');
  let redis: Redis;
  let app: App;
  let desk: AxiosInstance;

  beforeAll(async () => {
    redis = newRedis();
    app = await createApp(loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1' }), { log });
    await app.start();
    desk = axios.create({ baseURL: `${app.url}/desk`, validateStatus: () => true });
  });
  afterAll(async () => {
    await app.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  async function open(requester: Record<string, string>): Promise<string> {
    const res = await desk.post<{ id: string }>('/api/tickets', { subject: 'my code is rejected', description: 'please help', requester, tags: ['2fa_issue'] });
    expect(res.status).toBe(201);
    return ticketKey('local', String(res.data.id));
  }

  /** the state once the user was looked up and the workflow has moved past locating them */
  async function afterLocate(tk: string): Promise<WorkflowState> {
    return waitFor(`${tk} past locating_user`, async () => {
      const { state } = await app.store.getState(tk);
      return state && state.status !== 'received' && state.status !== 'locating_user' ? state : undefined;
    });
  }

  it("does not let an anonymous creator's requester.externalId 'alice' make the bot act on alice without approval", async () => {
    const tk = await open({ email: 'mallory@evil.example', name: 'Alice Archer', externalId: 'alice' });
    const state = await afterLocate(tk);
    expect(state.ticket.requester.externalId).toBeUndefined();
    // found by the last name only, which proves nothing: an agent must approve before anything is done to alice
    expect(state.status).toBe('awaiting_approval');
    expect(state).toMatchObject({ matchedBy: 'lastName', user: { userName: 'alice' } });
    expect(state.history.map((h) => h.to)).not.toContain('checking_group');
  });

  it('matches by user name, without approval, when an agent recorded the external id on the desk user', async () => {
    const set = await desk.put('/api/users', { email: 'alice.home@personal.example', externalId: 'alice' });
    expect(set.status).toBe(200);
    const tk = await open({ email: 'alice.home@personal.example', name: 'Alice A.' });
    const state = await afterLocate(tk);
    expect(state.ticket.requester.externalId).toBe('alice');
    expect(state.matchedBy).toBe('userName');
    expect(state.history.map((h) => h.to)).toContain('checking_group');
    expect(state.history.map((h) => h.to)).not.toContain('awaiting_approval');
  });
});
