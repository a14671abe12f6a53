import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { EffectExecutor, ModeWriteRefused } from '../../workers/effects/effect-executor.js';
import { Keys } from '../../workers/store/keys.js';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import type { TwoFactorPlatform } from '../../integrations/twofa/platform.js';
import type { Effect } from '../../workflows/resync/effects.js';
import type { Mode } from '../../workflows/resync/mode-proposal.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { Desk, otpDesk } from '../unit/workflow.harness.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

/*
 * The executor's own check (docs/modes.md): whatever effect the workflow hands it, a shadow ticket's platform writes
 * and public replies, and an approve-changes ticket's account changes, run only as the step that carries out an
 * agent's apply. Recording fakes show that a refused effect never reached the ticket system or the platform.
 */
describe('the effect executor refuses writes a ticket’s mode keeps for an agent', () => {
  const prefix = freshPrefix('fx-mode');
  let redis: Redis;
  const calls: string[] = [];
  let state: WorkflowState | undefined;
  /** the mode configured per tenant ('' : an effect that names none) */
  let configured: Record<string, Mode> = {};
  const asked: Array<string | undefined> = [];

  const ticketing = {
    applyUpdate: async (_id: string, update: { publicReply?: string; internalNote?: string }) => void calls.push(`update:${update.publicReply !== undefined ? 'public' : 'note'}`),
  } as unknown as TicketSystem;
  const platform = {
    name: 'local',
    capabilities: { resyncByAuthentication: false },
    addToGroup: async () => void calls.push('addToGroup'),
    listTokens: async () => [],
  } as unknown as TwoFactorPlatform;

  let executor: EffectExecutor;
  const ctx = (id: string) => ({ tk: 'local:t1', key: `local:t1|${id}`, retryAfterUnknownOutcome: false });
  const reply = (id: string): Effect => ({ type: 'updateTicket', id, publicReply: 'Hello', addTags: [], removeTags: [], escalate: false });
  const note = (id: string): Effect => ({ type: 'updateTicket', id, internalNote: 'note', addTags: [], removeTags: [], escalate: false });
  const group = (id: string): Effect => ({ type: 'addToGroup', id, userId: 'u-alice', group: 'VPN Users' });

  beforeAll(() => {
    redis = newRedis();
    executor = new EffectExecutor({
      platform,
      tenants: { lease: async (tenant) => ({ platform, scope: tenant, release: () => undefined }) },
      ticketing: new Map([['local', ticketing]]),
      timers: { setTimer: async () => undefined },
      resyncLimit: { redis, keys: new Keys(prefix), perUserPerDay: 5 },
      states: {
        of: async () => state,
        configuredMode: (tenant) => {
          asked.push(tenant);
          return configured[tenant ?? ''] ?? 'live';
        },
      },
    });
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('a shadow ticket: a public reply and a group add no agent applied are refused before any call; notes and reads run', async () => {
    state = otpDesk(Desk.withPolicy({ mode: 'shadow' })).s;
    calls.length = 0;
    await expect(executor.run(reply('1.4.0'), ctx('1.4.0'))).rejects.toBeInstanceOf(ModeWriteRefused);
    const refused = await executor.run(group('1.4.1'), ctx('1.4.1')).catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'ModeWriteRefused', retryable: false, reason: expect.stringMatching(/addToGroup \(a platform write\) on a shadow ticket that no agent applied/) });
    expect(calls).toEqual([]);
    await executor.run(note('1.4.0'), ctx('1.4.0'));
    await executor.run({ type: 'readTokens', id: '1.4.2', userId: 'u-alice' }, ctx('1.4.2'));
    expect(calls).toEqual(['update:note']);
  });

  it('the same reply runs once it is the step that carried out an agent’s apply', async () => {
    const desk = otpDesk(Desk.withPolicy({ mode: 'shadow' }));
    desk.tags({ added: ['2fa_apply'] });
    state = desk.s;
    calls.length = 0;
    const applied = desk.last.effects.find((e) => e.type === 'updateTicket');
    expect(applied?.type === 'updateTicket' && applied.publicReply).toMatch(/^Hello Alice/);
    await executor.run(applied as Effect, ctx(applied?.id ?? ''));
    expect(calls).toEqual(['update:public']);
    // an earlier step's id is not covered by the later apply
    await expect(executor.run(reply('1.4.0'), ctx('1.4.0'))).rejects.toBeInstanceOf(ModeWriteRefused);
  });

  it('an approve-changes ticket: public replies run, an account change waits for the approval; a live ticket is never checked', async () => {
    state = otpDesk(Desk.withPolicy({ mode: 'approve-changes' })).s;
    calls.length = 0;
    await executor.run(reply('1.4.0'), ctx('1.4.0'));
    await expect(executor.run(group('1.5.0'), ctx('1.5.0'))).rejects.toBeInstanceOf(ModeWriteRefused);
    state = otpDesk(new Desk()).s;
    await executor.run(group('1.5.0'), ctx('1.5.0'));
    expect(calls).toEqual(['update:public', 'addToGroup']);
  });

  it('a ticket with no stored state: fails closed where its configured mode is not live, and runs as before where it is', async () => {
    state = undefined;
    calls.length = 0;
    asked.length = 0;
    configured = { '': 'shadow', acme: 'approve-changes', globex: 'live' };
    const refused = await executor.run(reply('1.4.0'), ctx('1.4.0')).catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'ModeWriteRefused', retryable: false, reason: expect.stringMatching(/no stored workflow state, whose configured mode is shadow.*expired or was lost/) });
    await expect(executor.run({ ...group('1.4.1'), tenant: 'acme' }, ctx('1.4.1'))).rejects.toBeInstanceOf(ModeWriteRefused);
    expect(asked).toEqual([undefined, 'acme']);
    await executor.run(note('1.4.0'), ctx('1.4.0'));
    await executor.run({ ...group('1.4.1'), tenant: 'globex' }, ctx('1.4.1'));
    configured = {};
    await executor.run(reply('1.4.0'), ctx('1.4.0'));
    await executor.run(group('1.4.1'), ctx('1.4.1'));
    expect(calls).toEqual(['update:note', 'addToGroup', 'update:public', 'addToGroup']);
  });
});
