import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotSupportedByPlatform } from '../../integrations/twofa/errors.js';
import { generate } from '../../integrations/twofa/local/hotp.js';
import { SafeNetStaPlatform } from '../../integrations/twofa/safenet-sta/adapter.js';
import { loadStaConfig, type StaConfig, type StaRadiusConfig } from '../../integrations/twofa/safenet-sta/config.js';
import { StaRadiusBadSecret } from '../../integrations/twofa/safenet-sta/radius-errors.js';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { STA_RADIUS_SECRET, startFakeStaWithRadius, type FakeStaWithRadius } from '../support/demo-platform-fakes.js';
import { STA_ALICE_SECRET, STA_API_KEY, STA_TENANT, staConfig, staSeed } from '../support/fake-sta.js';
import { deletePrefix, dumpPrefix, freshPrefix, newRedis } from '../support/redis.js';
import { codesIn } from '../support/secret-scan.js';

/**
 * The STA adapter's resync at authentication, against the fake STA whose RADIUS endpoint shares its tokens (real
 * UDP, real RFC 2865 packets): alice's MobilePASS (serial 1005956011) stands at counter 10 on the server.
 */
describe('SafeNetStaPlatform.resyncOtp over RADIUS (STA_RADIUS_*)', () => {
  let fake: FakeStaWithRadius;
  let redis: Redis;
  let prefix: string;
  const platforms: SafeNetStaPlatform[] = [];
  const code = (counter: number): string => generate(STA_ALICE_SECRET, counter, 6);
  const alice = () => fake.sta.tokens.find((t) => t.serial === '1005956011');

  function radiusConfig(over: Partial<StaRadiusConfig> = {}): StaRadiusConfig {
    return { host: fake.radius.host, port: fake.radius.port, secret: STA_RADIUS_SECRET, nasIdentifier: 'twofa-desk-test', timeoutMs: 300, retries: 1, maxPairs: 2, ...over };
  }

  function platform(over: Partial<StaConfig> = {}, radius: Partial<StaRadiusConfig> = {}): SafeNetStaPlatform {
    const p = new SafeNetStaPlatform({ config: staConfig(fake.sta, { radius: radiusConfig(radius), ...over }), redis, prefix, client: { retryBaseDelayMs: 5, retryMaxDelayMs: 20 } });
    platforms.push(p);
    return p;
  }

  beforeEach(async () => {
    fake = await startFakeStaWithRadius(staSeed(), { innerWindow: 3, outerWindow: 100, lockoutThreshold: 3 });
    redis = newRedis();
    prefix = freshPrefix('sta-radius');
  });

  afterEach(async () => {
    for (const p of platforms.splice(0)) await p.close();
    await fake.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('declares the resync capability only with RADIUS configured, with the per-ticket limit of pairs', async () => {
    expect(platform().capabilities).toMatchObject({ canResync: true, canChallenge: false, resyncByAuthentication: true, resyncTriesPerTicket: 2 });
    const plain = new SafeNetStaPlatform({ config: staConfig(fake.sta), redis, prefix });
    platforms.push(plain);
    expect(plain.capabilities).toMatchObject({ canResync: false, canChallenge: false });
    await expect(plain.resyncOtp('alice', '1005956011', code(50), code(51))).rejects.toBeInstanceOf(NotSupportedByPlatform);
  });

  it('resyncs a drifted token: code 1 in the outer window gets a challenge, code 2 with its State is accepted', async () => {
    const outcome = await platform().resyncOtp('alice', '1005956011', code(50), code(51));
    expect(outcome).toEqual({ ok: true });
    expect(alice()?.counter).toBe(52);
    expect(fake.radius.requests.map((r) => [r.userName, r.hadState, r.nasIdentifier])).toEqual([
      ['alice', false, 'twofa-desk-test'],
      ['alice', true, 'twofa-desk-test'],
    ]);
  });

  it('says the token was in sync when the first code simply authenticates, and never sends the second', async () => {
    expect(await platform().resyncOtp('alice', '1005956011', code(11), code(12))).toEqual({ ok: true, alreadyInSync: true });
    expect(fake.radius.requests).toHaveLength(1);
  });

  it('reports codes that match nothing as codes_not_in_window: one authentication, one failure', async () => {
    expect(await platform().resyncOtp('alice', '1005956011', '111111', '222222')).toEqual({ ok: false, reason: 'codes_not_in_window' });
    expect(fake.radius.requests).toHaveLength(1);
    expect(fake.radius.failures('alice')).toBe(1);
  });

  it('reports a second code that is not the next one as codes_not_in_window', async () => {
    expect(await platform().resyncOtp('alice', '1005956011', code(50), code(53))).toEqual({ ok: false, reason: 'codes_not_in_window' });
    expect(alice()?.counter).toBe(10);
  });

  it('refuses to send codes when the user’s failed logins since the last success are one short of the lock-out', async () => {
    // the user fought with the drifted token before opening the ticket: two failures in STA's log
    fake.sta.logAuthentication('alice', 'AUTH_FAILED', '1005956011');
    fake.sta.logAuthentication('alice', 'AUTH_FAILED', '1005956011');
    expect(await platform().resyncOtp('alice', '1005956011', code(50), code(51))).toEqual({ ok: false, reason: 'lockout_risk' });
    expect(fake.radius.requests).toHaveLength(0);
    expect(fake.radius.locked('alice')).toBe(false);
  });

  it('counts only the failures after the last success, and none with the lock-out off (threshold 0)', async () => {
    fake.sta.logAuthentication('alice', 'AUTH_FAILED', '1005956011');
    fake.sta.logAuthentication('alice', 'AUTH_FAILED', '1005956011');
    expect(await platform({ lockout: { threshold: 0, lookbackMs: 86_400_000 } }).resyncOtp('alice', '1005956011', code(50), code(51))).toEqual({ ok: true });
    fake.sta.logAuthentication('alice', 'AUTH_FAILED', '1005956011');
    fake.sta.logAuthentication('alice', 'AUTH_SUCCESS', '1005956011');
    fake.sta.logAuthentication('alice', 'AUTH_FAILED', '1005956011');
    expect(await platform().resyncOtp('alice', '1005956011', code(60), code(61))).toEqual({ ok: true });
  });

  it('reports a silent server as outcome_unknown (the codes may have been used), never as an error to retry', async () => {
    fake.radius.setSilent(true);
    expect(await platform().resyncOtp('alice', '1005956011', code(50), code(51))).toEqual({ ok: false, reason: 'outcome_unknown' });
    // one packet and its one retransmission, never a second evaluation with other codes
    expect(fake.radius.requests.every((r) => !r.hadState)).toBe(true);
  });

  it('throws StaRadiusBadSecret, naming the variable, when the answers do not verify', async () => {
    await fake.close();
    fake = await startFakeStaWithRadius(staSeed(), { innerWindow: 3, outerWindow: 100, answerUnverifiedRequests: true });
    const err = await platform({}, { secret: 'another-shared-secret' }).resyncOtp('alice', '1005956011', code(50), code(51)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaRadiusBadSecret);
    expect((err as StaRadiusBadSecret).reason).toContain('STA_RADIUS_SECRET');
    expect(String(err) + (err as StaRadiusBadSecret).reason).not.toContain(code(50));
  });

  it('keeps its own RADIUS logins out of the user’s authentications, so the re-test never counts them', async () => {
    let clock = Date.parse('2026-12-03T10:00:00Z');
    const now = () => clock;
    await fake.close();
    fake = await startFakeStaWithRadius({ ...staSeed(), now }, { innerWindow: 3, outerWindow: 100, now });
    const sta = new SafeNetStaPlatform({ config: staConfig(fake.sta, { radius: radiusConfig() }), redis, prefix, client: { now } });
    platforms.push(sta);
    const before = clock - 1000;
    expect(await sta.resyncOtp('alice', '1005956011', code(50), code(51))).toEqual({ ok: true });
    // STA logged the bot's Accept as alice's successful login …
    expect(fake.sta.logs.filter((l) => l.context.principalId === 'alice' && l.details.resultText === 'AUTH_SUCCESS')).toHaveLength(1);
    // … which the adapter does not report as hers
    expect((await sta.recentAuthentications('alice', before)).filter((r) => r.success)).toEqual([]);
    // her own login ten minutes later is reported
    clock += 10 * 60_000;
    fake.sta.login('alice', code(52));
    const hers = (await sta.recentAuthentications('alice', before)).filter((r) => r.success);
    expect(hers.map((r) => r.at)).toEqual([clock]);
  });

  it('keeps no code in Redis: only bounded, expiring records of when the bot logged in', async () => {
    await platform().resyncOtp('alice', '1005956011', code(50), code(51));
    const keys = await dumpPrefix(redis, prefix);
    expect(codesIn(keys.map((k) => `${k.key} ${k.values.join(' ')}`).join('\n'), [code(50), code(51)])).toEqual([]);
    const own = keys.filter((k) => k.key.includes(':sta-own-logins:'));
    expect(own).toHaveLength(1);
    for (const k of own) expect(await redis.pttl(k.key)).toBeGreaterThan(0);
  });
});

describe('STA_RADIUS_* configuration', () => {
  const base = { STA_API_URL: 'https://api.stademo.com', STA_TENANT_CODE: STA_TENANT, STA_API_KEY };

  it('is off unless STA_RADIUS_HOST is set, and then needs the shared secret', () => {
    expect(loadStaConfig(base).radius).toBeUndefined();
    expect(() => loadStaConfig({ ...base, STA_RADIUS_HOST: 'radius.example' })).toThrow(ConfigError);
    expect(() => loadStaConfig({ ...base, STA_RADIUS_SECRET: 'a-shared-secret' })).toThrow(/STA_RADIUS_HOST/);
  });

  it('defaults to port 1812, the NAS identifier twofa-desk, two pairs per ticket and STA’s lock-out of three', () => {
    const config = loadStaConfig({ ...base, STA_RADIUS_HOST: 'radius.example', STA_RADIUS_SECRET: 'a-shared-secret' });
    expect(config.radius).toEqual({ host: 'radius.example', port: 1812, secret: 'a-shared-secret', nasIdentifier: 'twofa-desk', timeoutMs: 5000, retries: 2, maxPairs: 2 });
    expect(config.lockout).toEqual({ threshold: 3, lookbackMs: 86_400_000 });
  });
});
