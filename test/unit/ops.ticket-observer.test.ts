import { describe, expect, it } from 'vitest';
import { TicketSystemUnavailable } from '../../integrations/ticketing/errors.js';
import { PlatformRateLimited } from '../../integrations/twofa/errors.js';
import { Metrics } from '../../workers/metrics.js';
import { describeError, stepDuration, TicketObserver } from '../../workers/ticket-observer.js';
import { capturedLogger } from '../support/log-capture.js';
import { HOUR, MINUTE, otpDesk } from './workflow.harness.js';

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
    platformName: 'safenet-sta',
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
});
