import { describe, expect, it } from 'vitest';
import { openTicketOf } from '../../workers/observe/sla/open-tickets.js';
import { slaRecordOf } from '../../workers/observe/sla/record.js';
import { toCsv } from '../../workers/observe/sla/report-format.js';
import { summarize } from '../../workers/observe/sla/summary.js';
import { HOUR, MINUTE, REFUSED_SOLVE, reach } from './workflow.harness.js';

const TARGETS = { firstReplyTargetMs: 15 * MINUTE, resolutionTargetMs: 24 * HOUR };

/** A resolved round whose "solved" update the ticket system refused. */
function unfinishedResolve() {
  const desk = reach('resolved');
  const resolved = desk.s;
  desk.advance(MINUTE).send('effectFailed', { effectId: desk.s.closingUpdate ?? '', effectType: 'updateTicket', reason: REFUSED_SOLVE, retryable: false });
  return { desk, resolved, failed: desk.s };
}

describe('the SLA record of a round the ticket system did not record', () => {
  it('is unfinished, not resolved, and replaces the resolved record of the same round', () => {
    const { resolved, failed } = unfinishedResolve();
    const before = slaRecordOf(resolved, 'local', TARGETS);
    const after = slaRecordOf(failed, 'local', TARGETS);
    expect(before).toMatchObject({ outcome: 'resolved', round: 1 });
    expect(after).toMatchObject({ outcome: 'unfinished', intendedOutcome: 'resolved', round: 1, ticketId: before?.ticketId, closedAt: failed.updatedAt });
    expect(after?.resolutionBreached).toBeUndefined();
    expect(after?.asOf).toBeGreaterThan(before?.asOf ?? Infinity);
  });

  it('keeps the reason of an escalation whose update failed', () => {
    const desk = reach('escalated');
    desk.advance(MINUTE).send('effectFailed', { effectId: desk.s.closingUpdate ?? '', effectType: 'updateTicket', reason: 'Group: is invalid', retryable: false });
    expect(slaRecordOf(desk.s, 'local', TARGETS)).toMatchObject({ outcome: 'unfinished', intendedOutcome: 'escalated', escalationReason: 'user_not_found' });
  });

  it('keeps its close time while its simpler update is retried (stuck, then update_failed again)', () => {
    const { desk, failed } = unfinishedResolve();
    desk.advance(MINUTE).send('effectFailed', { effectId: desk.s.closingUpdate ?? '', effectType: 'updateTicket', reason: 'down', retryable: true });
    expect(desk.s.status).toBe('stuck');
    desk.fire();
    expect(slaRecordOf(desk.s, 'local', TARGETS)).toMatchObject({ outcome: 'unfinished', closedAt: failed.updatedAt, asOf: desk.now });
  });

  it('is not counted as resolved or escalated by the summary, nor in the automation rate', () => {
    const { failed } = unfinishedResolve();
    const rec = slaRecordOf(failed, 'local', TARGETS);
    if (!rec) throw new Error('no record');
    const summary = summarize([rec], { from: rec.closedAt - HOUR, to: rec.closedAt + HOUR });
    expect(summary.outcomes).toEqual({ resolved: 0, escalated: 0, handed_off: 0, timed_out: 0, unfinished: 1 });
    expect(summary.automationRate).toBe(0);
    expect(summary.escalations).toBe(0);
    expect(summary.resolution.count).toBe(0);
    expect(summary.perDay.find((d) => d.tickets > 0)).toMatchObject({ resolved: 0, escalated: 0 });
    expect(toCsv(summary).split('\r\n')[0]).toContain(',timed_out,unfinished,automation_rate,');
  });

  it('becomes handed_off once an agent finishes the ticket', () => {
    const { desk } = unfinishedResolve();
    desk.advance(HOUR).send('statusChanged', { status: 'solved', byRole: 'agent' });
    expect(slaRecordOf(desk.s, 'local', TARGETS)).toMatchObject({ outcome: 'handed_off', closedAt: desk.now });
  });
});

describe('/sla/open for a round the ticket system did not record', () => {
  it('lists an update_failed ticket as waiting on an agent, with what failed', () => {
    const { failed } = unfinishedResolve();
    expect(openTicketOf(failed, failed.updatedAt + MINUTE)).toMatchObject({ status: 'update_failed', waitingOn: 'agent', unfinished: { outcome: 'resolved', reason: REFUSED_SOLVE } });
  });

  it('lists a stuck ticket as waiting on an operator: nothing on the ticket tells an agent', () => {
    const desk = reach('stuck');
    expect(openTicketOf(desk.s, desk.now)).toMatchObject({ status: 'stuck', waitingOn: 'operator', unfinished: { outcome: 'resolved', fallbackReason: expect.stringContaining('did not answer') as unknown } });
  });

  it('carries no email or name of the requester', () => {
    const desk = reach('stuck');
    expect(JSON.stringify(openTicketOf(desk.s, desk.now))).not.toMatch(/@|Alice/);
  });
});
