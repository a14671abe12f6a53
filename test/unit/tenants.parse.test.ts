import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { loadTenants } from '../../workers/tenants/load-tenants.js';
import { parseTenants } from '../../workers/tenants/parse-tenants.js';
import { isSecretSetting } from '../../workers/tenants/secret-setting.js';
import { samePlatform, type TenantSet } from '../../workers/tenants/tenant-config.js';
import { TenantsFileError } from '../../workers/tenants/tenants-file-error.js';
import { parsePolicy } from '../../workflows/resync/policy.js';

const BASE = parsePolicy({ groupMapping: { byDomain: { 'global.example': 'Global VPN' } }, maxAttempts: 4 });
const PASSWORD = 'pi-Admin-Pa55word-xyz';
const dir = mkdtempSync(join(tmpdir(), 'tenants-parse-'));
const origin = join(dir, 'tenants.yaml');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pi(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'acme',
    name: 'Acme Ltd',
    match: { organizations: ['4711'], emailDomains: ['acme.example'], tags: ['customer_acme'] },
    platform: {
      kind: 'privacyidea',
      settings: { PRIVACYIDEA_URL: 'https://pi.acme.example', PRIVACYIDEA_REALM: 'acme', PRIVACYIDEA_ADMIN_USER: 'twofa-bot', PRIVACYIDEA_ADMIN_PASSWORD: { env: 'ACME_PI_PASSWORD' } },
    },
    ...over,
  };
}
function local(id: string, match: Record<string, unknown>, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, match, platform: { kind: 'local' }, ...over };
}
const ENV = { ACME_PI_PASSWORD: PASSWORD };

/** The problems a file is refused with (it must be refused). */
function problems(tenants: unknown[], env: NodeJS.ProcessEnv = ENV): string[] {
  try {
    parseTenants({ tenants }, BASE, env, origin);
  } catch (err) {
    expect(err).toBeInstanceOf(TenantsFileError);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('TENANTS_FILE');
    expect((err as Error).message).not.toContain(PASSWORD);
    return [...(err as TenantsFileError).problems];
  }
  throw new Error('the file was accepted');
}

