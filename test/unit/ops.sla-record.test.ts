import { describe, expect, it } from 'vitest';
import { initialState } from '../../workflows/resync/transition.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { slaRecordOf } from '../../workers/sla/record.js';
import { makeTicket } from './workflow.harness.js';

const T0 = 1_700_000_000_000;
function at(over: Partial<WorkflowState>): WorkflowState {
  return { ...initialState(makeTicket(), T0), ...over };
}

describe('slaRecordOf', () => {
  it('is undefined for a non-terminal state', () => {
    expect(slaRecordOf(at({ status: 'awaiting_codes' }), 'local')).toBeUndefined();
  });

  it('computes the times of a resolved ticket from its sla fields', () => {
    const s = at({ status: 'resolved', updatedAt: T0 + 9_000, sla: { firstPublicReplyAt: T0 + 1_000, resolvedAt: T0 + 8_000, endUserRoundTrips: 2, waitingMs: 5_000 } });
    const r = slaRecordOf(s, 'local');
    expect(r).toMatchObject({ outcome: 'resolved', platform: 'local', firstReplyMs: 1_000, resolutionMs: 8_000, waitingMs: 5_000, endUserRoundTrips: 2 });
    expect(r?.escalationReason).toBeUndefined();
  });

  it('keeps the escalation reason and no email', () => {
    const s = at({ status: 'escalated', updatedAt: T0 + 3_000, escalation: { reason: 'user_not_found', detail: 'x' } });
    const r = slaRecordOf(s, 'local');
    expect(r).toMatchObject({ outcome: 'escalated', escalationReason: 'user_not_found', resolutionMs: 3_000 });
    expect(JSON.stringify(r)).not.toContain('@');
  });
});
