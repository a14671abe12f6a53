import { EscalationReasonSchema } from '../../../workflows/resync/index.js';
import { BOT_CLOSED, SLA_OUTCOMES, type SlaOutcome, type SlaRecord } from './record.js';
import { NO_TENANT } from './tenant-filter.js';

/**
 * The SLA figures of a set of records: pure, shared by `GET /sla/summary`, the dashboard and `twofa-desk
 * report`. Percentiles are nearest-rank (p50 of 1, 2, 3, 4 is 2), so every figure is a time a ticket really had.
 */

const DAY_MS = 86_400_000;
/** Longer ranges list only the days that have tickets, so a year's query stays small. */
const MAX_FILLED_DAYS = 92;

export interface TimeStats {
  /** how many records the figure is computed over */
  count: number;
  p50Ms: number | null;
  p90Ms: number | null;
}

export interface SlaFigures {
  tickets: number;
  outcomes: Record<SlaOutcome, number>;
  /** resolved by the bot without an agent, over all tickets; null without tickets */
  automationRate: number | null;
  /** ticket start → first public reply, over tickets that had one */
  firstReply: TimeStats;
  /** time spent waiting on the end user, over all tickets */
  waiting: TimeStats;
  /** ticket start → the bot closed it, over tickets the bot closed (resolved, timed out) */
  resolution: TimeStats;
  /** records with the breach noted; records saved before SLA targets existed are not counted */
  breaches: { firstReply: number; resolution: number };
  escalations: number;
  /** escalation reason (workflows/resync/state.ts) → count; `unspecified` for records that lack one */
  escalationsByReason: Record<string, number>;
  /**
   * messages the requester wrote per ticket the bot resolved, over resolved records that count them (records of
   * older versions do not): 2 when they had to confirm with "works", 1 when the bot saw their login itself
   */
  requesterMessages: CountStats;
}

export interface CountStats {
  count: number;
  mean: number | null;
  p50: number | null;
}

export interface SlaSummary extends SlaFigures {
  from: string;
  to: string;
  /** the tenant the figures are limited to (`?tenant=`, `--tenant`); absent: all records */
  tenant?: string;
  bySystem: Record<string, SlaFigures>;
  byPlatform: Record<string, SlaFigures>;
  /**
   * by tenant, when any record in the range carries one and the summary is not limited to a tenant; records
   * without a tenant (tickets no tenant matched, or from before tenants) under `(none)`
   */
  byTenant?: Record<string, SlaFigures>;
  /** `/sla/summary` only: the tenants with SLA records kept (any range), what a tenant filter can offer */
  tenants?: string[];
  /** by UTC day of closing */
  perDay: Array<{ day: string; tickets: number; resolved: number; escalated: number }>;
}

export const ESCALATION_REASONS = EscalationReasonSchema.options;

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

function countStats(values: number[]): CountStats {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, mean: sorted.length === 0 ? null : sorted.reduce((a, b) => a + b, 0) / sorted.length, p50: percentile(sorted, 50) };
}

function stats(values: number[]): TimeStats {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50Ms: percentile(sorted, 50), p90Ms: percentile(sorted, 90) };
}

export function figures(records: readonly SlaRecord[]): SlaFigures {
  const outcomes = Object.fromEntries(SLA_OUTCOMES.map((o) => [o, 0])) as Record<SlaOutcome, number>;
  const escalationsByReason: Record<string, number> = {};
  let firstReplyBreaches = 0;
  let resolutionBreaches = 0;
  for (const r of records) {
    outcomes[r.outcome] += 1;
    if (r.outcome === 'escalated') {
      const reason = r.escalationReason ?? 'unspecified';
      escalationsByReason[reason] = (escalationsByReason[reason] ?? 0) + 1;
    }
    if (r.firstReplyBreached) firstReplyBreaches += 1;
    if (r.resolutionBreached) resolutionBreaches += 1;
  }
  return {
    tickets: records.length,
    outcomes,
    automationRate: records.length === 0 ? null : outcomes.resolved / records.length,
    firstReply: stats(records.flatMap((r) => (r.firstReplyMs === undefined ? [] : [r.firstReplyMs]))),
    waiting: stats(records.map((r) => r.waitingMs)),
    resolution: stats(records.filter((r) => BOT_CLOSED.has(r.outcome)).map((r) => r.resolutionMs)),
    breaches: { firstReply: firstReplyBreaches, resolution: resolutionBreaches },
    escalations: outcomes.escalated,
    escalationsByReason,
    requesterMessages: countStats(records.flatMap((r) => (r.outcome === 'resolved' && r.requesterMessages !== undefined ? [r.requesterMessages] : []))),
  };
}

/** Figures per key, keys sorted; `last`: a key listed after the others (the records without a tenant). */
function groupBy(records: readonly SlaRecord[], key: (r: SlaRecord) => string, last?: string): Record<string, SlaFigures> {
  const groups = new Map<string, SlaRecord[]>();
  for (const r of records) {
    const k = key(r);
    const group = groups.get(k);
    if (group) group.push(r);
    else groups.set(k, [r]);
  }
  const keys = [...groups.keys()].sort((a, b) => Number(a === last) - Number(b === last) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, figures(groups.get(k) ?? [])]));
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function perDay(records: readonly SlaRecord[], from: number, to: number): SlaSummary['perDay'] {
  const days = new Map<string, { day: string; tickets: number; resolved: number; escalated: number }>();
  const first = Math.floor(from / DAY_MS);
  const last = Math.floor(to / DAY_MS);
  if (last - first < MAX_FILLED_DAYS) {
    for (let d = first; d <= last; d += 1) days.set(utcDay(d * DAY_MS), { day: utcDay(d * DAY_MS), tickets: 0, resolved: 0, escalated: 0 });
  }
  for (const r of records) {
    const day = utcDay(r.closedAt);
    const entry = days.get(day) ?? { day, tickets: 0, resolved: 0, escalated: 0 };
    entry.tickets += 1;
    if (r.outcome === 'resolved') entry.resolved += 1;
    if (r.outcome === 'escalated') entry.escalated += 1;
    days.set(day, entry);
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}

/**
 * The summary of the records closed in [from, to] (ms); records outside the range are left out, and so are other
 * tenants' records when `filter.tenant` is set.
 */
export function summarize(records: readonly SlaRecord[], range: { from: number; to: number }, filter: { tenant?: string } = {}): SlaSummary {
  const { tenant } = filter;
  const inRange = records.filter((r) => r.closedAt >= range.from && r.closedAt <= range.to && (tenant === undefined || r.tenant === tenant));
  const tenanted = tenant === undefined && inRange.some((r) => r.tenant !== undefined);
  return {
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    ...(tenant !== undefined ? { tenant } : {}),
    ...figures(inRange),
    bySystem: groupBy(inRange, (r) => r.system),
    byPlatform: groupBy(inRange, (r) => r.platform),
    ...(tenanted ? { byTenant: groupBy(inRange, (r) => r.tenant ?? NO_TENANT, NO_TENANT) } : {}),
    perDay: perDay(inRange, range.from, range.to),
  };
}
