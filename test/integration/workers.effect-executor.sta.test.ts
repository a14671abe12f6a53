import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../integrations/twofa/local/hotp.js';
import { SafeNetStaPlatform } from '../../integrations/twofa/safenet-sta/adapter.js';
import { LocalDeskAdapter } from '../../integrations/ticketing/local/adapter.js';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import { CodeVault, vaultKey } from '../../workers/assist/code-vault.js';
import { AssistUnavailable, EffectExecutor } from '../../workers/effects/effect-executor.js';
import { Keys } from '../../workers/store/keys.js';
import { WorkflowStore } from '../../workers/store/workflow-store.js';
import { STA_RADIUS_SECRET, startFakeStaWithRadius, type FakeStaWithRadius } from '../support/demo-platform-fakes.js';
import { STA_ALICE_SECRET, staConfig, staSeed } from '../support/fake-sta.js';
import { startLocalDesk, TEST_WEBHOOK_SECRET, type LocalDesk } from '../support/local-desk.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

/** The executor's side of STA: resyncs that are logins, and codes held for an agent when the API cannot resync. */
describe('the effect executor on SafeNet Trusted Access (fake STA with RADIUS, embedded desk, real Redis)', () => {
  const prefix = freshPrefix('fx-sta');
  const code = (counter: number): string => generate(STA_ALICE_SECRET, counter, 6);
  let redis: Redis;
  let desk: LocalDesk;
  let fake: FakeStaWithRadius;
  let ticketing: Map<string, TicketSystem>;
  let ticketId: string;
  const platforms: SafeNetStaPlatform[] = [];

  function executor(radius: boolean, vault?: CodeVault): EffectExecutor {
    const config = staConfig(fake.sta, radius ? { radius: { host: fake.radius.host, port: fake.radius.port, secret: STA_RADIUS_SECRET, nasIdentifier: 'twofa-desk', timeoutMs: 300, retries: 0, maxPairs: 2 } } : {});
    const platform = new SafeNetStaPlatform({ config, redis, prefix });
    platforms.push(platform);
    return new EffectExecutor({
      platform,
      ticketing,
      timers: new WorkflowStore(redis, prefix),
      resyncLimit: { redis, keys: new Keys(prefix), perUserPerDay: 20 },
      ...(vault ? { assist: { vault, consoleSteps: (type: string) => `console steps for ${type}`, pageUrl: (id: string) => `https://desk.example/assist/${id}` } } : {}),
    });
  }

  async function codesComment(first: string, second: string): Promise<string> {
    return (await desk.store.addComment(ticketId, { authorId: 'user-1', authorRole: 'requester', public: true, body: `code 1: ${first}\ncode 2: ${second}` })).id;
  }

  const ctx = (n: number, retry = false) => ({ tk: `local:${ticketId}`, key: `local:${ticketId}|1.${n}.0`, retryAfterUnknownOutcome: retry });

  beforeAll(async () => {
    redis = newRedis();
    desk = await startLocalDesk({ redis, prefix: `${prefix}:desk` });
    fake = await startFakeStaWithRadius(staSeed(), { outerWindow: 100 });
    ticketing = new Map<string, TicketSystem>([['local', new LocalDeskAdapter({ baseUrl: desk.url, webhookSecret: TEST_WEBHOOK_SECRET, watchTag: '2fa_issue' })]]);
    ticketId = (await desk.store.createTicket({ subject: 'code', description: '', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] })).id;
  });

  afterAll(async () => {
    for (const p of platforms) await p.close();
    await fake.close();
    await desk.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('tells the workflow what STA can do: resync over RADIUS with a per-ticket limit, or assist with a vault', async () => {
    const located = await executor(true).run({ type: 'locateUser', id: '1.1.0', requester: { id: 'r1', email: 'alice.archer@example.com' } }, ctx(1));
    expect(located).toMatchObject({ type: 'userLocated', platform: { name: 'safenet-sta', canResync: true, canChallenge: false, resyncTriesPerTicket: 2 } });
    const vault = new CodeVault({ redis, prefix, key: vaultKey('an-admin-token-of-sixteen') });
    const assisted = await executor(false, vault).run({ type: 'locateUser', id: '1.2.0', requester: { id: 'r1', email: 'alice.archer@example.com' } }, ctx(2));
    expect(assisted).toMatchObject({ type: 'userLocated', platform: { canResync: false, assist: true } });
  });

  it('never resends codes after an unknown outcome: it answers outcome_unknown without a packet', async () => {
    const commentId = await codesComment(code(50), code(51));
    const before = fake.radius.requests.length;
    const retried = await executor(true).run({ type: 'resyncOtp', id: '1.3.0', userId: 'alice', serial: '1005956011', commentId, codeLength: 6 }, ctx(3, true));
    expect(retried).toMatchObject({ type: 'resyncRejected', reason: 'outcome_unknown' });
    expect(fake.radius.requests.length).toBe(before);
    // a first run of an effect sends them
    const first = await executor(true).run({ type: 'resyncOtp', id: '1.4.0', userId: 'alice', serial: '1005956011', commentId, codeLength: 6 }, ctx(4));
    expect(first).toMatchObject({ type: 'resyncSucceeded' });
    expect(first).not.toHaveProperty('alreadyInSync');
  });

  it('passes on that the first code simply authenticated', async () => {
    const commentId = await codesComment(code(52), code(53));
    expect(await executor(true).run({ type: 'resyncOtp', id: '1.5.0', userId: 'alice', serial: '1005956011', commentId, codeLength: 6 }, ctx(5))).toMatchObject({ type: 'resyncSucceeded', alreadyInSync: true });
  });

  it('holds the codes for an agent and links the one-time page; the page’s vault gives them back once', async () => {
    const vault = new CodeVault({ redis, prefix, key: vaultKey('an-admin-token-of-sixteen') });
    const commentId = await codesComment('123 456', '654321');
    const held = await executor(false, vault).run({ type: 'holdCodes', id: '1.6.0', userId: 'alice', serial: '1005956011', tokenType: 'MobilePASS', commentId, codeLength: 6 }, ctx(6));
    expect(held).toMatchObject({ type: 'codesHeld', effectId: '1.6.0' });
    const url = held?.type === 'codesHeld' ? held.url : '';
    expect(url).toMatch(/^https:\/\/desk\.example\/assist\/[A-Za-z0-9_-]{22}$/);
    expect(JSON.stringify(held)).not.toMatch(/123 ?456|654321/);
    const linkId = url.split('/').at(-1) ?? '';
    expect(await vault.take(linkId)).toMatchObject({ codes: ['123456', '654321'], userName: 'alice', serial: '1005956011', consoleSteps: 'console steps for MobilePASS' });
    expect(await vault.take(linkId)).toBeUndefined();
  });

  it('answers reply_unusable when the comment holds no codes, and fails plainly without a vault', async () => {
    const vault = new CodeVault({ redis, prefix, key: vaultKey('an-admin-token-of-sixteen') });
    const garbled = (await desk.store.addComment(ticketId, { authorId: 'user-1', authorRole: 'requester', public: true, body: 'it still does not work' })).id;
    const effect = { type: 'holdCodes' as const, id: '1.7.0', userId: 'alice', serial: '1005956011', tokenType: 'MobilePASS', commentId: garbled, codeLength: 6 as const };
    expect(await executor(false, vault).run(effect, ctx(7))).toMatchObject({ type: 'resyncRejected', reason: 'reply_unusable' });
    const err = await executor(false).run(effect, ctx(7)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AssistUnavailable);
    expect((err as AssistUnavailable).reason).toContain('ADMIN_TOKEN');
  });
});
