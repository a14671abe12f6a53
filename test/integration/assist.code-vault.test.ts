import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodeVault, VaultKeyInvalid, vaultKey, type HeldCodes } from '../../workers/assist/code-vault.js';
import { register } from '../../workers/http/assist-routes.js';
import { Keys } from '../../workers/store/keys.js';
import { capturedLogger } from '../support/log-capture.js';
import { deletePrefix, dumpPrefix, freshPrefix, newRedis } from '../support/redis.js';

type TestApp = Pick<FastifyInstance, 'inject' | 'close'>;

const ADMIN_TOKEN = 'admin-token-for-the-assist-test-0123456789';
const TK = 'zendesk:4711';
const CODES = ['482913', '067215'];

function held(overrides: Partial<HeldCodes> = {}): HeldCodes {
  return {
    codes: CODES,
    userName: 'Ada Lovelace',
    serial: 'GALT00012345',
    tokenType: 'MobilePASS+',
    consoleSteps: '1. Users > Ada Lovelace > Tokens\n2. Select the token, then Resync\n3. Type the first code, then the second',
    ticket: '#4711',
    ...overrides,
  };
}

/** Each code as it could leak: as text, in base64 and base64url, in hex. */
function leakForms(code: string): string[] {
  const bytes = Buffer.from(code, 'utf8');
  return [code, bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url'), bytes.toString('hex')];
}

const redis = newRedis();
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) await deletePrefix(redis, p);
  redis.disconnect();
});

function vaultOn(prefix: string, o: { key?: Buffer; ttlMs?: number; now?: () => number } = {}): CodeVault {
  return new CodeVault({ redis, prefix, key: o.key ?? vaultKey(ADMIN_TOKEN), ...(o.ttlMs ? { ttlMs: o.ttlMs } : {}), ...(o.now ? { now: o.now } : {}) });
}

