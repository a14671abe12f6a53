import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PrivacyIdeaConfig } from '../../integrations/twofa/privacyidea/config.js';
import { privacyIdeaPeer, type PrivacyIdeaPeer } from './privacyidea-peer.js';

/**
 * A realm of its own on the run's real privacyIDEA (test/support/privacyidea-peer.ts), for tests that resync, log in
 * and fail logins: fresh users with one HOTP token each (random secrets), a local admin and an API-token admin whose
 * admin policies cover only that realm. The seeded realm, users, tokens and policies are left as they are; teardown
 * removes everything setup made. Changes the tests make to the server go through the seeded super admin's REST API.
 */

export interface RealToken {
  user: string;
  serial: string;
  secretHex: string;
}

export interface RealFixture {
  peer: PrivacyIdeaPeer;
  realm: string;
  admin: { username: string; password: string };
  /** the admin a static API token (pi-manage api createtoken) acts as */
  apiAdmin: string;
  apiToken: string;
  tokens: RealToken[];
  token(user: string): RealToken;
  /** adapter config: password login as the fixture's admin, or with its API token */
  config(credentials?: 'password' | 'token', over?: Partial<PrivacyIdeaConfig>): PrivacyIdeaConfig;
  /** PRIVACYIDEA_* variables for `platform check` */
  env(credentials?: 'password' | 'token'): NodeJS.ProcessEnv;
  /** the admin policy actions of both fixture admins (comma-separated, as in the web UI) */
  setActions(actions: string): Promise<void>;
  /** the token as privacyIDEA holds it */
  state(serial: string): Promise<{ count: number; failcount: number; maxfail: number }>;
  /** HOTP code of the token at `counter` */
  code(t: RealToken, counter: number): string;
  /** a login at POST /validate/check: privacyIDEA's answer and message */
  login(user: string, pass: string): Promise<{ value: boolean; message: string }>;
  /** the token's max fail count (POST /token/set max_failcount), so a test reaches the limit with fewer wrong logins */
  setMaxFail(serial: string, n: number): Promise<void>;
  /** `n` logins with a wrong code: the token's fail counter goes up by `n` (up to maxfail) */
  failLogins(user: string, n: number): Promise<void>;
  /** what an agent does in the web UI: Tokens > serial > Reset fail counter */
  resetFailCounter(serial: string): Promise<void>;
  teardown(): Promise<void>;
}

/** Actions the bot needs (README set-up), with `reset`. */
export const BOT_ACTIONS = 'userlist, tokenlist, resync, reset, auditlog';

const SCRIPT = join(fileURLToPath(new URL('.', import.meta.url)), 'privacyidea-real-fixture.py');

function runScript(peer: PrivacyIdeaPeer, mode: 'setup' | 'teardown', spec: object): Promise<string> {
  const src = join(peer.workDir, `privacyidea-${peer.seed.privacyidea_version}`);
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [SCRIPT, mode, peer.workDir, JSON.stringify(spec)], {
      cwd: src,
      env: { ...process.env, PYTHONPATH: `${join(peer.workDir, 'shims')}:${src}`, PRIVACYIDEA_CONFIGFILE: join(peer.workDir, 'etc', 'pi.cfg'), PI_CONFIG_NAME: 'production', TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`privacyidea-real-fixture.py ${mode} exit ${String(code)}: ${err.slice(-2000)}`))));
  });
}

function hotp(secretHex: string, counter: number): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = createHmac('sha1', Buffer.from(secretHex, 'hex')).update(msg).digest();
  const o = (h[19] ?? 0) & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

interface Envelope {
  result: { status: boolean; value?: unknown; error?: { code: number; message: string } };
  detail?: { message?: string } | null;
}

