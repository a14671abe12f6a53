import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../workers/cli/main.js';
import { run } from '../../workers/cli/report.js';
import { SlaStore } from '../../workers/observe/sla/store.js';
import type { SlaSummary } from '../../workers/observe/sla/summary.js';
import { DAY_MS, HR, MIN, SEEDED, seededRecords } from '../support/sla-records.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';

const redis = newRedis();
const prefix = freshPrefix('report');
const env = { REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix };
const END = Date.now();

async function report(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run({ args, env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  const store = new SlaStore(redis, prefix);
  for (const r of seededRecords(END)) await store.save(r);
});
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('twofa-desk report, on SLA records in real Redis', () => {
  it('--format json gives the summary of the last 7 days by default', async () => {
    const { code, out } = await report(['--format', 'json']);
    expect(code).toBe(0);
    const summary = JSON.parse(out) as SlaSummary;
    expect(summary).toMatchObject({
      tickets: SEEDED.tickets,
      outcomes: SEEDED.outcomes,
      firstReply: SEEDED.firstReply,
      waiting: SEEDED.waiting,
      resolution: SEEDED.resolution,
      breaches: SEEDED.breaches,
      escalationsByReason: SEEDED.escalationsByReason,
    });
    expect(summary.automationRate).toBeCloseTo(SEEDED.automationRate, 10);
    expect(Object.keys(summary.bySystem)).toEqual(['local', 'zendesk']);
    expect(Object.keys(summary.byPlatform)).toEqual(['local', 'sta']);
  });

  it('--since 30d takes in the older record too', async () => {
    const summary = JSON.parse((await report(['--since', '30d', '--format', 'json'])).out) as SlaSummary;
    expect(summary.tickets).toBe(7);
    expect(summary.escalationsByReason).toEqual({ ...SEEDED.escalationsByReason, no_token: 1 });
  });

  it('--format csv gives the same figures, one row per scope', async () => {
    const from = new Date(END - 3 * DAY_MS).toISOString();
    const to = new Date(END).toISOString();
    const { code, out } = await report(['--from', from, '--to', to, '--format', 'csv']);
    expect(code).toBe(0);
    const [header, ...rows] = out.split('\r\n').map((l) => l.split(','));
    const byScope = rows.map((row) => Object.fromEntries(row.map((v, i) => [header![i], v])));
    expect(byScope.map((r) => `${r.scope} ${r.key}`)).toEqual([`all ${from}/${to}`, 'system local', 'system zendesk', 'platform local', 'platform sta']);
    expect(byScope[0]).toMatchObject({
      tickets: '6', resolved: '2', escalated: '2', handed_off: '1', timed_out: '1', automation_rate: '0.3333',
      first_reply_p50_ms: '30000', first_reply_p90_ms: String(16 * MIN), waiting_p50_ms: String(5 * MIN), waiting_p90_ms: String(72 * HR),
      resolution_p50_ms: String(30 * MIN), resolution_p90_ms: String(72 * HR + 5 * MIN),
      first_reply_breaches: '1', resolution_breaches: '1', escalations: '2', escalations_sla_risk: '1', escalations_user_not_found: '1',
    });
    expect(byScope[2]).toMatchObject({ tickets: '2', automation_rate: '0', first_reply_breaches: '1' });
  });

  it('--format table (the default) prints the figures for people', async () => {
    const { code, out } = await report(['--since', '7d']);
    expect(code).toBe(0);
    expect(out).toMatch(/^SLA report \S+ → \S+/);
    const allRow = out.split('\n').find((l) => l.includes('│ all '));
    expect(allRow).toBeDefined();
    expect(allRow!.split('│').map((c) => c.trim()).filter(Boolean)).toEqual(['all', '6', '33.3%', '30s / 16m 00s', '5m 00s / 3d 0h', '30m 00s / 3d 0h', '1 / 1', '2']);
    expect(out).toContain('outcomes: resolved 2, escalated 2, handed_off 1, timed_out 1');
    expect(out).toMatch(/│ sla_risk\s+│ 1\s+│/);
    expect(out).toMatch(/│ platform sta\s+│ 2\s+│ 0\.0%/);
  });

  it('says what is wrong with a bad option, with exit code 2', async () => {
    const lines: string[] = [];
    const ctx = { env, out: () => undefined, err: (l: string) => lines.push(l) };
    expect(await main(['report', '--format', 'xml'], ctx.env)).toBe(2);
    await expect(run({ ...ctx, args: ['--since', 'a week'] })).rejects.toThrow(/--since: a duration such as 30m/);
    await expect(run({ ...ctx, args: ['--from', '2026-11-10', '--to', '2026-11-01'] })).rejects.toThrow(/is after to/);
    await expect(run({ ...ctx, args: ['--colour'] })).rejects.toThrow(/Unknown option '--colour'/);
  });

  it('runs as the installed `twofa-desk` command', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['workers/cli/twofa-desk.mjs', 'report', '--format', 'json'], { env: { ...process.env, ...env }, timeout: 30_000 });
    expect((JSON.parse(stdout) as SlaSummary).tickets).toBe(6);
  });
});
