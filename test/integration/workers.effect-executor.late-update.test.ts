import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { EffectExecutor } from '../../workers/effects/effect-executor.js';
import { Keys } from '../../workers/store/keys.js';
import type { TicketSystem, TicketUpdate } from '../../integrations/ticketing/ticket-system.js';
import type { TwoFactorPlatform } from '../../integrations/twofa/platform.js';
import type { EffectOf } from '../../workflows/resync/effects.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { codesReply, Desk, MINUTE, otpDesk } from '../unit/workflow.harness.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

/*
 * Ticket updates are not waited for: one whose first try failed is retried with backoff while the workflow goes on.
 * An update from the middle of a round that reaches the desk after the round's end must not undo it: no status
 * ("pending" over "escalated"), no reply asking for codes nobody reads; its internal note is still written. The
 * workflows are real (the harness's transitions); the desk is a recording fake.
 */
describe('a ticket update from the middle of a round that reaches the desk after the end', () => {
  const prefix = freshPrefix('fx-late');
  let redis: Redis;
  const sent: Array<{ id: string; update: TicketUpdate }> = [];
  let state: WorkflowState | undefined;
  let reads = 0;

  const ticketing = { applyUpdate: async (id: string, update: TicketUpdate) => void sent.push({ id, update }) } as unknown as TicketSystem;
  const platform = { name: 'local', capabilities: { resyncByAuthentication: false } } as unknown as TwoFactorPlatform;
  let executor: EffectExecutor;
  const ctx = (id: string) => ({ tk: 'local:t1', key: `local:t1|${id}`, retryAfterUnknownOutcome: false });
  const run = (u: EffectOf<'updateTicket'>) => executor.run(u, ctx(u.id));

  beforeAll(() => {
    redis = newRedis();
    executor = new EffectExecutor({
      platform,
      ticketing: new Map([['local', ticketing]]),
      timers: { setTimer: async () => undefined },
      resyncLimit: { redis, keys: new Keys(prefix), perUserPerDay: 5 },
      states: {
        of: async () => {
          reads += 1;
          return state;
        },
        configuredMode: () => 'live',
      },
    });
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  /** Wrong codes until the workflow escalates; returns each step's ticket update in order. */
  function wrongCodesUntilEscalated(desk: Desk): Array<EffectOf<'updateTicket'>> {
    const updates: Array<EffectOf<'updateTicket'>> = [];
    for (let i = 0; i < 10 && desk.s.status !== 'escalated'; i++) {
      desk.advance(MINUTE).reply(codesReply());
      desk.result('resyncRejected', { reason: 'codes_not_in_window' });
      updates.push(desk.update());
    }
    return updates;
  }

  it('wrong codes twice: the "send new codes" update that comes after the escalation writes its note only', async () => {
    const desk = otpDesk(Desk.withPolicy({}));
    const updates = wrongCodesUntilEscalated(desk);
    expect(desk.s.status).toBe('escalated');
    const [askAgain, end] = [updates.at(-2)!, updates.at(-1)!];
    expect(askAgain).toMatchObject({ status: 'pending', publicReply: expect.any(String) });
    expect(end.ends).toBe(true);

    state = desk.s;
    sent.length = 0;
    await run(end);
    await run(askAgain);
    expect(sent.map((s) => s.update.status)).toEqual([end.status, undefined]);
    const late = sent[1]!.update;
    expect(late).toMatchObject({ internalNote: askAgain.internalNote, addTags: [], removeTags: [], escalate: false });
    expect(late.publicReply).toBeUndefined();
  });

  it('the same update sent while the round is on goes out whole; a late update without a note sends nothing', async () => {
    const desk = otpDesk(Desk.withPolicy({}));
    desk.advance(MINUTE).reply(codesReply());
    desk.result('resyncRejected', { reason: 'codes_not_in_window' });
    const askAgain = desk.update();
    state = desk.s;
    sent.length = 0;
    await run(askAgain);
    expect(sent).toEqual([{ id: 't1', update: expect.objectContaining({ status: 'pending', publicReply: askAgain.publicReply }) }]);

    wrongCodesUntilEscalated(desk);
    state = desk.s;
    sent.length = 0;
    const { internalNote: _note, ...withoutNote } = askAgain;
    await run(withoutNote);
    expect(sent).toEqual([]);
  });

  it('a timed-out ticket: the first ask for codes, retried after the time-out, does not set the ticket pending again', async () => {
    const desk = otpDesk(Desk.withPolicy({}));
    const ask = desk.update();
    expect(ask.status).toBe('pending');
    while (desk.s.status === 'awaiting_codes') desk.fire();
    expect(desk.s.status).toBe('timed_out');
    state = desk.s;
    sent.length = 0;
    await run(ask);
    expect(sent.every((s) => s.update.status === undefined && s.update.publicReply === undefined)).toBe(true);
  });

  it('an end sent again is never late, and a note alone costs no read of the state', async () => {
    const desk = otpDesk(Desk.withPolicy({}));
    const end = wrongCodesUntilEscalated(desk).at(-1)!;
    state = desk.s;
    sent.length = 0;
    await run(end);
    await run(end);
    expect(sent.map((s) => s.update.status)).toEqual([end.status, end.status]);
    reads = 0;
    await run({ type: 'updateTicket', id: '1.1.0', internalNote: 'a note', addTags: [], removeTags: [], escalate: false });
    expect(reads).toBe(0);
  });
});