/** Sets up a fixture realm named after `name` (a few letters), with `users` (names) and the admins' `actions`. */
export async function realFixture(name: string, users: string[], actions = BOT_ACTIONS): Promise<RealFixture> {
  const peer = privacyIdeaPeer();
  const id = `${name}-${randomBytes(3).toString('hex')}`;
  const spec = {
    realm: `real-${id}`,
    resolver: `real-${id}`,
    users: users.map((u) => `${u}-${id}`),
    admin: `bot-${id}`,
    password: `Pw-${randomBytes(9).toString('base64url')}`,
    apiAdmin: `api-${id}`,
    actions,
  };
  const out = await runScript(peer, 'setup', spec);
  const line = out.split('\n').find((l) => l.startsWith('FIXTURE_JSON '));
  if (!line) throw new Error(`privacyidea-real-fixture.py setup printed no FIXTURE_JSON: ${out.slice(-500)}`);
  const made = JSON.parse(line.slice('FIXTURE_JSON '.length)) as { apiToken: string; tokens: Array<{ user: string; serial: string; secret_hex: string }> };
  const tokens = made.tokens.map((t) => ({ user: t.user, serial: t.serial, secretHex: t.secret_hex }));

  const superAdmin = peer.seed.admins.find((a) => a.actions.trim() === '*');
  if (!superAdmin) throw new Error('seed.json has no super admin');
  let jwt: string | undefined;
  async function asSuperAdmin(method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<Envelope> {
    if (jwt === undefined) {
      const res = await fetch(`${peer.url}/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: superAdmin?.username, password: superAdmin?.password }) });
      jwt = ((await res.json()) as { result: { value: { token: string } } }).result.value.token;
    }
    // A GET with a JSON content type and no body is refused by privacyIDEA (peer README, quirks).
    const res = await fetch(`${peer.url}${path}`, {
      method,
      headers: { 'PI-Authorization': jwt, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const env = (await res.json()) as Envelope;
    if (!env.result.status) throw new Error(`${method} ${path}: HTTP ${res.status} ${env.result.error?.message ?? ''}`);
    return env;
  }

  const config = (credentials: 'password' | 'token' = 'password', over: Partial<PrivacyIdeaConfig> = {}): PrivacyIdeaConfig => ({
    url: peer.url,
    realm: spec.realm,
    credentials: credentials === 'password' ? { kind: 'password', username: spec.admin, password: spec.password } : { kind: 'token', token: made.apiToken },
    timeoutMs: 10_000,
    retries: 1,
    guard: { rateLimit: 10_000, rateWindowMs: 60_000, maxRateWaitMs: 1000, breakerFailures: 50, breakerCoolDownMs: 1000 },
    ...over,
  });

  async function login(user: string, pass: string): Promise<{ value: boolean; message: string }> {
    const res = await fetch(`${peer.url}/validate/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, realm: spec.realm, pass }) });
    const env = (await res.json()) as Envelope;
    return { value: env.result.value === true, message: env.detail?.message ?? '' };
  }

  return {
    peer,
    realm: spec.realm,
    admin: { username: spec.admin, password: spec.password },
    apiAdmin: spec.apiAdmin,
    apiToken: made.apiToken,
    tokens,
    token(user) {
      const t = tokens.find((x) => x.user === `${user}-${id}` || x.user === user);
      if (!t) throw new Error(`no fixture token for ${user}`);
      return t;
    },
    config,
    env(credentials = 'password') {
      return {
        PRIVACYIDEA_URL: peer.url,
        PRIVACYIDEA_REALM: spec.realm,
        ...(credentials === 'password' ? { PRIVACYIDEA_ADMIN_USER: spec.admin, PRIVACYIDEA_ADMIN_PASSWORD: spec.password } : { PRIVACYIDEA_API_TOKEN: made.apiToken }),
      };
    },
    async setActions(list) {
      for (const admin of [spec.admin, spec.apiAdmin]) {
        await asSuperAdmin('POST', `/policy/${admin}`, { scope: 'admin', action: list, realm: spec.realm, adminuser: admin, active: true });
      }
    },
    async state(serial) {
      const env = await asSuperAdmin('GET', `/token/?serial=${encodeURIComponent(serial)}`);
      const t = (env.result.value as { tokens: Array<{ count: number; failcount: number; maxfail: number }> }).tokens[0];
      if (!t) throw new Error(`no token ${serial}`);
      return { count: t.count, failcount: t.failcount, maxfail: t.maxfail };
    },
    code: (t, counter) => hotp(t.secretHex, counter),
    login,
    async failLogins(user, n) {
      for (let i = 0; i < n; i++) await login(user, 'not-a-code');
    },
    async setMaxFail(serial, n) {
      await asSuperAdmin('POST', '/token/set', { serial, max_failcount: n });
    },
    async resetFailCounter(serial) {
      await asSuperAdmin('POST', '/token/reset', { serial });
    },
    async teardown() {
      await runScript(peer, 'teardown', spec);
    },
  };
}
