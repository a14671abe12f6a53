import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as haloCheck } from '../../workers/cli/halo-check.js';
import { main } from '../../workers/cli/main.js';
import { startFakeHalo, type FakeHalo } from '../support/fake-halo.js';

const CLIENT = { clientId: 'check-app', clientSecret: 'check-client-secret-0001' };
const SECRET = 'check-webhook-secret-0123456789abcdef0123';

describe('twofa-desk halo check against a fake tenant', () => {
  let fake: FakeHalo;
  const env = (over: Record<string, string | undefined> = {}) => ({
    HALO_BASE_URL: fake.url,
    HALO_AUTH_URL: fake.authUrl,
    HALO_TENANT: 'contoso',
    HALO_CLIENT_ID: CLIENT.clientId,
    HALO_CLIENT_SECRET: CLIENT.clientSecret,
    HALO_WATCH_TICKET_TYPE_ID: '25',
    HALO_ESCALATION_TEAM: 'Service Desk L2',
    HALO_WEBHOOK_SECRET: SECRET,
    ...over,
  });
  async function check(e: Record<string, string | undefined>): Promise<{ code: number; out: string[] }> {
    const out: string[] = [];
    const code = await haloCheck({ args: ['check'], env: e, out: (l) => out.push(l), err: (l) => out.push(l) });
    return { code, out };
  }

  beforeEach(async () => {
    fake = await startFakeHalo({ ...CLIENT, tenant: 'contoso' });
    fake.createTicket({ user: { name: 'Alice', email: 'alice@contoso.example' }, summary: '2FA', tickettype_id: 25 });
  });
  afterEach(async () => fake.close());

  it('says ready, with the status ids it read from /api/Status, and prints no secret', async () => {
    const { code, out } = await check(env());
    const text = out.join('\n');
    expect(code).toBe(0);
    expect(text).toContain(`✓ credentials work: the application acts as agent ${fake.bot.id}`);
    expect(text).toContain(`pending → With User (${fake.statusId('With User')})`);
    expect(text).toContain(`solved → Resolved (${fake.statusId('Resolved')})`);
    expect(text).toContain('1 open ticket(s) of the watched type');
    expect(text).toContain('✓ escalation team 2 "Service Desk L2"');
    expect(text.split('\n').at(-1)).toBe('halo: ready');
    expect(text).not.toContain(CLIENT.clientSecret);
    expect(text).not.toContain(SECRET);
  });

  it('names what is wrong: the secret, the tenant, an unknown team, a missing variable', async () => {
    const wrong = await check(env({ HALO_CLIENT_SECRET: 'not-it-at-all' }));
    expect(wrong.code).toBe(1);
    expect(wrong.out.join('\n')).toMatch(/✗ credentials: check the halo API credentials/);
    expect(wrong.out.join('\n')).not.toContain('not-it-at-all');
    expect((await check(env({ HALO_TENANT: 'fabrikam' }))).code).toBe(1);
    const team = await check(env({ HALO_ESCALATION_TEAM: 'Nobody' }));
    expect(team.code).toBe(1);
    expect(team.out.join('\n')).toContain('✗ escalation team "Nobody" is not a team of this tenant');
    const missing = await check(env({ HALO_CLIENT_ID: undefined }));
    expect(missing).toEqual({ code: 1, out: [expect.stringMatching(/^✗ HALO_CLIENT_ID: required/), 'halo: not ready (see ✗ above)'] });
  });

  it('is registered in the CLI', async () => {
    const out: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      expect(await main(['halo', 'nope'], env())).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(out.join('')).toContain('usage: twofa-desk halo check');
  });
});
