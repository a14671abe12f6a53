import axios, { type AxiosInstance } from 'axios';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformUnavailable } from '../../integrations/twofa/errors.js';
import type { TwoFactorPlatform } from '../../integrations/twofa/platform.js';
import { createApp, type App } from '../../workers/app.js';
import { loadConfig } from '../../workers/config.js';
import { ticketKey } from '../../workers/store/keys.js';
import { createPlatform } from '../../workers/adapters/platforms.js';
import { writeGeneratedSeed, type GeneratedUser } from '../support/generated-seed.js';
import { capturedLogger } from '../support/log-capture.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { codesIn } from '../support/secret-scan.js';
import { playTicket } from '../support/system.js';
import { waitFor } from '../support/wait-for.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, one sample per line (comments skipped). */
function parseMetrics(text: string): Sample[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not a sample: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k as string] = v as string;
      return { name: m[1] as string, labels, value: Number(m[3]) };
    });
}

function value(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('operations: /metrics and structured logs of a running app', () => {
  const prefix = freshPrefix('obs');
  const { log, lines } = capturedLogger('debug');
  const sent = new Set<string>();
  let redis: Redis;
  let app: App;
  let desk: AxiosInstance;
  let users: GeneratedUser[];
  const ids = { resolved: '', escalated: '', waiting: '' };
  let samples: Sample[] = [];

  beforeAll(async () => {
    redis = newRedis();
    const seed = await writeGeneratedSeed(2);
    users = seed.users;
    const config = loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', TWOFA_LOCAL_SEED: seed.path, EFFECT_BACKOFF_MS: '10' });
    // The platform answers "unavailable" to the first group read: one retried effect failure to count.
    const real = await createPlatform({ config, source: {}, redis, log });
    let failures = 1;
    const platform = Object.assign(Object.create(real) as TwoFactorPlatform, {
      getGroups: async (userId: string) => {
        if (failures-- > 0) throw new PlatformUnavailable('local', 'injected by the test');
        return real.getGroups(userId);
      },
    });
    app = await createApp(config, { log, platform });
    await app.start();
    desk = axios.create({ baseURL: `${app.url}/desk`, timeout: 10_000 });

    const played = await playTicket(app, desk, users[0] as GeneratedUser, sent, Date.now() + 40_000);
    ids.resolved = played.ticketId;
    const open = async (requester: { email: string; name: string }) =>
      String((await desk.post<{ id: string }>('/api/tickets', { subject: '2FA code rejected', description: 'help', requester, tags: ['2fa_issue'] })).data.id);
    ids.escalated = await open({ email: 'nobody@nowhere.example', name: 'Nobody Known' });
    ids.waiting = await open({ email: (users[1] as GeneratedUser).email, name: (users[1] as GeneratedUser).name });
    const statusOf = async (id: string) => (await app.store.getState(ticketKey('local', id))).state?.status;
    await waitFor('the tickets to settle', async () =>
      (await statusOf(ids.escalated)) === 'escalated' && (await statusOf(ids.waiting)) === 'awaiting_codes' && (await app.store.pendingEffects(ticketKey('local', ids.waiting))).length === 0
        ? true
        : undefined,
    );
    const res = await axios.get<string>(`${app.url}/metrics`, { responseType: 'text' });
    samples = parseMetrics(res.data);
  }, 90_000);

  afterAll(async () => {
    await app?.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  describe('GET /metrics', () => {
    it('counts finished tickets by outcome, ticket system and platform', () => {
      expect(ids.resolved).not.toBe('');
      expect(value(samples, 'twofa_desk_tickets_finished_total', { outcome: 'resolved', system: 'local', platform: 'local' })).toBe(1);
      expect(value(samples, 'twofa_desk_tickets_finished_total', { outcome: 'escalated', system: 'local', platform: 'local' })).toBe(1);
      const labelSets = samples.filter((s) => s.name === 'twofa_desk_tickets_finished_total').map((s) => Object.keys(s.labels).sort());
      expect(labelSets.every((k) => k.join() === 'outcome,platform,system')).toBe(true);
    });

    it('observes the time spent in each step the tickets left', () => {
      const count = (step: string) => value(samples, 'twofa_desk_step_duration_seconds_count', { step });
      // locating_user: all three tickets; the discovery steps: the two found users; the exchange: the resolved one.
      expect(count('locating_user')).toBe(3);
      expect(count('checking_group')).toBe(2);
      expect(count('inspecting_tokens')).toBe(2);
      expect(count('awaiting_codes')).toBe(1);
      expect(count('resyncing')).toBe(1);
      expect(count('awaiting_retest')).toBe(1);
      expect(count('resolved')).toBeUndefined();
      expect(value(samples, 'twofa_desk_step_duration_seconds_bucket', { step: 'awaiting_codes', le: '+Inf' })).toBe(1);
      expect(value(samples, 'twofa_desk_step_duration_seconds_sum', { step: 'awaiting_codes' })).toBeGreaterThan(0);
    });

    it('counts effect failures by integration, effect and error name', () => {
      expect(value(samples, 'twofa_desk_effect_failures_total', { integration: 'local', effect: 'readGroups', reason: 'PlatformUnavailable' })).toBe(1);
      expect(value(samples, 'twofa_desk_effects_total', { effect: 'readGroups', outcome: 'retry' })).toBe(1);
      expect(value(samples, 'twofa_desk_effects_total', { effect: 'readGroups', outcome: 'ok' })).toBe(2);
      expect(value(samples, 'twofa_desk_effects_total', { effect: 'resyncOtp', outcome: 'ok' })).toBe(1);
    });

    it('reports open tickets by state from Redis', () => {
      expect(value(samples, 'twofa_desk_open_tickets', { state: 'awaiting_codes' })).toBe(1);
      const others = samples.filter((s) => s.name === 'twofa_desk_open_tickets' && s.labels.state !== 'awaiting_codes');
      expect(others.map((s) => s.labels.state).sort()).toEqual(['awaiting_approval', 'awaiting_response', 'awaiting_retest', 'checking_group', 'inspecting_tokens', 'locating_user', 'received', 'resyncing', 'stuck', 'update_failed']);
      expect(others.every((s) => s.value === 0)).toBe(true);
      expect(samples.filter((s) => s.name === 'twofa_desk_tickets_stuck').map((s) => [s.labels.state, s.value])).toEqual([['update_failed', 0], ['stuck', 0]]);
    });

    it('reports the depth of every queue by job state', () => {
      const depth = samples.filter((s) => s.name === 'twofa_desk_queue_jobs');
      expect(new Set(depth.map((s) => s.labels.queue))).toEqual(new Set(['events', 'effects', 'timers', 'maintenance']));
      expect(new Set(depth.map((s) => s.labels.state))).toEqual(new Set(['waiting', 'active', 'delayed', 'failed']));
      // Timers are kept by the commits, not as jobs: the timers queue only drains an earlier version's jobs.
      expect(value(samples, 'twofa_desk_queue_jobs', { queue: 'timers', state: 'delayed' })).toBe(0);
      expect(value(samples, 'twofa_desk_queue_jobs', { queue: 'effects', state: 'failed' })).toBe(0);
    });

    it('reports the workflow timers set: the waiting ticket\'s reminder and the open tickets\' resolution SLA timers, none left of the ended ones', () => {
      // three tickets: one resolved, one escalated (their timers taken out when they ended), one waiting for codes
      // (its reminder and its resolution SLA timer; its first-reply one went with its first reply)
      expect(value(samples, 'twofa_desk_timers', { state: 'scheduled' })).toBe(2);
      expect(value(samples, 'twofa_desk_timers', { state: 'due' })).toBe(0);
    });

    it('never carries a ticket id, ticket key or email in a label', () => {
      // The process's default metrics (twofa_desk_nodejs_*, twofa_desk_process_*) label Node's version numbers.
      const ours = samples.filter((s) => s.name.startsWith('twofa_desk_') && !/^twofa_desk_(nodejs|process)_/.test(s.name));
      const values = ours.flatMap((s) => Object.entries(s.labels).filter(([k]) => k !== 'le').map(([, v]) => v));
      expect(values.length).toBeGreaterThan(40);
      const tickets = Object.values(ids).flatMap((id) => [id, ticketKey('local', id)]);
      expect(values.filter((v) => v.includes('@') || /^\d+$/.test(v) || tickets.includes(v) || /^local:/.test(v))).toEqual([]);
    });
  });

  describe('log lines', () => {
    it('are JSON, and every line about a ticket carries its key (tk) and workflow state', () => {
      const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const aboutTickets = parsed.filter((l) => l.tk !== undefined);
      expect(aboutTickets.length).toBeGreaterThan(10);
      expect(aboutTickets.filter((l) => typeof l.state !== 'string').map((l) => l.msg)).toEqual([]);
      const retried = aboutTickets.find((l) => l.msg === 'effect failed: will retry');
      expect(retried).toMatchObject({ tk: ticketKey('local', ids.resolved), state: 'checking_group', effect: 'readGroups', error: 'PlatformUnavailable' });
    });

    it('never hold a code the user sent', () => {
      expect(sent.size).toBeGreaterThan(0);
      expect(lines.flatMap((l) => codesIn(l, sent))).toEqual([]);
    });

    it('redact secrets passed in a log object, at any of the usual places', () => {
      const before = lines.length;
      app.log.child({ tk: 'local:x', state: 'awaiting_codes' }).warn(
        {
          apiKey: 'sk-live-0123456789',
          password: 'hunter2-hunter2',
          otp1: '287082',
          headers: { authorization: 'Bearer admin-token-0123456789', 'x-api-key': 'sta-key-0123456789' },
          err: { config: { headers: { Authorization: 'Basic c2VjcmV0' }, data: 'otp1=287082&otp2=359152' } },
          request: { body: { codes: ['287082', '359152'] } },
        },
        'calling the platform',
      );
      const line = lines.slice(before).join('\n');
      expect(line).toContain('"tk":"local:x"');
      for (const secret of ['sk-live', 'hunter2', '287082', '359152', 'admin-token', 'sta-key', 'c2VjcmV0']) expect(line).not.toContain(secret);
      expect(line).toContain('[redacted]');
    });
  });
});

describe('a workers-only process (ROLES=workers)', () => {
  it('serves GET /metrics on METRICS_PORT, since its counters live in its own memory', async () => {
    const prefix = freshPrefix('obsw');
    const redis = newRedis();
    const { log } = capturedLogger('silent');
    const app = await createApp(loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, HOST: '127.0.0.1', ROLES: 'workers', METRICS_PORT: '0', POLL_INTERVAL_S: '3600' }), { log });
    try {
      await app.start();
      const res = await axios.get<string>(`${app.url}/metrics`, { responseType: 'text' });
      expect(res.status).toBe(200);
      expect(value(parseMetrics(res.data), 'twofa_desk_queue_jobs', { queue: 'effects', state: 'failed' })).toBe(0);
      expect((await axios.get(`${app.url}/admin/queues`, { validateStatus: () => true })).status).toBe(404);
    } finally {
      await app.stop();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  });
});
