import type { SlaRecord } from '../../workers/observe/sla/record.js';

export const SEC = 1000;
export const MIN = 60 * SEC;
export const HR = 60 * MIN;
export const DAY_MS = 24 * HR;

const TARGETS = { firstReplyTargetMs: 15 * MIN, resolutionTargetMs: 24 * HR };

function rec(over: Partial<SlaRecord> & Pick<SlaRecord, 'system' | 'ticketId' | 'platform' | 'outcome' | 'closedAt' | 'resolutionMs' | 'waitingMs'>): SlaRecord {
  return { round: 1, createdAt: over.closedAt - over.resolutionMs, endUserRoundTrips: 1, ...TARGETS, firstReplyBreached: false, ...over };
}

/**
 * Six tickets closed on the two days before `end`, plus one closed 10 days earlier (outside a 7-day range).
 * The figures they give, worked out by hand, are in SEEDED below.
 */
export function seededRecords(end: number): SlaRecord[] {
  const day1 = end - 2 * HR;
  const day0 = end - DAY_MS - 2 * HR;
  return [
    rec({ system: 'local', ticketId: '1', platform: 'local', outcome: 'resolved', closedAt: day1, firstReplyMs: 30 * SEC, waitingMs: 5 * MIN, resolutionMs: 10 * MIN, resolutionBreached: false }),
    rec({ system: 'local', ticketId: '2', platform: 'local', outcome: 'resolved', closedAt: day1 + MIN, firstReplyMs: 60 * SEC, waitingMs: 20 * MIN, resolutionMs: 30 * MIN, resolutionBreached: false, endUserRoundTrips: 2 }),
    rec({ system: 'local', ticketId: '3', platform: 'sta', outcome: 'escalated', escalationReason: 'sla_risk', closedAt: day0, firstReplyMs: 20 * SEC, waitingMs: 230 * MIN, resolutionMs: 23 * HR + 50 * MIN }),
    rec({ system: 'zendesk', ticketId: '4', platform: 'sta', outcome: 'escalated', escalationReason: 'user_not_found', closedAt: day0 + HR, firstReplyMs: 10 * SEC, waitingMs: 0, resolutionMs: 10 * SEC, endUserRoundTrips: 0 }),
    rec({ system: 'zendesk', ticketId: '5', platform: 'local', outcome: 'timed_out', closedAt: day1 + 2 * MIN, firstReplyMs: 16 * MIN, firstReplyBreached: true, waitingMs: 72 * HR, resolutionMs: 72 * HR + 5 * MIN, resolutionBreached: true, endUserRoundTrips: 0 }),
    rec({ system: 'local', ticketId: '6', platform: 'local', outcome: 'handed_off', closedAt: day0 + 2 * HR, waitingMs: 0, resolutionMs: 2 * MIN, endUserRoundTrips: 0 }),
    rec({ system: 'local', ticketId: 'old', platform: 'local', outcome: 'escalated', escalationReason: 'no_token', closedAt: end - 10 * DAY_MS, firstReplyMs: 5 * SEC, waitingMs: 0, resolutionMs: MIN }),
  ];
}

/** What the six in-range records add up to (nearest-rank percentiles). */
export const SEEDED = {
  tickets: 6,
  outcomes: { resolved: 2, escalated: 2, handed_off: 1, timed_out: 1 },
  automationRate: 2 / 6,
  firstReply: { count: 5, p50Ms: 30 * SEC, p90Ms: 16 * MIN },
  waiting: { count: 6, p50Ms: 5 * MIN, p90Ms: 72 * HR },
  resolution: { count: 3, p50Ms: 30 * MIN, p90Ms: 72 * HR + 5 * MIN },
  breaches: { firstReply: 1, resolution: 1 },
  escalations: 2,
  escalationsByReason: { sla_risk: 1, user_not_found: 1 },
} as const;