describe('parseTenants', () => {
  describe('a valid file', () => {
    it('gives each tenant its rules, its platform with resolved secrets, its merged policy and its limits', () => {
      const set = parseTenants({ tenants: [pi({ policy: { identityRule: 'strict', groupMapping: { defaultGroup: '2FA Users' }, resolutionTargetMs: 14_400_000 }, concurrency: 3 })] }, BASE, ENV, origin);
      const acme = set.byId.get('acme');
      expect(set.tenants).toHaveLength(1);
      expect(acme).toMatchObject({
        id: 'acme',
        name: 'Acme Ltd',
        match: { organizations: ['4711'], emailDomains: ['acme.example'], tags: ['customer_acme'] },
        platform: { kind: 'privacyidea', settings: { PRIVACYIDEA_URL: 'https://pi.acme.example', PRIVACYIDEA_ADMIN_PASSWORD: PASSWORD } },
        concurrency: 3,
      });
      expect(acme?.policy).toMatchObject({
        identityRule: 'strict',
        resolutionTargetMs: 14_400_000,
        maxAttempts: 4,
        groupMapping: { defaultGroup: '2FA Users', byDomain: { 'global.example': 'Global VPN' } },
        watchTag: '2fa_issue',
      });
    });

    it('fills the defaults: the name is the id, 8 calls at once, the global policy as it is', () => {
      const t = parseTenants({ tenants: [local('beta', { tags: ['Customer_Beta'] })] }, BASE, {}, origin).tenants[0];
      expect(t).toMatchObject({ name: 'beta', concurrency: 8, match: { organizations: [], emailDomains: [], tags: ['customer_beta'] } });
      expect(t?.policy).toEqual(BASE);
    });

    it('reads numeric organization ids as text, domains in lower case without @, and drops repeats', () => {
      const t = parseTenants({ tenants: [local('c', { organizations: [4711, '4711', ' 42 '], emailDomains: ['@C.Example', 'c.example.'] })] }, BASE, {}, origin).tenants[0];
      expect(t?.match).toEqual({ organizations: ['4711', '42'], emailDomains: ['c.example'], tags: [] });
    });

    it('reads a secret from a file relative to the tenants file, trimmed', () => {
      writeFileSync(join(dir, 'sta.key'), '  sta-api-key-value-123\n');
      const t = parseTenants(
        {
          tenants: [
            {
              id: 'sta1',
              match: { organizations: ['9'] },
              platform: { kind: 'safenet-sta', settings: { STA_API_URL: 'https://api.sta.example', STA_TENANT_CODE: 'ABCDE12345', STA_API_KEY: { file: 'sta.key' } } },
            },
          ],
        },
        BASE,
        {},
        origin,
      ).tenants[0];
      expect(t?.platform.settings.STA_API_KEY).toBe('sta-api-key-value-123');
    });

    it('takes a null policy override as "back to the default"', () => {
      const base = parsePolicy({ groupMapping: { defaultGroup: 'Everyone' } });
      const t = parseTenants({ tenants: [local('d', { tags: ['d'] }, { policy: { groupMapping: { defaultGroup: null } } })] }, base, {}, origin).tenants[0];
      expect(t?.policy.groupMapping.defaultGroup).toBeUndefined();
    });

    it('lets a tenant set its language and templates', () => {
      const t = parseTenants({ tenants: [local('e', { tags: ['e'] }, { policy: { language: 'de', templates: { de: { escalated: 'Ein Kollege übernimmt.' } } } })] }, BASE, {}, origin).tenants[0];
      expect(t?.policy).toMatchObject({ language: 'de', templates: { de: { escalated: 'Ein Kollege übernimmt.' } } });
    });
  });

  describe('secrets', () => {
    it('refuses a password written in the file, naming tenant and field but not the value', () => {
      const tenant = pi();
      (tenant.platform as { settings: Record<string, unknown> }).settings.PRIVACYIDEA_ADMIN_PASSWORD = PASSWORD;
      expect(problems([tenant])).toEqual([
        "tenant 'acme', platform.settings.PRIVACYIDEA_ADMIN_PASSWORD: a secret must be given as {env: NAME} or {file: path}, never in the file",
      ]);
    });

    it.each(['STA_API_KEY', 'STA_RADIUS_SECRET', 'PRIVACYIDEA_API_TOKEN', 'STA_SOAP_PASSWORD', 'X_PRIVATE_KEY', 'X_PASSPHRASE', 'X_CLIENT_SECRET_2'])('%s is a secret', (name) => {
      expect(isSecretSetting(name)).toBe(true);
    });

    it.each(['PRIVACYIDEA_URL', 'PRIVACYIDEA_ADMIN_USER', 'STA_TENANT_CODE', 'TWOFA_LOCAL_SEED', 'PRIVACYIDEA_CA_FILE', 'STA_RADIUS_HOST'])('%s is not a secret', (name) => {
      expect(isSecretSetting(name)).toBe(false);
    });

    it('names the unset variable', () => {
      expect(problems([pi()], {})).toEqual(["tenant 'acme', platform.settings.PRIVACYIDEA_ADMIN_PASSWORD: environment variable ACME_PI_PASSWORD is not set"]);
    });

    it('names the unreadable file', () => {
      const tenant = pi();
      (tenant.platform as { settings: Record<string, unknown> }).settings.PRIVACYIDEA_ADMIN_PASSWORD = { file: 'missing.txt' };
      expect(problems([tenant])).toEqual([`tenant 'acme', platform.settings.PRIVACYIDEA_ADMIN_PASSWORD: cannot read file ${join(dir, 'missing.txt')} (ENOENT)`]);
    });

    it('refuses a reference of another shape', () => {
      const tenant = pi();
      (tenant.platform as { settings: Record<string, unknown> }).settings.PRIVACYIDEA_ADMIN_PASSWORD = { env: 'A', file: 'b' };
      expect(problems([tenant])[0]).toContain('must be a string, a number, {env: NAME} or {file: path}');
    });
  });

  describe('problems name the tenant and the field', () => {
    it('names a tenant without an id by its index', () => {
      expect(problems([local('ok', { tags: ['a'] }), { match: { tags: ['b'] }, platform: { kind: 'local' } }])).toEqual([expect.stringMatching(/^tenant at index 1, id: /)]);
    });

    it('refuses an id unfit for Redis keys and URLs', () => {
      expect(problems([local('Acme Corp', { tags: ['a'] })])[0]).toMatch(/^tenant at index 0, id: must be 1-40 characters/);
    });

    it('refuses a misspelt key instead of ignoring it', () => {
      expect(problems([local('a', { organisations: ['1'] })])[0]).toMatch(/^tenant 'a', match: .*organisations/);
    });

    it('refuses an unknown platform', () => {
      expect(problems([{ id: 'a', match: { tags: ['a'] }, platform: { kind: 'okta' } }])[0]).toMatch(/^tenant 'a', platform\.kind: /);
    });

    it("refuses another platform's variables in a tenant's settings", () => {
      expect(problems([{ id: 'a', match: { tags: ['a'] }, platform: { kind: 'local', settings: { STA_API_URL: 'https://x.example' } } }])).toEqual([
        "tenant 'a', platform.settings.STA_API_URL: not a setting of the local platform (its variables start with TWOFA_LOCAL_)",
      ]);
    });

    it("runs the adapter's own check of the settings", () => {
      const tenant = pi();
      (tenant.platform as { settings: Record<string, unknown> }).settings.PRIVACYIDEA_URL = 'ftp://pi.acme.example';
      expect(problems([tenant])).toEqual(["tenant 'acme', platform.settings.PRIVACYIDEA_URL: must be an http(s) URL"]);
    });

    it('refuses a tenant nothing routes to', () => {
      expect(problems([local('a', {})])).toEqual([expect.stringMatching(/^tenant 'a', match: give at least one organization/)]);
    });

    it("refuses routing by one of the bot's own tags", () => {
      expect(problems([local('a', { tags: ['2FA_Issue'] })])).toEqual([expect.stringContaining("tenant 'a', match.tags: '2fa_issue' is the bot's own tag (policy.watchTag)")]);
    });

    it('lists every problem of every tenant at once', () => {
      const list = problems([local('a', {}), local('b', { tags: ['x'] }, { concurrency: 0 })]);
      expect(list).toHaveLength(2);
      expect(list[1]).toMatch(/^tenant 'b', concurrency: /);
    });

    it('refuses a file without tenants', () => {
      expect(problems([])).toEqual([expect.stringMatching(/^tenants: list at least one tenant/)]);
    });
  });

  describe('the policy', () => {
    it('keeps watchTag global', () => {
      expect(problems([local('a', { tags: ['a'] }, { policy: { watchTag: 'acme_2fa' } })])).toEqual([expect.stringMatching(/^tenant 'a', policy\.watchTag: cannot be set per tenant/)]);
    });

    it('refuses an unknown policy key, top level or in the group mapping', () => {
      expect(problems([local('a', { tags: ['a'] }, { policy: { identityRul: 'strict', groupMapping: { default: 'x' } } })])).toEqual([
        "tenant 'a', policy.identityRul: not a policy setting (see workflows/resync/policy.ts)",
        "tenant 'a', policy.groupMapping.default: not a group mapping setting (byDomain, defaultGroup)",
      ]);
    });

    it('checks the merged policy with the policy schema', () => {
      expect(problems([local('a', { tags: ['a'] }, { policy: { identityRule: 'lenient', maxAttempts: -1 } })])).toEqual([
        expect.stringMatching(/^tenant 'a', policy\.identityRule: /),
        expect.stringMatching(/^tenant 'a', policy\.maxAttempts: /),
      ]);
    });

    it("takes an escalation target of the ticket system's form", () => {
      const t = parseTenants({ tenants: [local('a', { tags: ['a'] }, { policy: { escalationTarget: '7001' } })] }, BASE, { TICKET_SYSTEM: 'zendesk' }, origin).tenants[0];
      expect(t?.policy.escalationTarget).toBe('7001');
      const onLocal = parseTenants({ tenants: [local('a', { tags: ['a'] }, { policy: { escalationTarget: 'Acme L2' } })] }, BASE, {}, origin).tenants[0];
      expect(onLocal?.policy.escalationTarget).toBe('Acme L2');
    });

    it("refuses an escalation target not of the ticket system's form, naming the value and the desk", () => {
      expect(problems([local('a', { tags: ['a'] }, { policy: { escalationTarget: 'Acme L2' } })], { ...ENV, TICKET_SYSTEM: 'zendesk' })).toEqual([
        expect.stringMatching(/^tenant 'a', policy\.escalationTarget: "Acme L2" is not the numeric id of a Zendesk group .*\(TICKET_SYSTEM=zendesk\)$/),
      ]);
      expect(problems([local('b', { tags: ['b'] }, { policy: { escalationTarget: '12345' } })], { ...ENV, TICKET_SYSTEM: 'servicenow' })).toEqual([
        expect.stringMatching(/^tenant 'b', policy\.escalationTarget: "12345" is not the sys_id of a sys_user_group/),
      ]);
    });
  });

  describe('overlaps and duplicates', () => {
    it.each([
      ['organizations', ['4711'], ['4711'], "organization '4711'"],
      ['emailDomains', ['acme.example'], ['ACME.example'], "email domain 'acme.example'"],
      ['tags', ['vip'], ['VIP'], "tag 'vip'"],
    ])('refuses the same %s in two tenants, naming both and the value', (rule, a, b, what) => {
      expect(problems([local('a', { [rule]: a }), local('b', { [rule]: b })])).toEqual([`tenants 'a' and 'b', match.${rule}: ${what} is in both, so its tickets would match both and never be routed: keep it in one`]);
    });

    it('refuses a repeated id', () => {
      expect(problems([local('a', { tags: ['x'] }), local('a', { tags: ['y'] })])).toEqual(["tenant 'a', id: also the id of the tenant at index 0; ids must be unique"]);
    });
  });

  describe('digests', () => {
    const parse = (tenants: unknown[], env: NodeJS.ProcessEnv = ENV): TenantSet => parseTenants({ tenants }, BASE, env, origin);

    it('follow the meaning, not the order of tenants, keys or list items', () => {
      const a = parse([pi(), local('b', { tags: ['x', 'y'] })]);
      const b = parse([{ ...local('b', { tags: ['y', 'x'] }) }, { platform: pi().platform, match: pi().match, name: 'Acme Ltd', id: 'acme' }]);
      expect(b.digest).toBe(a.digest);
      expect(b.byId.get('acme')?.digest).toBe(a.byId.get('acme')?.digest);
    });

    it('change with a policy override, but the platform digest does not', () => {
      const a = parse([pi()]).byId.get('acme');
      const b = parse([pi({ policy: { maxReminders: 1 } })]).byId.get('acme');
      expect(b?.digest).not.toBe(a?.digest);
      expect(b?.platformDigest).toBe(a?.platformDigest);
      if (a && b) expect(samePlatform(a, b)).toBe(true);
    });

    it('change with a rotated secret, platform digest included', () => {
      const a = parse([pi()]);
      const b = parse([pi()], { ACME_PI_PASSWORD: `${PASSWORD}-2` });
      expect(b.digest).not.toBe(a.digest);
      expect(b.byId.get('acme')?.platformDigest).not.toBe(a.byId.get('acme')?.platformDigest);
      const [x, y] = [a.byId.get('acme'), b.byId.get('acme')];
      if (x && y) expect(samePlatform(x, y)).toBe(false);
    });

    it('never hold a secret in clear', () => {
      const set = parse([pi()]);
      expect(set.digest).not.toContain(PASSWORD);
      expect(set.byId.get('acme')?.platformDigest).toMatch(/^[0-9a-f]{32}$/);
    });
  });
});

