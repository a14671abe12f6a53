import { describe, expect, it } from 'vitest';
import { openTicketOf } from '../../workers/observe/sla/open-tickets.js';
import { BadRange, parseRangeQuery } from '../../workers/observe/sla/range.js';
import { csvField, formatDuration, toCsv, toTable } from '../../workers/observe/sla/report-format.js';
import { percentile, summarize } from '../../workers/observe/sla/summary.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { initialState } from '../../workflows/resync/transition.js';
import { DAY_MS, HR, MIN, SEEDED, seededRecords } from '../support/sla-records.js';
import { makeTicket } from './workflow.harness.js';

const END = Date.UTC(2026, 10, 20, 12, 0);
const RANGE = { from: END - 7 * DAY_MS, to: END };

describe('summarize', () => {
  const summary = summarize(seededRecords(END), RANGE);

  it('counts the tickets closed in the range, and only those', () => {
    expect(summary).toMatchObject({ from: '2026-11-13T12:00:00.000Z', to: '2026-11-20T12:00:00.000Z', tickets: 6, outcomes: SEEDED.outcomes });
  });

  it('gives the automation rate as tickets the bot resolved over all tickets', () => {
    expect(summary.automationRate).toBeCloseTo(1 / 3, 10);
  });

  it('gives nearest-rank p50 and p90 of first reply, waiting and resolution', () => {
    expect(summary.firstReply).toEqual(SEEDED.firstReply);
    expect(summary.waiting).toEqual(SEEDED.waiting);
    expect(summary.resolution).toEqual(SEEDED.resolution);
  });

  it('counts breaches and escalations by reason', () => {
    expect(summary.breaches).toEqual(SEEDED.breaches);
    expect(summary.escalationsByReason).toEqual(SEEDED.escalationsByReason);
  });

  it('breaks the figures down by ticket system and by 2FA platform', () => {
    expect(Object.keys(summary.bySystem)).toEqual(['local', 'zendesk']);
    expect(summary.bySystem.local).toMatchObject({ tickets: 4, automationRate: 0.5, escalationsByReason: { sla_risk: 1 } });
    expect(summary.bySystem.zendesk).toMatchObject({ tickets: 2, automationRate: 0, breaches: { firstReply: 1, resolution: 1 } });
    expect(summary.byPlatform.sta).toMatchObject({ tickets: 2, escalations: 2, resolution: { count: 0, p50Ms: null, p90Ms: null } });
    expect(summary.byPlatform.local).toMatchObject({ tickets: 4, outcomes: { resolved: 2, escalated: 0, handed_off: 1, timed_out: 1 } });
  });

  it('lists every day of the range with the tickets closed that day', () => {
    expect(summary.perDay).toHaveLength(8);
    expect(summary.perDay.filter((d) => d.tickets > 0)).toEqual([
      { day: '2026-11-19', tickets: 3, resolved: 0, escalated: 2 },
      { day: '2026-11-20', tickets: 3, resolved: 2, escalated: 0 },
    ]);
  });

  it('gives nulls, not zeros, for times without tickets', () => {
    const empty = summarize([], RANGE);
    expect(empty).toMatchObject({ tickets: 0, automationRate: null, firstReply: { count: 0, p50Ms: null, p90Ms: null }, bySystem: {}, escalationsByReason: {} });
  });

  it('counts an escalation without a reason (older record) as unspecified', () => {
    const [first] = seededRecords(END);
    const s = summarize([{ ...first!, outcome: 'escalated' }], RANGE);
    expect(s.escalationsByReason).toEqual({ unspecified: 1 });
  });
});

describe('messages from the requester per resolved ticket', () => {
  // Resolved tickets 1 and 2 counted 1 and 2 messages; the escalated one's 5 and the old resolved record (no count)
  // are left out.
  const records = (() => {
    const [r1, r2, r3, ...rest] = seededRecords(END);
    return [{ ...r1!, requesterMessages: 1 }, { ...r2!, requesterMessages: 2 }, { ...r3!, requesterMessages: 5 }, ...rest, { ...r1!, ticketId: 'older', requesterMessages: undefined }];
  })();
  const summary = summarize(records, RANGE);

  it('gives their mean and p50 over resolved tickets that count them', () => {
    expect(summary.requesterMessages).toEqual({ count: 2, mean: 1.5, p50: 1 });
    expect(summary.bySystem.local?.requesterMessages).toEqual({ count: 2, mean: 1.5, p50: 1 });
    expect(summary.bySystem.zendesk?.requesterMessages).toEqual({ count: 0, mean: null, p50: null });
  });

  it('shows them in the table and in CSV columns', () => {
    expect(toTable(summary)).toContain('messages from the requester per resolved ticket: mean 1.5, p50 1 (2 tickets counted)');
    const lines = toCsv(summary).split('\r\n');
    const header = lines[0]!.split(',');
    const all = Object.fromEntries(lines[1]!.split(',').map((v, i) => [header[i], v]));
    expect(all).toMatchObject({ requester_messages_mean: '1.5', requester_messages_p50: '1' });
    const zendesk = Object.fromEntries(lines[3]!.split(',').map((v, i) => [header[i], v]));
    expect(zendesk).toMatchObject({ key: 'zendesk', requester_messages_mean: '', requester_messages_p50: '' });
  });

  it('says so when no resolved ticket counted them', () => {
    expect(toTable(summarize(seededRecords(END), RANGE))).toContain('mean -, p50 - (0 tickets counted)');
  });
});