describe('CodeVault', () => {
  let prefix: string;
  let keys: Keys;
  beforeEach(() => {
    prefix = freshPrefix('vault');
    prefixes.push(prefix);
    keys = new Keys(prefix);
  });

  describe('hold', () => {
    it('keeps no code in clear in Redis, in any encoding', async () => {
      const vault = vaultOn(prefix, { now: () => 1_700_000_000_000 });
      const { linkId } = await vault.hold(TK, held());
      const dump = await dumpPrefix(redis, prefix);
      expect(dump.map((d) => d.key).sort()).toEqual([keys.assistCodes(linkId), keys.assistOfTicket(TK)].sort());
      const text = dump.map((d) => [d.key, ...d.values].join('\n')).join('\n');
      for (const code of CODES) for (const form of leakForms(code)) expect(text).not.toContain(form);
      expect(text).not.toContain(CODES.join(''));
    });

    it('gives an unguessable base64url link id, and both keys expire within ten minutes', async () => {
      const { linkId, expiresAt } = await vaultOn(prefix).hold(TK, held());
      expect(linkId).toMatch(/^[A-Za-z0-9_-]{22,}$/);
      expect(Buffer.from(linkId, 'base64url').length).toBeGreaterThanOrEqual(16);
      expect(expiresAt).toBeGreaterThan(Date.now() + 590_000);
      for (const key of [keys.assistCodes(linkId), keys.assistOfTicket(TK)]) {
        const pttl = await redis.pttl(key);
        expect(pttl).toBeGreaterThan(0);
        expect(pttl).toBeLessThanOrEqual(600_000);
      }
    });

    it('replaces an older hold for the same ticket: the first link no longer opens', async () => {
      const vault = vaultOn(prefix);
      const first = await vault.hold(TK, held());
      const second = await vault.hold(TK, held({ codes: ['111222', '333444'] }));
      expect(await vault.describe(first.linkId)).toBeUndefined();
      expect(await vault.take(first.linkId)).toBeUndefined();
      expect((await vault.take(second.linkId))?.codes).toEqual(['111222', '333444']);
    });

    it('keeps holds of different tickets apart', async () => {
      const vault = vaultOn(prefix);
      const a = await vault.hold(TK, held());
      const b = await vault.hold('zendesk:4712', held({ ticket: '#4712' }));
      expect((await vault.take(a.linkId))?.ticket).toBe('#4711');
      expect((await vault.take(b.linkId))?.ticket).toBe('#4712');
    });

    it('refuses a key that is not 32 bytes', () => {
      expect(() => vaultOn(prefix, { key: randomBytes(16) })).toThrow(VaultKeyInvalid);
    });
  });

  describe('take', () => {
    it('returns the codes and their context once, then nothing, and leaves no key behind', async () => {
      const vault = vaultOn(prefix);
      const { linkId } = await vault.hold(TK, held());
      expect(await vault.take(linkId)).toEqual(held());
      expect(await vault.take(linkId)).toBeUndefined();
      expect(await vault.describe(linkId)).toBeUndefined();
      expect(await dumpPrefix(redis, prefix)).toEqual([]);
    });

    it('returns nothing once the codes expired in Redis', async () => {
      const vault = vaultOn(prefix, { ttlMs: 100 });
      const { linkId } = await vault.hold(TK, held());
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await vault.describe(linkId)).toBeUndefined();
      expect(await vault.take(linkId)).toBeUndefined();
      expect(await dumpPrefix(redis, prefix)).toEqual([]);
    });

    it('returns nothing once the hold is past its expiry by the clock, even if Redis still has it', async () => {
      let now = 1_700_000_000_000;
      const vault = vaultOn(prefix, { now: () => now });
      const { linkId, expiresAt } = await vault.hold(TK, held());
      expect(expiresAt).toBe(now + 600_000);
      now = expiresAt;
      expect(await vault.describe(linkId)).toBeUndefined();
      expect(await vault.take(linkId)).toBeUndefined();
    });

    it('cannot decrypt with another key: nothing, no error', async () => {
      const { linkId } = await vaultOn(prefix).hold(TK, held());
      await expect(vaultOn(prefix, { key: vaultKey('another-admin-token') }).take(linkId)).resolves.toBeUndefined();
    });

    it('returns nothing for a tampered ciphertext', async () => {
      const vault = vaultOn(prefix);
      const { linkId } = await vault.hold(TK, held());
      const record = JSON.parse((await redis.get(keys.assistCodes(linkId))) as string) as { ct: string };
      const ct = Buffer.from(record.ct, 'base64');
      ct[0] = (ct[0] ?? 0) ^ 0x01;
      await redis.set(keys.assistCodes(linkId), JSON.stringify({ ...record, ct: ct.toString('base64') }), 'PX', 60_000);
      await expect(vault.take(linkId)).resolves.toBeUndefined();
    });

    it('returns nothing for a record copied under another link id (the id is authenticated)', async () => {
      const vault = vaultOn(prefix);
      const { linkId } = await vault.hold(TK, held());
      const otherId = randomBytes(16).toString('base64url');
      await redis.set(keys.assistCodes(otherId), (await redis.get(keys.assistCodes(linkId))) as string, 'PX', 60_000);
      await expect(vault.take(otherId)).resolves.toBeUndefined();
    });

    it('returns nothing for an unknown, malformed or garbage record', async () => {
      const vault = vaultOn(prefix);
      const garbageId = randomBytes(16).toString('base64url');
      await redis.set(keys.assistCodes(garbageId), 'not json', 'PX', 60_000);
      expect(await vault.take(garbageId)).toBeUndefined();
      expect(await vault.take(randomBytes(16).toString('base64url'))).toBeUndefined();
      expect(await vault.take('../not a link id')).toBeUndefined();
    });
  });

  describe('describe', () => {
    it('tells what the codes are for without revealing or consuming them', async () => {
      let now = 1_700_000_000_000;
      const vault = vaultOn(prefix, { now: () => now });
      const { linkId, expiresAt } = await vault.hold(TK, held());
      const about = await vault.describe(linkId);
      const { codes: _codes, ...context } = held();
      expect(about).toEqual({ ...context, expiresAt });
      expect(JSON.stringify(about)).not.toContain(CODES[0]);
      now += 1;
      expect((await vault.take(linkId))?.codes).toEqual(CODES);
    });
  });

  describe('drop', () => {
    it('deletes what is held for the ticket, and nothing of another ticket', async () => {
      const vault = vaultOn(prefix);
      const { linkId } = await vault.hold(TK, held());
      const other = await vault.hold('zendesk:4712', held({ ticket: '#4712' }));
      await vault.drop(TK);
      expect(await vault.take(linkId)).toBeUndefined();
      expect(await redis.exists(keys.assistOfTicket(TK))).toBe(0);
      expect(await vault.describe(other.linkId)).toBeDefined();
    });

    it('is harmless for a ticket with nothing held', async () => {
      await expect(vaultOn(prefix).drop('zendesk:0')).resolves.toBeUndefined();
    });
  });
});

