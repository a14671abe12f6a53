import { describe, expect, it } from 'vitest';
import { initialState } from '../../workflows/resync/transition.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { slaRecordOf } from '../../workers/observe/sla/record.js';
import { makeTicket } from './workflow.harness.js';

const T0 = 1_700_000_000_000;
const TARGETS = { firstReplyTargetMs: 2_000, resolutionTargetMs: 10_000 };
function at(over: Partial<WorkflowState>): WorkflowState {
  return { ...initialState(makeTicket(), T0), ...over };
}

describe('slaRecordOf', () => {
  it('is undefined for a non-terminal state', () => {
    expect(slaRecordOf(at({ status: 'awaiting_codes' }), 'local', TARGETS)).toBeUndefined();
  });

  it('computes the times of a resolved ticket from its sla fields', () => {
    const s = at({ status: 'resolved', updatedAt: T0 + 9_000, sla: { firstPublicReplyAt: T0 + 1_000, resolvedAt: T0 + 8_000, endUserRoundTrips: 2, waitingMs: 5_000 } });
    const r = slaRecordOf(s, 'local', TARGETS);
    expect(r).toMatchObject({ outcome: 'resolved', platform: 'local', firstReplyMs: 1_000, resolutionMs: 8_000, waitingMs: 5_000, endUserRoundTrips: 2 });
    expect(r?.escalationReason).toBeUndefined();
  });

  it('carries the messages the requester wrote in the round', () => {
    const oneMessage = at({ status: 'resolved', sla: { resolvedAt: T0 + 8_000, endUserRoundTrips: 1, requesterMessages: 1, waitingMs: 0 } });
    expect(slaRecordOf(oneMessage, 'local', TARGETS)?.requesterMessages).toBe(1);
    const confirmed = at({ status: 'resolved', sla: { resolvedAt: T0 + 8_000, endUserRoundTrips: 2, requesterMessages: 2, waitingMs: 0 } });
    expect(slaRecordOf(confirmed, 'local', TARGETS)?.requesterMessages).toBe(2);
  });

  it('leaves the requester messages out for a state saved before they were counted (not 0)', () => {
    const old = at({ status: 'resolved', sla: { resolvedAt: T0 + 8_000, endUserRoundTrips: 2, waitingMs: 0 } });
    const r = slaRecordOf(old, 'local', TARGETS);
    expect(r).toBeDefined();
    expect(r && 'requesterMessages' in r).toBe(false);
  });

  it('keeps the escalation reason and no email', () => {
    const s = at({ status: 'escalated', updatedAt: T0 + 3_000, escalation: { reason: 'user_not_found', detail: 'x' } });
    const r = slaRecordOf(s, 'local', TARGETS);
    expect(r).toMatchObject({ outcome: 'escalated', escalationReason: 'user_not_found', resolutionMs: 3_000 });
    expect(JSON.stringify(r)).not.toContain('@');
  });

  it('notes the targets and that both were met', () => {
    const s = at({ status: 'resolved', sla: { firstPublicReplyAt: T0 + 2_000, resolvedAt: T0 + 10_000, endUserRoundTrips: 1, waitingMs: 0 } });
    expect(slaRecordOf(s, 'local', TARGETS)).toMatchObject({ firstReplyTargetMs: 2_000, resolutionTargetMs: 10_000, firstReplyBreached: false, resolutionBreached: false });
  });

  it('notes a late first reply and a late resolution', () => {
    const s = at({ status: 'timed_out', sla: { firstPublicReplyAt: T0 + 2_001, resolvedAt: T0 + 10_001, endUserRoundTrips: 0, waitingMs: 9_000 } });
    expect(slaRecordOf(s, 'local', TARGETS)).toMatchObject({ firstReplyBreached: true, resolutionBreached: true });
  });

  it('counts a ticket that ended after the first-reply target without any public reply as a first-reply breach', () => {
    const s = at({ status: 'handed_off', updatedAt: T0 + 5_000 });
    const r = slaRecordOf(s, 'local', TARGETS);
    expect(r?.firstReplyMs).toBeUndefined();
    expect(r?.firstReplyBreached).toBe(true);
  });

  it('leaves the resolution breach unset when a human finishes the ticket, and keeps the sla_risk reason', () => {
    const s = at({ status: 'escalated', updatedAt: T0 + 9_000, escalation: { reason: 'sla_risk', detail: 'resolution target' }, sla: { firstPublicReplyAt: T0 + 100, endUserRoundTrips: 0, waitingMs: 0 } });
    const r = slaRecordOf(s, 'local', TARGETS);
    expect(r).toMatchObject({ outcome: 'escalated', escalationReason: 'sla_risk', firstReplyBreached: false });
    expect(r?.resolutionBreached).toBeUndefined();
  });
});