describe('percentile (nearest rank)', () => {
  it.each([
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 90, 4],
    [[7], 90, 7],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
  ])('of %j at p%i is %i', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });
});

describe('range of a query', () => {
  const now = END;
  it('defaults to the 7 days before now', () => {
    expect(parseRangeQuery({}, now)).toEqual(RANGE);
  });
  it('takes from and to as ISO dates or date-times, and since as a duration', () => {
    expect(parseRangeQuery({ from: '2026-11-01', to: '2026-11-02T06:00:00Z' }, now)).toEqual({ from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 10, 2, 6) });
    expect(parseRangeQuery({ since: '12h' }, now)).toEqual({ from: END - 12 * HR, to: END });
    expect(parseRangeQuery({ to: '2026-11-10T00:00:00+01:00', since: '30m' }, now)).toEqual({ from: Date.UTC(2026, 10, 9, 23) - 30 * MIN, to: Date.UTC(2026, 10, 9, 23) });
  });
  it.each([
    [{ from: 'yesterday' }, /from: an ISO 8601 date/],
    [{ from: '2026-02-30' }, /not a real date/],
    [{ since: '7 days' }, /since: a duration/],
    [{ from: '2026-11-10', to: '2026-11-01' }, /is after to/],
    [{ from: '2020-01-01', to: '2026-01-01' }, /longer than 400 days/],
  ])('refuses %j with a reason', (query, reason) => {
    expect(() => parseRangeQuery(query, now)).toThrow(BadRange);
    expect(() => parseRangeQuery(query, now)).toThrow(reason);
  });
});

describe('report formats', () => {
  const summary = summarize(seededRecords(END), RANGE);

  it('quotes CSV fields that need it (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField(null)).toBe('');
    expect(csvField(0)).toBe('0');
  });

  it('writes one CSV row overall, one per system and one per platform, with a column per escalation reason', () => {
    const lines = toCsv(summary).split('\r\n');
    expect(lines).toHaveLength(6);
    const header = lines[0]!.split(',');
    const all = Object.fromEntries(lines[1]!.split(',').map((v, i) => [header[i], v]));
    expect(all).toMatchObject({ scope: 'all', tickets: '6', automation_rate: '0.3333', first_reply_p50_ms: '30000', waiting_p90_ms: String(72 * HR), escalations_sla_risk: '1', escalations_user_not_found: '1', escalations_no_token: '0' });
    expect(lines.slice(2).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['system,local,4', 'system,zendesk,2', 'platform,local,4', 'platform,sta,2']);
  });

  it('prints readable durations in the table', () => {
    expect(formatDuration(30_000)).toBe('30s');
    expect(formatDuration(16 * MIN)).toBe('16m 00s');
    expect(formatDuration(72 * HR + 5 * MIN)).toBe('3d 0h');
    expect(formatDuration(null)).toBe('-');
    const table = toTable(summary);
    expect(table).toContain('33.3%');
    expect(table).toContain('30s / 16m 00s');
    expect(table).toMatch(/sla_risk\s+│ 1/);
  });
});

describe('open tickets', () => {
  const T = Date.UTC(2026, 10, 20, 9, 0);
  const state = (over: Partial<WorkflowState>): WorkflowState => ({ ...initialState(makeTicket(), T), ...over });

  it.each([
    ['awaiting_codes', 'end_user'],
    ['awaiting_retest', 'end_user'],
    ['awaiting_approval', 'agent'],
    ['resyncing', 'bot'],
  ] as const)('says a ticket in %s waits on the %s', (status, waitingOn) => {
    expect(openTicketOf(state({ status, waitingSince: T + MIN }), T + 10 * MIN)).toMatchObject({ status, waitingOn, ageMs: 10 * MIN, inStateMs: 9 * MIN, since: '2026-11-20T09:01:00.000Z' });
  });

  it('counts the time in a state without a waiting clock from the last change', () => {
    expect(openTicketOf(state({ status: 'locating_user', updatedAt: T + 2 * MIN }), T + 3 * MIN)?.inStateMs).toBe(MIN);
  });

  it.each(['resolved', 'timed_out', 'escalated', 'handed_off'] as const)('leaves out a ticket that is %s', (status) => {
    expect(openTicketOf(state({ status }), T)).toBeUndefined();
  });

  it('carries no email or name of the requester', () => {
    expect(JSON.stringify(openTicketOf(state({ status: 'awaiting_codes' }), T))).not.toMatch(/@|Alice/);
  });
});
