import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as servicenowCheck } from '../../workers/cli/servicenow-check.js';
import { main } from '../../workers/cli/main.js';
import { startFakeServiceNow, type FakeServiceNow } from '../support/fake-servicenow.js';

const PASSWORD = 'check-bot-password-0001';
const SECRET = 'check-webhook-secret-0123456789abcdef0123';

describe('twofa-desk servicenow check against a fake instance', () => {
  let fake: FakeServiceNow;
  let group: string;
  const env = (over: Record<string, string | undefined> = {}) => ({
    SERVICENOW_INSTANCE_URL: fake.url,
    SERVICENOW_USER: fake.bot.user_name,
    SERVICENOW_PASSWORD: PASSWORD,
    SERVICENOW_WATCH_CATEGORY: 'two_factor',
    SERVICENOW_ESCALATION_GROUP_SYS_ID: group,
    SERVICENOW_WEBHOOK_SECRET: SECRET,
    ...over,
  });
  async function check(e: Record<string, string | undefined>): Promise<{ code: number; out: string[] }> {
    const out: string[] = [];
    const code = await servicenowCheck({ args: ['check'], env: e, out: (l) => out.push(l), err: (l) => out.push(l) });
    return { code, out };
  }

  beforeEach(async () => {
    fake = await startFakeServiceNow({ password: PASSWORD });
    group = fake.addGroup('Service Desk L2').sys_id;
    fake.createIncident({ caller: { name: 'Alice', email: 'alice@acme.example' }, short_description: '2FA' });
  });
  afterEach(async () => fake.close());

  it('says ready, with the state values it read from sys_choice, and prints no secret', async () => {
    const { code, out } = await check(env());
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toContain(`✓ credentials work: API user ${fake.bot.user_name}`);
    expect(text).toContain(`solved → state=${fake.stateValue('Resolved')}, close_code=Solution provided`);
    expect(text).toContain(`pending → state=${fake.stateValue('On Hold')}, hold_reason=1`);
    expect(text).toContain('1 open incident(s) with category=two_factor');
    expect(text).toContain('"Service Desk L2"');
    expect(text.split('\n').at(-1)).toBe('servicenow: ready');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(SECRET);
  });

  it('names what is wrong: the password, a missing group, a missing choice, a missing variable', async () => {
    const wrong = await check(env({ SERVICENOW_PASSWORD: 'not-it' }));
    expect(wrong.code).toBe(1);
    expect(wrong.out.join('\n')).toMatch(/✗ credentials: check the servicenow API credentials/);
    expect(wrong.out.join('\n')).not.toContain('not-it');

    const noGroup = await check(env({ SERVICENOW_ESCALATION_GROUP_SYS_ID: 'f'.repeat(32) }));
    expect(noGroup.code).toBe(1);
    expect(noGroup.out.join('\n')).toMatch(/✗ escalation group f{32}: servicenow answered 404/);

    for (const c of fake.choices) if (c.element === 'hold_reason') c.inactive = 'true';
    const noHold = await check(env());
    expect(noHold.code).toBe(1);
    expect(noHold.out.join('\n')).toContain('"Awaiting Caller"');

    const missing = await check(env({ SERVICENOW_WATCH_CATEGORY: undefined }));
    expect(missing).toEqual({ code: 1, out: [expect.stringMatching(/^✗ SERVICENOW_WATCH_CATEGORY: required/), 'servicenow: not ready (see ✗ above)'] });
  });

  it('is registered in the CLI', async () => {
    const out: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      expect(await main(['servicenow', 'nope'], env())).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(out.join('')).toContain('usage: twofa-desk servicenow check');
  });
});
