import { execFile } from 'node:child_process';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../workers/cli/tenants-check.js';
import { writeGeneratedSeed } from '../support/generated-seed.js';

const BIN = fileURLToPath(new URL('../../workers/cli/twofa-desk.mjs', import.meta.url));
const DEMO_SEED = fileURLToPath(new URL('../../integrations/twofa/local/demo-seed.json', import.meta.url));
const PASSWORD = 'down-pi-password-31337';

async function check(env: Record<string, string>, args = ['check']): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await run({ args, env, out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { code, out: lines.join('\n') };
}

/** A port nothing listens on: taken from the system, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('twofa-desk tenants check', () => {
  let dir: string;
  let generatedSeed: string;
  let port: number;
  const localTenants = () => `tenants:
  - id: demo
    name: Demo Corp
    match: { organizations: ["100"], emailDomains: [example.com] }
    platform: { kind: local, settings: { TWOFA_LOCAL_SEED: ${JSON.stringify(DEMO_SEED)} } }
  - id: load
    name: Load Ltd
    match: { emailDomains: [load.example], tags: [customer_load] }
    platform: { kind: local, settings: { TWOFA_LOCAL_SEED: ${JSON.stringify(generatedSeed)} } }
`;
  const downTenant = () => `  - id: down
    match: { organizations: ["300"] }
    platform:
      kind: privacyidea
      settings:
        PRIVACYIDEA_URL: http://127.0.0.1:${port}
        PRIVACYIDEA_REALM: down
        PRIVACYIDEA_ADMIN_USER: twofa-bot
        PRIVACYIDEA_ADMIN_PASSWORD: { env: DOWN_PI_PASSWORD }
        PRIVACYIDEA_TIMEOUT_MS: 2000
`;
  const file = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tenants-check-'));
    generatedSeed = (await writeGeneratedSeed(25)).path;
    port = await closedPort();
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await unlink(generatedSeed).catch(() => undefined);
  });

  it('checks each tenant on its own embedded platform, prints its routing rules, and exits 0 when all are ready', async () => {
    const { code, out } = await check({ TENANTS_FILE: await file('two.yaml', localTenants()) });
    expect(out).toContain('✓ 2 tenants, routing rules without overlaps');
    expect(out).toContain('tenant demo (Demo Corp): local');
    expect(out).toContain('  routes: organization 100; email domain example.com');
    expect(out).toContain(`· embedded platform, seed ${DEMO_SEED}`);
    expect(out).toContain('✓ 10 users, 2 groups');
    expect(out).toContain('tenant load (Load Ltd): local');
    expect(out).toContain('  routes: email domain load.example; tag customer_load');
    expect(out).toContain(`· embedded platform, seed ${generatedSeed}`);
    expect(out).toContain('✓ 25 users, 1 groups');
    expect(out).toContain('✓ all 2 tenants ready');
    expect(out).not.toContain('✗');
    expect(code).toBe(0);
  });

  it('prints a ✗ line for a tenant whose platform does not answer and exits 1, the others still ready, no secret printed', async () => {
    const { code, out } = await check({ TENANTS_FILE: await file('three.yaml', localTenants() + downTenant()), DOWN_PI_PASSWORD: PASSWORD });
    expect(out).toContain('tenant down (down): privacyidea');
    expect(out).toContain('✗ privacyidea did not answer (log in: ECONNREFUSED');
    expect(out).toContain('✗ tenant down not ready');
    expect(out.match(/ {2}✓ ready/g)).toHaveLength(2);
    expect(out).toContain('✗ 1 of 3 tenants not ready');
    expect(out).not.toContain(PASSWORD);
    expect(code).toBe(1);
  });

  it("uses only the tenant's settings, never the process's platform variables", async () => {
    const { code, out } = await check({
      TENANTS_FILE: await file('own.yaml', localTenants()),
      TWOFA_PLATFORM: 'privacyidea',
      TWOFA_LOCAL_SEED: join(dir, 'missing-seed.json'),
    });
    expect(out).toContain(`· embedded platform, seed ${DEMO_SEED}`);
    expect(code).toBe(0);
  });

  it('prints each problem of an invalid file as a ✗ line and exits 1', async () => {
    const text = `${localTenants()}  - id: clash\n    match: { emailDomains: [Load.Example] }\n    platform: { kind: local }\n${downTenant()}`;
    const { code, out } = await check({ TENANTS_FILE: await file('bad.yaml', text) });
    expect(out).toContain("✗ tenant 'down', platform.settings.PRIVACYIDEA_ADMIN_PASSWORD: environment variable DOWN_PI_PASSWORD is not set");
    expect(out).toContain("✗ tenants 'load' and 'clash', match.emailDomains: email domain 'load.example' is in both");
    expect(out).toContain('✗ not ready: fix TENANTS_FILE');
    expect(code).toBe(1);
  });

  it('says TENANTS_FILE is not set', async () => {
    const { code, out } = await check({});
    expect(out).toMatch(/^✗ TENANTS_FILE: not set/);
    expect(code).toBe(1);
  });

  it('refuses another sub-command', async () => {
    await expect(check({}, ['list'])).rejects.toThrow("unexpected argument 'list'");
  });

  it('is the `tenants` command of the real twofa-desk', async () => {
    const path = await file('bin.yaml', localTenants());
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'tenants', 'check'], { env: { PATH: process.env.PATH ?? '', TENANTS_FILE: path }, timeout: 30_000 });
    expect(stdout).toContain('✓ all 2 tenants ready');
  });
});
