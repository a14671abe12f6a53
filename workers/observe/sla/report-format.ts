import Table from 'cli-table3';
import { ESCALATION_REASONS, type SlaFigures, type SlaSummary } from './summary.js';

/** Renders an SLA summary for `twofa-desk report`: a table for people, CSV and JSON for tools. Pure. */

export const REPORT_FORMATS = ['table', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** Messages per ticket: one decimal for a mean, none for a count. */
export function formatCount(n: number | null): string {
  return n === null ? '-' : Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function formatRate(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(1)}%`;
}

/**
 * Overall first (`tenant <id>` instead when the report is limited to one), then one row per tenant when records
 * carry tenants (the customers are what an MSP's manager compares first), per ticket system and per 2FA platform.
 */
function scopes(summary: SlaSummary): Array<{ scope: string; key: string; f: SlaFigures }> {
  return [
    summary.tenant === undefined ? { scope: 'all', key: `${summary.from}/${summary.to}`, f: summary } : { scope: 'tenant', key: summary.tenant, f: summary },
    ...Object.entries(summary.byTenant ?? {}).map(([key, f]) => ({ scope: 'tenant', key, f })),
    ...Object.entries(summary.bySystem).map(([key, f]) => ({ scope: 'system', key, f })),
    ...Object.entries(summary.byPlatform).map(([key, f]) => ({ scope: 'platform', key, f })),
  ];
}

/** Reasons in the enum's order, then any other a record carried (older versions, `unspecified`). */
function reasonColumns(summary: SlaSummary): string[] {
  const seen = new Set(scopes(summary).flatMap(({ f }) => Object.keys(f.escalationsByReason)));
  return [...ESCALATION_REASONS, ...[...seen].filter((r) => !(ESCALATION_REASONS as readonly string[]).includes(r)).sort()];
}

const PLAIN = { head: [] as string[], border: [] as string[] };

export function toTable(summary: SlaSummary): string {
  const pair = (s: SlaFigures['firstReply']) => `${formatDuration(s.p50Ms)} / ${formatDuration(s.p90Ms)}`;
  const figures = new Table({
    head: ['', 'tickets', 'automation', 'first reply p50 / p90', 'waiting p50 / p90', 'resolution p50 / p90', 'breaches first reply / resolution', 'escalations'],
    style: PLAIN,
  });
  for (const { scope, key, f } of scopes(summary)) {
    figures.push([scope === 'all' ? 'all' : `${scope} ${key}`, String(f.tickets), formatRate(f.automationRate), pair(f.firstReply), pair(f.waiting), pair(f.resolution), `${f.breaches.firstReply} / ${f.breaches.resolution}`, String(f.escalations)]);
  }
  const reasons = new Table({ head: ['escalation reason', 'tickets'], style: PLAIN });
  const byReason = Object.entries(summary.escalationsByReason).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  for (const [reason, n] of byReason) reasons.push([reason, String(n)]);
  const outcomes = Object.entries(summary.outcomes).map(([o, n]) => `${o} ${n}`).join(', ');
  const messages = summary.requesterMessages;
  return [
    `SLA report ${summary.tenant === undefined ? '' : `for tenant ${summary.tenant}, `}${summary.from} → ${summary.to} (tickets closed in the range)`,
    figures.toString(),
    `outcomes: ${outcomes}`,
    `messages from the requester per resolved ticket: mean ${formatCount(messages.mean)}, p50 ${formatCount(messages.p50)} (${messages.count} tickets counted)`,
    byReason.length > 0 ? reasons.toString() : 'no escalations',
  ].join('\n');
}

/** RFC 4180: a field with a comma, quote, CR or LF (or spaces at its ends) is quoted, quotes doubled. */
export function csvField(value: string | number | null): string {
  const s = value === null ? '' : String(value);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(summary: SlaSummary): string {
  const reasons = reasonColumns(summary);
  const header = [
    'scope', 'key', 'tickets', 'resolved', 'escalated', 'handed_off', 'timed_out', 'unfinished', 'automation_rate',
    'first_reply_p50_ms', 'first_reply_p90_ms', 'waiting_p50_ms', 'waiting_p90_ms', 'resolution_p50_ms', 'resolution_p90_ms',
    'first_reply_breaches', 'resolution_breaches', 'escalations', 'requester_messages_mean', 'requester_messages_p50',
    ...reasons.map((r) => `escalations_${r}`),
  ];
  const rows = scopes(summary).map(({ scope, key, f }) => [
    scope, key, f.tickets, f.outcomes.resolved, f.outcomes.escalated, f.outcomes.handed_off, f.outcomes.timed_out, f.outcomes.unfinished,
    f.automationRate === null ? null : Number(f.automationRate.toFixed(4)),
    f.firstReply.p50Ms, f.firstReply.p90Ms, f.waiting.p50Ms, f.waiting.p90Ms, f.resolution.p50Ms, f.resolution.p90Ms,
    f.breaches.firstReply, f.breaches.resolution, f.escalations,
    f.requesterMessages.mean === null ? null : Number(f.requesterMessages.mean.toFixed(2)), f.requesterMessages.p50,
    ...reasons.map((r) => f.escalationsByReason[r] ?? 0),
  ]);
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n');
}

export function formatReport(summary: SlaSummary, format: ReportFormat): string {
  if (format === 'json') return JSON.stringify(summary, null, 2);
  if (format === 'csv') return toCsv(summary);
  return toTable(summary);
}
