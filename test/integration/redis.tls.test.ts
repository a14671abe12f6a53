import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../workers/app.js';
import { connect } from '../../workers/cli/connect.js';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { loadConfig } from '../../workers/config.js';
import { runDemo } from '../demo/run-demo.js';
import { SCENARIOS } from '../demo/scenarios.js';
import { capturedLogger } from '../support/log-capture.js';
import { makeTlsFiles, startSentinelGroup, startTlsRedis, type SentinelGroup, type TlsFiles, type TlsRedis } from '../support/redis-servers.js';

const PASSWORD = `tls-${randomBytes(6).toString('hex')}`;

/** PING through the operator CLI's connection (fails fast), or the error it gave up with. */
async function ping(env: Record<string, string>): Promise<string> {
  try {
    const conn = await connect({ REDIS_PREFIX: 'probe', ...env });
    try {
      return await conn.redis.ping();
    } finally {
      await conn.close();
    }
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

describe('Redis over TLS (rediss://)', () => {
  let files: TlsFiles;
  let server: TlsRedis;
  let mutual: TlsRedis;
  const { log } = capturedLogger('warn');

  beforeAll(async () => {
    files = await makeTlsFiles();
    [server, mutual] = await Promise.all([startTlsRedis(files, { authClients: false, password: PASSWORD }), startTlsRedis(files, { authClients: true })]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([server?.stop(), mutual?.stop()]);
    if (files) await rm(files.dir, { recursive: true, force: true });
  });

  describe('configuration', () => {
    it('refuses TLS files with a redis:// URL, which would connect in clear text', () => {
      expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_TLS_CA_FILE: '/etc/ssl/ca.pem' })).toThrow(ConfigError);
      expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_TLS_CA_FILE: '/etc/ssl/ca.pem' })).toThrow(/^REDIS_TLS_CA_FILE: only used with TLS: set REDIS_URL to rediss:/);
    });

    it('needs the client certificate and its key together', () => {
      expect(() => loadConfig({ REDIS_URL: 'rediss://127.0.0.1:6380', REDIS_TLS_CERT_FILE: '/x.crt' })).toThrow(/^REDIS_TLS_KEY_FILE: /);
      expect(() => loadConfig({ REDIS_URL: 'rediss://127.0.0.1:6380', REDIS_TLS_KEY_FILE: '/x.key' })).toThrow(/^REDIS_TLS_CERT_FILE: /);
    });

    it('refuses a URL of another scheme', () => {
      expect(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(/^REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    });

    it('stops start-up naming REDIS_TLS_CA_FILE when the file cannot be read or holds no certificate', async () => {
      const missing = loadConfig({ REDIS_URL: server.url, REDIS_TLS_CA_FILE: join(files.dir, 'missing.pem'), PORT: '0' });
      await expect(createApp(missing, { log })).rejects.toThrow(/^REDIS_TLS_CA_FILE: cannot read .*missing\.pem: ENOENT/);
      const notPem = loadConfig({ REDIS_URL: server.url, REDIS_TLS_CA_FILE: join(files.dir, 'server.ext'), PORT: '0' });
      await expect(createApp(notPem, { log })).rejects.toThrow(/^REDIS_TLS_CA_FILE: .* holds nothing in PEM format/);
    });
  });

  describe('the server certificate is verified', () => {
    it('connects with the CA of REDIS_TLS_CA_FILE and the password of REDIS_PASSWORD', async () => {
      expect(await ping({ REDIS_URL: server.url, REDIS_TLS_CA_FILE: files.ca, REDIS_PASSWORD: PASSWORD })).toBe('PONG');
    });

    it('takes the password from the URL as well', async () => {
      expect(await ping({ REDIS_URL: `rediss://:${PASSWORD}@127.0.0.1:${server.port}`, REDIS_TLS_CA_FILE: files.ca })).toBe('PONG');
    });

    it('refuses a server whose certificate another CA signed', async () => {
      expect(await ping({ REDIS_URL: server.url, REDIS_TLS_CA_FILE: files.otherCa, REDIS_PASSWORD: PASSWORD })).toMatch(/^RedisUnreachable: .*(self-signed|unable to verify|certificate)/);
    }, 15_000);

    it('refuses it with the system CAs only (no REDIS_TLS_CA_FILE)', async () => {
      expect(await ping({ REDIS_URL: server.url, REDIS_PASSWORD: PASSWORD })).toMatch(/^RedisUnreachable: .*(self-signed|unable to verify|certificate)/);
    }, 15_000);

    it('reaches a server with a certificate for its host name (localhost)', async () => {
      expect(await ping({ REDIS_URL: `rediss://localhost:${server.port}`, REDIS_TLS_CA_FILE: files.ca, REDIS_PASSWORD: PASSWORD })).toBe('PONG');
    });
  });

  describe('a server that asks for a client certificate (tls-auth-clients yes)', () => {
    it('is refused without REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE', async () => {
      const result = await ping({ REDIS_URL: mutual.url, REDIS_TLS_CA_FILE: files.ca });
      expect(result).toMatch(/^RedisUnreachable: /);
    }, 15_000);

    it('takes the client certificate', async () => {
      expect(await ping({ REDIS_URL: mutual.url, REDIS_TLS_CA_FILE: files.ca, REDIS_TLS_CERT_FILE: files.clientCert, REDIS_TLS_KEY_FILE: files.clientKey })).toBe('PONG');
    });

    it('runs a ticket end to end over it (intake, embedded desk, BullMQ workers)', async () => {
      const scenario = SCENARIOS.find((s) => s.key === 'mobilepass-drift');
      const env = { REDIS_TLS_CA_FILE: files.ca, REDIS_TLS_CERT_FILE: files.clientCert, REDIS_TLS_KEY_FILE: files.clientKey, LOCAL_DRAIN_BACKLOG: '0', EFFECTS_INLINE: 'false' };
      const { results } = await runDemo({ redisUrl: mutual.url, prefix: `tls-${randomBytes(3).toString('hex')}`, log, env, scenarios: scenario ? [scenario] : [], deadlineMs: 30_000 });
      expect(results.map((r) => [r.state?.status, r.publicReplies])).toEqual([['resolved', 3]]);
    }, 40_000);
  });

  describe('Sentinel over TLS: the sentinels and both data servers speak TLS only', () => {
    let group: SentinelGroup;
    const sentinelPassword = `sentinel-${randomBytes(6).toString('hex')}`;
    const env = () => ({
      REDIS_URL: `rediss://${group.name}`,
      REDIS_SENTINELS: group.sentinels.join(','),
      REDIS_SENTINEL_NAME: group.name,
      REDIS_SENTINEL_TLS: 'true',
      REDIS_SENTINEL_PASSWORD: sentinelPassword,
      REDIS_PASSWORD: PASSWORD,
      REDIS_TLS_CA_FILE: files.ca,
    });

    beforeAll(async () => {
      group = await startSentinelGroup({ password: PASSWORD, sentinelPassword, tls: files });
    }, 40_000);

    afterAll(async () => {
      await group?.stop();
    });

    it('reaches the master with REDIS_SENTINEL_TLS and a rediss:// REDIS_URL (its host is not used)', async () => {
      expect(await ping(env())).toBe('PONG');
    });

    it('refuses sentinels whose certificate another CA signed', async () => {
      expect(await ping({ ...env(), REDIS_TLS_CA_FILE: files.otherCa })).toMatch(/^RedisUnreachable: /);
    }, 15_000);

    it('runs a ticket end to end', async () => {
      const scenario = SCENARIOS.find((s) => s.key === 'kt4-out-of-sync');
      const { results } = await runDemo({ redisUrl: env().REDIS_URL, prefix: `stls-${randomBytes(3).toString('hex')}`, log, env: env(), scenarios: scenario ? [scenario] : [], deadlineMs: 30_000 });
      expect(results.map((r) => [r.state?.status, r.publicReplies])).toEqual([['resolved', 3]]);
    }, 40_000);
  });

  it('RedisUnreachable never prints the password of the URL', async () => {
    const result = await ping({ REDIS_URL: `rediss://:${PASSWORD}@127.0.0.1:${server.port}`, REDIS_TLS_CA_FILE: files.otherCa });
    expect(result).toMatch(/^RedisUnreachable: /);
    expect(result).not.toContain(PASSWORD);
  }, 15_000);

});