describe('loadTenants', () => {
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const yaml = `# the MSP's customers
tenants:
  - id: acme
    match:
      organizations: ["4711"]
      emailDomains: [acme.example]
    platform:
      kind: privacyidea
      settings:
        PRIVACYIDEA_URL: https://pi.acme.example
        PRIVACYIDEA_REALM: acme
        PRIVACYIDEA_ADMIN_USER: twofa-bot
        PRIVACYIDEA_ADMIN_PASSWORD: { env: ACME_PI_PASSWORD }
        PRIVACYIDEA_TIMEOUT_MS: 5000
`;

  it('reads YAML and JSON to the same tenants', () => {
    const fromYaml = loadTenants(write('a.yaml', yaml), BASE, ENV);
    const fromJson = loadTenants(write('a.json', JSON.stringify({ tenants: [pi({ name: undefined, match: { organizations: ['4711'], emailDomains: ['acme.example'] } })] })), BASE, ENV);
    expect(fromYaml.byId.get('acme')?.platform.settings.PRIVACYIDEA_TIMEOUT_MS).toBe('5000');
    const { PRIVACYIDEA_TIMEOUT_MS: _, ...rest } = fromYaml.byId.get('acme')?.platform.settings ?? {};
    expect(rest).toEqual(fromJson.byId.get('acme')?.platform.settings);
    expect(fromJson.byId.get('acme')?.match).toEqual(fromYaml.byId.get('acme')?.match);
  });

  it('reads JSON in a file with another extension', () => {
    expect(loadTenants(write('tenants.conf', JSON.stringify({ tenants: [local('a', { tags: ['a'] })] })), BASE, {}).tenants).toHaveLength(1);
  });

  it('names the place of a YAML syntax error without quoting the line', () => {
    const path = write('bad.yaml', `tenants:\n  - id: acme\n    note: "${PASSWORD}\n`);
    expect(() => loadTenants(path, BASE, ENV)).toThrow(TenantsFileError);
    try {
      loadTenants(path, BASE, ENV);
    } catch (err) {
      expect((err as Error).message).toMatch(/is not valid YAML: [A-Z_]+ at line \d+, column \d+/);
      expect((err as Error).message).not.toContain(PASSWORD);
    }
  });

  it('refuses a repeated key in YAML', () => {
    expect(() => loadTenants(write('dup.yaml', 'tenants: []\ntenants: []\n'), BASE, {})).toThrow(/DUPLICATE_KEY at line 2/);
  });

  it('names the place of a JSON syntax error without quoting it', () => {
    const path = write('bad.json', `{"tenants": [ {"id": "a", "x": ${PASSWORD}} ]}`);
    try {
      loadTenants(path, BASE, {});
      throw new Error('accepted');
    } catch (err) {
      expect((err as Error).message).toMatch(/bad\.json is not valid JSON/);
      expect((err as Error).message).not.toContain(PASSWORD);
    }
  });

  it('names a missing file', () => {
    expect(() => loadTenants(join(dir, 'nope.yaml'), BASE, {})).toThrow(`TENANTS_FILE: cannot read ${join(dir, 'nope.yaml')} (ENOENT)`);
  });
});

describe('the examples of docs/tenants.md', () => {
  const doc = readFileSync(new URL('../../docs/tenants.md', import.meta.url), 'utf8');
  const examples = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

  it.each(examples.map((text, i) => [i, text] as const))('example %i is a valid tenants file', (i, text) => {
    writeFileSync(join(dir, 'secret.key'), 'sta-api-key-0123456789\n');
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const local = text.replace(/\/run\/secrets\/[\w-]+/g, join(dir, 'secret.key')).replace(/\/etc\/twofa-desk\/[\w-]+\.pem/g, join(dir, 'ca.pem'));
    const path = join(dir, `example-${i}.yaml`);
    writeFileSync(path, local);
    const set = loadTenants(path, BASE, { ACME_PI_PASSWORD: 'a', NORDWERK_PI_TOKEN: 'b', RIVERSIDE_PI_PASSWORD: 'c' });
    expect(set.tenants.length).toBeGreaterThan(0);
  });

  it('has the full example and the three customers', () => {
    expect(examples).toHaveLength(2);
  });
});
