import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TenantRegistry } from '../../workers/tenants/registry.js';
import type { TenantSet } from '../../workers/tenants/tenant-config.js';
import { TenantsFileError } from '../../workers/tenants/tenants-file-error.js';
import { parsePolicy } from '../../workflows/resync/policy.js';
import { capturedLogger } from '../support/log-capture.js';
import { waitFor } from '../support/wait-for.js';

const BASE = parsePolicy();
const PASSWORD = 'acme-pi-password-42';

function fileText(opts: { beta?: boolean; acmeConcurrency?: number; literalPassword?: boolean } = {}): string {
  const password = opts.literalPassword ? PASSWORD : '{ env: ACME_PI_PASSWORD }';
  return `tenants:
  - id: acme
    match: { organizations: ["4711"] }
    platform:
      kind: privacyidea
      settings:
        PRIVACYIDEA_URL: https://pi.acme.example
        PRIVACYIDEA_REALM: acme
        PRIVACYIDEA_ADMIN_USER: twofa-bot
        PRIVACYIDEA_ADMIN_PASSWORD: ${password}
    concurrency: ${opts.acmeConcurrency ?? 8}
${opts.beta ? '  - id: beta\n    match: { emailDomains: [beta.example] }\n    platform: { kind: local }\n' : ''}`;
}

describe('TenantRegistry', () => {
  let dir: string;
  let path: string;
  let registry: TenantRegistry | undefined;
  let env: NodeJS.ProcessEnv;
  let captured: ReturnType<typeof capturedLogger>;
  const open = (): TenantRegistry => {
    registry = new TenantRegistry({ path, basePolicy: BASE, env, log: captured.log, debounceMs: 30 });
    return registry;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tenants-registry-'));
    path = join(dir, 'tenants.yaml');
    env = { ACME_PI_PASSWORD: PASSWORD };
    captured = capturedLogger();
    writeFileSync(path, fileText());
  });

  afterEach(() => {
    registry?.stop();
    registry = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start on an invalid file', () => {
    writeFileSync(path, fileText({ literalPassword: true }));
    expect(open).toThrow(TenantsFileError);
  });

  it('takes an edited file when it is saved, and tells the listeners what was and what is', async () => {
    const r = open();
    const changes: Array<{ next: TenantSet; prev: TenantSet }> = [];
    r.onChange((next, prev) => {
      changes.push({ next, prev });
    });
    r.start();
    const first = r.current;
    writeFileSync(path, fileText({ beta: true }));
    await waitFor('the edited file to be in force', async () => (r.current.byId.has('beta') ? true : undefined));
    expect(changes).toHaveLength(1);
    expect(changes[0]?.prev).toBe(first);
    expect(changes[0]?.next).toBe(r.current);
    expect(changes[0]?.next.byId.get('acme')?.platformDigest).toBe(first.byId.get('acme')?.platformDigest);
    expect(captured.lines.some((l) => l.includes('TENANTS_FILE reloaded') && l.includes('"added":["beta"]'))).toBe(true);
  });

  it('takes a file an editor replaced by renaming another onto it', async () => {
    const r = open();
    r.start();
    const tmp = join(dir, '.tenants.yaml.swp');
    writeFileSync(tmp, fileText({ acmeConcurrency: 2 }));
    renameSync(tmp, path);
    await waitFor('the replaced file to be in force', async () => (r.current.byId.get('acme')?.concurrency === 2 ? true : undefined));
    // and the watch survives the replacement
    writeFileSync(path, fileText({ acmeConcurrency: 3 }));
    await waitFor('the next edit to be in force', async () => (r.current.byId.get('acme')?.concurrency === 3 ? true : undefined));
  });

  it('keeps the running tenants when the edit is invalid, and logs the tenant and the field without the secret', async () => {
    const r = open();
    r.start();
    const running = r.current;
    writeFileSync(path, fileText({ literalPassword: true, beta: true }));
    const line = await waitFor('the invalid file to be logged', async () => captured.lines.find((l) => l.includes('is invalid; the running tenants stay in force')));
    expect(line).toContain("tenant 'acme', platform.settings.PRIVACYIDEA_ADMIN_PASSWORD: a secret must be given as {env: NAME} or {file: path}, never in the file");
    expect(r.current).toBe(running);
    expect(captured.lines.join('\n')).not.toContain(PASSWORD);
    // the file fixed: taken at once
    writeFileSync(path, fileText({ beta: true }));
    await waitFor('the fixed file to be in force', async () => (r.current.byId.has('beta') ? true : undefined));
  });

  it('reads the file and its references again on SIGHUP: a rotated secret rebuilds only that platform', async () => {
    const r = open();
    writeFileSync(path, fileText({ beta: true }));
    r.reload();
    r.start();
    const before = r.current;
    const seen: string[] = [];
    r.onChange((next, prev) => {
      seen.push(...next.tenants.filter((t) => prev.byId.get(t.id)?.platformDigest !== t.platformDigest).map((t) => t.id));
    });
    env.ACME_PI_PASSWORD = `${PASSWORD}-rotated`;
    process.kill(process.pid, 'SIGHUP');
    await waitFor('SIGHUP to reload', async () => (r.current !== before ? true : undefined));
    expect(r.current.byId.get('acme')?.platform.settings.PRIVACYIDEA_ADMIN_PASSWORD).toBe(`${PASSWORD}-rotated`);
    expect(seen).toEqual(['acme']);
  });

  it('reports an unchanged file as unchanged, and tells no listener', () => {
    const r = open();
    let calls = 0;
    r.onChange(() => {
      calls += 1;
    });
    writeFileSync(path, `# a comment only\n${fileText()}`);
    expect(r.reload().outcome).toBe('unchanged');
    expect(calls).toBe(0);
  });

  it('tells every listener even when one fails, and keeps the new tenants', async () => {
    const r = open();
    let heard = 0;
    r.onChange(() => {
      throw new Error('listener broke');
    });
    r.onChange(async () => {
      throw new Error('async listener broke');
    });
    const off = r.onChange(() => {
      heard += 1;
    });
    writeFileSync(path, fileText({ beta: true }));
    expect(r.reload().outcome).toBe('changed');
    expect(heard).toBe(1);
    expect(r.current.byId.has('beta')).toBe(true);
    await waitFor('the async failure to be logged', async () => (captured.lines.some((l) => l.includes('async listener broke')) ? true : undefined));
    expect(captured.lines.some((l) => l.includes('listener broke'))).toBe(true);
    off();
    writeFileSync(path, fileText());
    r.reload();
    expect(heard).toBe(1);
  });

  it('keeps the running tenants when the file disappears', () => {
    const r = open();
    const running = r.current;
    rmSync(path);
    expect(r.reload()).toMatchObject({ outcome: 'invalid', problems: [expect.stringContaining('ENOENT')] });
    expect(r.current).toBe(running);
  });

  it('removes its SIGHUP handler when stopped', () => {
    const before = process.listenerCount('SIGHUP');
    const r = open();
    r.start();
    r.start();
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    r.stop();
    expect(process.listenerCount('SIGHUP')).toBe(before);
  });
});
