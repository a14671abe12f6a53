import { describe, expect, it } from 'vitest';
import { TicketSystemUnavailable } from '../../integrations/ticketing/errors.js';
import { PlatformRateLimited } from '../../integrations/twofa/errors.js';
import { Metrics } from '../../workers/observe/metrics.js';
import { describeError, stepDuration, TicketObserver } from '../../workers/observe/ticket-observer.js';
import { capturedLogger } from '../support/log-capture.js';
import { DESK_DOWN, HOUR, MINUTE, REFUSED_SOLVE, otpDesk, reach } from './workflow.harness.js';

describe('stepDuration', () => {
  it('is the time from entering the state the ticket leaves to the event that moves it on', () => {
    const desk = otpDesk();
    const before = desk.s;
    desk.advance(2 * HOUR).reply('codes 287082 359152');
    expect(stepDuration(before, desk.s)).toEqual({ step: 'awaiting_codes', seconds: 7200 });
  });

  it('is nothing when the state stays (a reply without codes) or there was no workflow', () => {
    const desk = otpDesk();
    const before = desk.s;
    desk.advance(MINUTE).reply('hello?');
    expect(desk.s.status).toBe('awaiting_codes');
    expect(stepDuration(before, desk.s)).toBeUndefined();
    expect(stepDuration(undefined, desk.s)).toBeUndefined();
  });
});

describe('describeError', () => {
  it('keeps a class name, and turns anything else into Error', () => {
    expect(describeError(new PlatformRateLimited('local', 500)).name).toBe('PlatformRateLimited');
    expect(describeError({ name: 'alice@example.com failed' }).name).toBe('Error');
    expect(describeError('boom').name).toBe('Error');
  });
});

describe('TicketObserver.integrationOf', () => {
  const observer = new TicketObserver({
    metrics: new Metrics(),
    index: {} as never,
    activity: {} as never,
    log: capturedLogger().log,
    platformNameOf: (tenant) => (tenant === 'nordwerk' ? 'privacyidea' : 'safenet-sta'),
    systems: new Set(['local']),
  });

  it('names the integration the error came from, else the one the effect talks to', () => {
    expect(observer.integrationOf('local:1', 'resyncOtp', new TicketSystemUnavailable('local', 'down'))).toBe('local');
    expect(observer.integrationOf('local:1', 'updateTicket', new PlatformRateLimited('sta', 1))).toBe('safenet-sta');
    expect(observer.integrationOf('local:1', 'readGroups', new Error('x'))).toBe('safenet-sta');
    expect(observer.integrationOf('local:1', 'updateTicket', new Error('x'))).toBe('local');
    expect(observer.integrationOf('other:1', 'updateTicket', new Error('x'))).toBe('unknown');
    expect(observer.integrationOf('local:1', 'setTimer', new Error('x'))).toBe('timers');
  });

  it('names the platform of the effect’s tenant, not the single platform’s', () => {
    expect(observer.integrationOf('local:1', 'readGroups', new PlatformRateLimited('privacyidea', 1), 'nordwerk')).toBe('privacyidea');
    expect(observer.integrationOf('local:1', 'resyncOtp', new Error('x'), 'nordwerk')).toBe('privacyidea');
  });
});

describe('TicketObserver on a round the ticket system did not record', () => {
  function observe() {
    const metrics = new Metrics();
    const { log, lines } = capturedLogger('info');
    const moves: Array<[string, string]> = [];
    const observer = new TicketObserver({
      metrics,
      index: { move: async (tk: string, state: string) => void moves.push([tk, state]) } as never,
      activity: { add: async () => undefined } as never,
      log,
      platformNameOf: () => 'local',
      systems: new Set(['local']),
    });
    const desk = reach('resolved');
    const feed = () => observer.applied('local:t1', desk.events.at(-1)!, desk.results.at(-2)?.state, desk.s, desk.last.effects);
    return { metrics, lines, moves, desk, feed };
  }
  const fail = (desk: ReturnType<typeof reach>, retryable: boolean) =>
    desk.advance(MINUTE).send('effectFailed', { effectId: desk.s.closingUpdate ?? '', effectType: 'updateTicket', reason: retryable ? DESK_DOWN : REFUSED_SOLVE, retryable });

  it('logs one error line with the reason, counts the outcome that did not happen, and puts the ticket back in the open index', async () => {
    const { metrics, lines, moves, desk, feed } = observe();
    fail(desk, false);
    feed();
    const errors = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 50);
    expect(errors).toEqual([expect.objectContaining({ tk: 'local:t1', state: 'update_failed', from: 'resolved', outcome: 'resolved', reason: REFUSED_SOLVE })]);
    expect(String(errors[0]?.msg)).toMatch(/^ticket not finished/);
    expect(moves).toEqual([['local:t1', 'update_failed']]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('twofa_desk_final_update_failures_total{outcome="resolved",system="local",platform="local"} 1');
  });

  it('logs an error each time the ticket is stuck, with when it is retried', () => {
    const { lines, desk, feed } = observe();
    fail(desk, false);
    fail(desk, true);
    feed();
    const stuck = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 50);
    expect(stuck).toEqual([expect.objectContaining({ state: 'stuck', from: 'update_failed', reason: DESK_DOWN, firstReason: REFUSED_SOLVE, retryAt: expect.any(String) as unknown })]);
    expect(String(stuck[0]?.msg)).toMatch(/^ticket stuck/);
  });

  it('reports the unfinished tickets per state in their own gauge', async () => {
    const metrics = new Metrics();
    metrics.watch({ openTickets: async () => ({ awaiting_codes: 4, update_failed: 2, stuck: 1 }) });
    const text = await metrics.registry.metrics();
    expect(text).toContain('twofa_desk_tickets_stuck{state="update_failed"} 2');
    expect(text).toContain('twofa_desk_tickets_stuck{state="stuck"} 1');
  });
});