describe('the one-time code page', () => {
  let prefix: string;
  let vault: CodeVault;
  let app: TestApp;
  /** the log lines of every app a test started: scanned for the codes after each test */
  let logs: string[][] = [];
  const logText = () => logs.flat().join('\n');
  const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };

  async function appWith(adminToken: string | undefined): Promise<TestApp> {
    const captured = capturedLogger('trace');
    logs.push(captured.lines);
    const a = Fastify({ loggerInstance: captured.log });
    await a.register(async (instance) => register(instance, { vault, adminToken }));
    await a.ready();
    return a;
  }

  beforeEach(async () => {
    logs = [];
    prefix = freshPrefix('assist');
    prefixes.push(prefix);
    vault = vaultOn(prefix);
    app = await appWith(ADMIN_TOKEN);
  });
  afterEach(async () => {
    await app.close();
    expect(logText()).toContain('incoming request');
    for (const code of CODES) expect(logText()).not.toContain(code);
  });

  it('answers 403 when ADMIN_TOKEN is not configured, even from this machine', async () => {
    const open = await appWith(undefined);
    const { linkId } = await vault.hold(TK, held());
    for (const method of ['GET', 'POST'] as const) {
      const res = await open.inject({ method, url: `/assist/${linkId}` });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ message: 'set ADMIN_TOKEN: the one-time code page is served only behind it' });
    }
    await open.close();
    expect(await vault.describe(linkId)).toBeDefined();
  });

  it('answers 401 without the token and with a wrong one, and consumes nothing', async () => {
    const { linkId } = await vault.hold(TK, held());
    expect((await app.inject({ method: 'GET', url: `/assist/${linkId}` })).statusCode).toBe(401);
    const wrong = await app.inject({ method: 'POST', url: `/assist/${linkId}`, headers: { authorization: 'Bearer not-the-admin-token' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['www-authenticate']).toContain('Basic');
    expect(await vault.describe(linkId)).toBeDefined();
  });

  it('answers 400 with a reason for a malformed link id', async () => {
    for (const bad of ['short', 'has*stars*in*it-0123456789abcdef', 'x'.repeat(65)]) {
      const res = await app.inject({ method: 'GET', url: `/assist/${bad}`, headers: bearer });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'bad_link', message: expect.stringContaining('linkId') });
    }
  });

  it('GET shows the ticket, user, serial, token type and steps, not the codes, and does not consume them', async () => {
    const { linkId } = await vault.hold(TK, held());
    for (let i = 0; i < 2; i++) {
      const res = await app.inject({ method: 'GET', url: `/assist/${linkId}`, headers: bearer });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      for (const text of ['#4711', 'Ada Lovelace', 'GALT00012345', 'MobilePASS+', 'Select the token, then Resync', 'Show the codes (once)']) expect(res.body).toContain(text);
      expect(res.body).toContain(`<form method="post" action="/assist/${linkId}">`);
      for (const code of CODES) expect(res.body).not.toContain(code);
    }
    expect(await vault.describe(linkId)).toBeDefined();
  });

  it('POST shows the codes in order, once: a second POST and a reload answer 410', async () => {
    const { linkId } = await vault.hold(TK, held());
    const basic = `Basic ${Buffer.from(`agent:${ADMIN_TOKEN}`).toString('base64')}`;
    const shown = await app.inject({
      method: 'POST',
      url: `/assist/${linkId}`,
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      payload: '',
    });
    expect(shown.statusCode).toBe(200);
    const first = shown.body.indexOf(CODES[0] as string);
    const second = shown.body.indexOf(CODES[1] as string);
    expect(first).toBeGreaterThan(shown.body.indexOf('first box'));
    expect(second).toBeGreaterThan(shown.body.indexOf('second box'));
    expect(shown.body.indexOf('second box')).toBeGreaterThan(first);
    expect(shown.body).toContain('Select the token, then Resync');
    expect(logText()).toContain('one-time resync codes shown');

    for (const method of ['POST', 'GET'] as const) {
      const again = await app.inject({ method, url: `/assist/${linkId}`, headers: bearer });
      expect(again.statusCode).toBe(410);
      expect(again.body).toContain('already shown or expired: ask the requester for two new codes');
      for (const code of CODES) expect(again.body).not.toContain(code);
    }
  });

  it('answers 410 for a link that expired or never existed', async () => {
    const res = await app.inject({ method: 'GET', url: `/assist/${randomBytes(16).toString('base64url')}`, headers: bearer });
    expect(res.statusCode).toBe(410);
    expect(res.headers['content-type']).toContain('text/html');
  });

  it('refuses a POST a browser marks as coming from another site, and keeps the codes', async () => {
    const { linkId } = await vault.hold(TK, held());
    const res = await app.inject({ method: 'POST', url: `/assist/${linkId}`, headers: { ...bearer, 'sec-fetch-site': 'cross-site' } });
    expect(res.statusCode).toBe(403);
    expect(await vault.describe(linkId)).toBeDefined();
  });

  it('escapes every user-controlled text on both pages', async () => {
    const attack = '<img src=x onerror=alert(1)>';
    const { linkId } = await vault.hold(TK, held({ userName: attack, serial: `"${attack}`, consoleSteps: `</pre>${attack}`, ticket: `'${attack}` }));
    for (const method of ['GET', 'POST'] as const) {
      const res = await app.inject({ method, url: `/assist/${linkId}`, headers: bearer });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('<img');
      expect(res.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
  });

  it('sends headers that keep the page out of caches, indexes, frames and referrers', async () => {
    const { linkId } = await vault.hold(TK, held());
    const responses = [
      await app.inject({ method: 'GET', url: `/assist/${linkId}`, headers: bearer }),
      await app.inject({ method: 'POST', url: `/assist/${linkId}`, headers: bearer }),
      await app.inject({ method: 'POST', url: `/assist/${linkId}`, headers: bearer }),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 410]);
    for (const res of responses) {
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-robots-tag']).toBe('noindex');
      expect(res.body).not.toMatch(/<(script|link|img|iframe)\b/i);
    }
  });
});
