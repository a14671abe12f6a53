import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../workers/cli/platform-check.js';
import { PI_ADMIN_PASSWORD, PI_REALM, piSeed, startFakePrivacyIdea, type FakePrivacyIdea } from '../support/fake-privacyidea.js';
import { staSeed, startFakeSta, type FakeSta } from '../support/fake-sta.js';
import { staEnv, staRadiusEnv, STA_RADIUS_SECRET, startFakeStaWithRadius, type FakeStaWithRadius } from '../support/demo-platform-fakes.js';

const BIN = fileURLToPath(new URL('../../workers/cli/twofa-desk.mjs', import.meta.url));

/** The real `twofa-desk` command in its own process: exit code and what it printed. */
async function twofaDesk(env: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: e.code ?? -1, out: e.stdout ?? '' };
  }
}

/** The command in this process, for the cases that need no second process to prove anything. */
async function check(env: Record<string, string>, args = ['check']): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await run({ args, env, out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { code, out: lines.join('\n') };
}

describe('twofa-desk platform check', () => {
  let pi: FakePrivacyIdea;
  let sta: FakeSta;
  let dir: string;
  const piEnv = () => ({ TWOFA_PLATFORM: 'privacyidea', PRIVACYIDEA_URL: pi.url, PRIVACYIDEA_REALM: PI_REALM, PRIVACYIDEA_ADMIN_USER: 'helpdesk', PRIVACYIDEA_ADMIN_PASSWORD: PI_ADMIN_PASSWORD });
  const staCheckEnv = (over: Record<string, string> = {}) => ({ ...staEnv(sta), ...over });

  beforeAll(async () => {
    pi = await startFakePrivacyIdea(piSeed());
    sta = await startFakeSta(staSeed());
    dir = await mkdtemp(join(tmpdir(), 'platform-check-'));
  });

  afterAll(async () => {
    await pi.close();
    await sta.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('privacyIDEA (the real command, against the fake server)', () => {
    it('prints ✓ for every permission and exits 0', async () => {
      const { code, out } = await twofaDesk(piEnv(), 'platform', 'check');
      expect(out).toContain('2FA platform: privacyidea');
      expect(out).toMatch(/✓ logged in \(role admin\)/);
      expect(out).toContain('✓ users of the realm can be searched');
      expect(out).toContain('✓ the audit log can be read');
      expect(out).toContain('✓ ready');
      expect(out).not.toContain('✗');
      expect(code).toBe(0);
    });

    it('names the missing admin policy action and exits 1, without printing the password', async () => {
      pi.rights.delete('resync');
      try {
        const { code, out } = await twofaDesk(piEnv(), 'platform', 'check');
        expect(out).toContain('✗ missing admin policy action "resync" to resync tokens (POST /token/resync)');
        expect(out).toContain('✗ not ready');
        expect(out).not.toContain(PI_ADMIN_PASSWORD);
        expect(code).toBe(1);
      } finally {
        pi.rights.add('resync');
      }
    });
  });

  describe('SafeNet Trusted Access', () => {
    it('checks the REST API and BSIDCA and says which steps go to a human', async () => {
      const { code, out } = await check(staCheckEnv());
      expect(out).toContain('✓ the API key is valid for the tenant');
      expect(out).toContain('✓ BSIDCA Connect accepted the operator');
      expect(out).toMatch(/RADIUS not configured \(STA_RADIUS_HOST, STA_RADIUS_SECRET\)/);
      expect(out).toMatch(/KT-4 challenge\/response resync: no documented API/);
      expect(code).toBe(0);
    });

    it('reports a key the tenant refuses on every line it breaks, and exits 1 without printing the key', async () => {
      const { code, out } = await check(staCheckEnv({ STA_API_KEY: 'not-the-right-key-0000' }));
      expect(out).toMatch(/✗ validate the API key for the tenant \(Diagnostics\): .*STA_API_KEY/);
      expect(out).not.toContain('not-the-right-key-0000');
      expect(code).toBe(1);
    });

    it('reports an operator BSIDCA refuses', async () => {
      const { code, out } = await check(staCheckEnv({ STA_SOAP_PASSWORD: 'wrong-password' }));
      expect(out).toMatch(/✗ BSIDCA Connect: .*STA_SOAP_USER, STA_SOAP_PASSWORD/);
      expect(code).toBe(1);
    });
  });

  describe('SafeNet Trusted Access with RADIUS (STA_RADIUS_*)', () => {
    let fake: FakeStaWithRadius;
    const radiusEnv = (over: Record<string, string> = {}) => ({ ...staEnv(fake.sta), ...staRadiusEnv(fake.radius, { STA_RADIUS_TIMEOUT_MS: '300', ...over }) });

    beforeAll(async () => {
      fake = await startFakeStaWithRadius(staSeed());
    });
    afterAll(async () => fake.close());

    it('passes on a Reject for a user that cannot exist: the auth node and the shared secret are right', async () => {
      const { code, out } = await check(radiusEnv());
      expect(out).toMatch(/✓ RADIUS 127\.0\.0\.1:\d+ answered \(Access-Reject for a user that does not exist\)/);
      expect(code).toBe(0);
      const probe = fake.radius.requests.at(-1);
      expect(probe?.userName).toMatch(/^twofa-desk-check-[0-9a-f]{12}$/);
      // no real user was tried, so nobody's lock-out counter moved
      expect(fake.radius.failures('alice')).toBe(0);
    });

    it('fails on silence (STA drops requests from an unknown auth node or with a wrong secret), naming the variables', async () => {
      fake.radius.setSilent(true);
      try {
        const { code, out } = await check(radiusEnv());
        expect(out).toMatch(/✗ RADIUS 127\.0\.0\.1:\d+: no answer .*STA_RADIUS_HOST and STA_RADIUS_PORT/);
        expect(code).toBe(1);
      } finally {
        fake.radius.setSilent(false);
      }
    });

    it('fails on a wrong shared secret without printing either secret', async () => {
      const { code, out } = await check(radiusEnv({ STA_RADIUS_SECRET: 'not-the-auth-node-secret' }));
      expect(out).toMatch(/✗ RADIUS/);
      expect(out).not.toContain('not-the-auth-node-secret');
      expect(out).not.toContain(STA_RADIUS_SECRET);
      expect(code).toBe(1);
    });
  });

  describe('local (embedded)', () => {
    it('reads the default seed and counts its users', async () => {
      const { code, out } = await check({});
      expect(out).toContain('2FA platform: local');
      expect(out).toMatch(/✓ 10 users, 2 groups/);
      expect(code).toBe(0);
    });

    it('names the seed file it cannot read, or the bad field', async () => {
      expect(await check({ TWOFA_LOCAL_SEED: join(dir, 'missing.json') })).toMatchObject({ code: 1, out: expect.stringMatching(/✗ TWOFA_LOCAL_SEED: cannot read .*missing\.json \(ENOENT\)/) });
      const bad = join(dir, 'bad.json');
      await writeFile(bad, JSON.stringify({ users: [{ id: 'u1', userName: 'a', firstName: 'A', lastName: 'B' }], groups: [], memberships: [], tokens: [{ serial: 'S', userId: 'u9', kind: 'mobilepass', secret: 'E22QIDWL2NM7AIKYUQBOOC45U5KMXAKJ', counter: 0, state: 'active' }] }));
      expect(await check({ TWOFA_LOCAL_SEED: bad })).toMatchObject({ code: 1, out: expect.stringMatching(/✗ TWOFA_LOCAL_SEED: tokens\[0\]\.userId: no user "u9"/) });
    });
  });

  it('names a TWOFA_PLATFORM it does not know, and refuses other sub-commands', async () => {
    expect(await check({ TWOFA_PLATFORM: 'okta' })).toMatchObject({ code: 1, out: expect.stringMatching(/^✗ TWOFA_PLATFORM: /) });
    await expect(check({}, ['list'])).rejects.toThrow(/unexpected argument 'list'/);
  });
});
