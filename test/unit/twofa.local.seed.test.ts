import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEMO_DEVICE_COUNTERS } from '../../integrations/twofa/local/demo-devices.js';
import { InvalidSeed, parseSeed } from '../../integrations/twofa/local/seed.js';

const SECRET = 'E22QIDWL2NM7AIKYUQBOOC45U5KMXAKJ';

function seed(overrides: Record<string, unknown> = {}) {
  return {
    users: [{ id: 'u1', userName: 'alice', firstName: 'Alice', lastName: 'Archer', email: 'alice@example.com' }],
    groups: ['VPN Users'],
    memberships: [{ userId: 'u1', group: 'VPN Users' }],
    tokens: [{ serial: 'MP-1', userId: 'u1', kind: 'mobilepass', secret: SECRET, counter: 0, state: 'active' }],
    ...overrides,
  };
}

function problemsOf(json: unknown): string[] {
  try {
    parseSeed(json, 'test.json');
  } catch (err) {
    if (err instanceof InvalidSeed) return err.problems;
    throw err;
  }
  return [];
}

describe('parseSeed', () => {
  it('gives MobilePASS tokens 6 digits and KT-4 tokens 8 by default', () => {
    const parsed = parseSeed(seed({ tokens: [{ serial: 'MP-1', userId: 'u1', kind: 'mobilepass', secret: SECRET, counter: 0, state: 'active' }, { serial: 'KT-1', userId: 'u1', kind: 'kt4', secret: SECRET, counter: 3, state: 'locked' }] }));
    expect(parsed.tokens.map((t) => t.digits)).toEqual([6, 8]);
  });

  it('names the file and the bad field', () => {
    const bad = seed({ tokens: [{ serial: 'MP-1', userId: 'u1', kind: 'mobilepass', secret: SECRET, counter: -1, state: 'active' }] });
    expect(() => parseSeed(bad, 'test.json')).toThrow(/test\.json: tokens\[0\]\.counter:/);
  });

  it('refuses a secret that is not base32 or too short, without quoting it', () => {
    const problems = problemsOf(seed({ tokens: [
      { serial: 'MP-1', userId: 'u1', kind: 'mobilepass', secret: 'not-base32!', counter: 0, state: 'active' },
      { serial: 'MP-2', userId: 'u1', kind: 'mobilepass', secret: 'JBSWY3DPEHPK3PXP', counter: 0, state: 'active' },
    ] }));
    expect(problems).toEqual([expect.stringMatching(/^tokens\[0\]\.secret: is not base32/), expect.stringMatching(/^tokens\[1\]\.secret: decodes to 10 bytes/)]);
    expect(problems.join()).not.toContain('JBSWY3DPEHPK3PXP');
  });

  it('refuses a KT-4 with 6 digits, unknown kinds and states', () => {
    expect(problemsOf(seed({ tokens: [{ serial: 'K', userId: 'u1', kind: 'kt4', secret: SECRET, counter: 0, state: 'active', digits: 6 }] }))).toEqual([
      expect.stringMatching(/^tokens\[0\]\.digits: a KT-4 always shows 8 digits/),
    ]);
    const problems = problemsOf(seed({ tokens: [{ serial: 'K', userId: 'u1', kind: 'totp', secret: SECRET, counter: 0, state: 'broken' }] }));
    expect(problems.map((p) => p.split(':')[0])).toEqual(['tokens[0].kind', 'tokens[0].state']);
  });

  it('refuses misspelt fields', () => {
    expect(problemsOf(seed({ users: [{ id: 'u1', usrName: 'alice', firstName: 'A', lastName: 'B' }] })).join('\n')).toMatch(/users\[0\]\.userName[\s\S]*usrName/);
  });

  it('refuses dangling references and duplicates', () => {
    const problems = problemsOf(
      seed({
        users: [
          { id: 'u1', userName: 'alice', firstName: 'A', lastName: 'B' },
          { id: 'u1', userName: 'ALICE', firstName: 'A', lastName: 'B' },
        ],
        memberships: [{ userId: 'u9', group: 'Nope' }],
        tokens: [
          { serial: 'MP-1', userId: 'u9', kind: 'mobilepass', secret: SECRET, counter: 0, state: 'active' },
          { serial: 'MP-1', userId: 'u1', kind: 'mobilepass', secret: SECRET, counter: 0, state: 'active' },
        ],
      }),
    );
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'users[1].id',
      'users[1].userName',
      'memberships[0].userId',
      'memberships[0].group',
      'tokens[0].userId',
      'tokens[1].serial',
    ]);
  });
});

describe('demo seed', () => {
  it('parses, and every demo device is at or ahead of its server counter', async () => {
    const url = new URL('../../integrations/twofa/local/demo-seed.json', import.meta.url);
    const demo = parseSeed(JSON.parse(await readFile(url, 'utf8')), url.pathname);
    for (const token of demo.tokens) expect(DEMO_DEVICE_COUNTERS[token.serial]).toBeGreaterThanOrEqual(token.counter);
    const alice = demo.tokens.find((t) => t.serial === 'MP-1001');
    expect((DEMO_DEVICE_COUNTERS['MP-1001'] ?? 0) - (alice?.counter ?? 0)).toBe(300);
    expect(demo.users.filter((u) => u.lastName === 'Smith').map((u) => u.email)).not.toContain('j.smith@contoso.example');
    expect(demo.memberships.filter((m) => m.userId === demo.users.find((u) => u.userName === 'carol')?.id)).toEqual([]);
  });
});
